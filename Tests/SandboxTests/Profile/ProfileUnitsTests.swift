import Testing
@testable import Sandbox

@Suite("Profile units")
struct ProfileUnitsTests {
    @Test("sizes are binary and exact", arguments: [
        ("4096", 4096), ("4096B", 4096), ("64K", 64 << 10), ("64k", 64 << 10), ("512M", 512 << 20),
        ("512MiB", 512 << 20), ("1G", 1 << 30), ("1GB", 1 << 30), ("2T", 2 << 40),
    ] as [(String, UInt64)])
    func sizes(text: String, bytes: UInt64) {
        #expect(ProfileUnits.parseSize(text) == bytes)
    }

    @Test("malformed sizes are rejected", arguments: ["12QB", "", "G", "1.5G", "-1M", "1 G B", "99999999999999T", "1BB", "12iB"])
    func badSizes(text: String) {
        #expect(ProfileUnits.parseSize(text) == nil)
    }

    @Test("durations", arguments: [("250ms", 0.25), ("30s", 30), ("5m", 300), ("1h", 3600), ("30", 30), ("1.5s", 1.5)] as [(String, Double)])
    func durations(text: String, seconds: Double) {
        #expect(ProfileUnits.parseDuration(text) == seconds)
    }

    @Test("malformed durations are rejected", arguments: ["", "s", "5 minutes", "1d", "-3s", "1..2s"])
    func badDurations(text: String) {
        #expect(ProfileUnits.parseDuration(text) == nil)
    }

    @Test("unsigned integers in several bases")
    func unsigned() {
        #expect(ProfileUnits.parseUnsigned("0x5412") == 0x5412)
        #expect(ProfileUnits.parseUnsigned("0o755") == 0o755)
        #expect(ProfileUnits.parseUnsigned("0b101") == 5)
        #expect(ProfileUnits.parseUnsigned("1_000") == 1000)
        #expect(ProfileUnits.parseUnsigned("0xffffffffffffffff") == UInt64.max)
        #expect(ProfileUnits.parseUnsigned("-1") == nil)
        #expect(ProfileUnits.parseUnsigned("12abc") == nil)
    }

    @Test("formatting round-trips through parsing")
    func formatting() {
        for bytes: UInt64 in [1, 1000, 1024, 64 << 20, 3 << 30, (1 << 30) + 1] {
            #expect(ProfileUnits.parseSize(ProfileUnits.formatSize(bytes)) == bytes)
        }
        for seconds in [0.25, 1, 30, 90, 300, 1.5] {
            #expect(ProfileUnits.parseDuration(ProfileUnits.formatDuration(seconds)) == seconds)
        }
    }
}
