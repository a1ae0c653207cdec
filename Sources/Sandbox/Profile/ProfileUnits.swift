import Foundation

/// The unit syntax of profile files. Sizes are binary (1K = 1024 bytes)
/// because every limit they feed (rlimits, cgroup memory, tmpfs size) is
/// counted in bytes by the kernel and admins think of memory in powers of two.
enum ProfileUnits {
    static let sizeHint = "use e.g. 512M, 1G"
    static let durationHint = "use e.g. 500ms, 30s, 5m"

    /// `4096`, `4096B`, `64K`, `512M`, `1G`, `2T`; `KB`/`KiB` spellings mean
    /// the same binary unit. Anything else (`12QB`, `1.5G`, `-1`) is nil.
    static func parseSize(_ text: String) -> UInt64? {
        let trimmed = stripBlanks(text)
        let digits = trimmed.prefix(while: isDigit)
        let unit = trimmed.dropFirst(digits.count).uppercased()
        guard !digits.isEmpty, let shift = sizeUnits[unit], let value = UInt64(digits) else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: UInt64(1) << shift)
        return overflow ? nil : product
    }

    /// Accepted unit spellings (upper-cased) and their power of two.
    private static let sizeUnits: [String: UInt64] = {
        var units: [String: UInt64] = ["": 0, "B": 0]
        for (index, letter) in ["K", "M", "G", "T"].enumerated() {
            let shift = UInt64(10 * (index + 1))
            for spelling in [letter, letter + "B", letter + "IB"] { units[spelling] = shift }
        }
        return units
    }()

    /// `250ms`, `30s`, `5m`, `1h`, or a bare number of seconds (`30`, `1.5`).
    static func parseDuration(_ text: String) -> Double? {
        let trimmed = stripBlanks(text)
        let number = trimmed.prefix(while: { isDigit($0) || $0 == "." })
        let scales: [String: Double] = ["": 1, "ms": 0.001, "s": 1, "m": 60, "h": 3600]
        guard !number.isEmpty, let scale = scales[String(trimmed.dropFirst(number.count))],
              let value = Double(number), (value * scale).isFinite else { return nil }
        return value * scale
    }

    /// An unsigned integer written in decimal, `0x` hex, `0o` octal or `0b`
    /// binary, with optional `_` separators: syscall argument values are
    /// often flags and ioctl numbers that read best in hex.
    static func parseUnsigned(_ text: String) -> UInt64? {
        let cleaned = String(stripBlanks(text).filter { $0 != "_" })
        for (prefix, radix) in [("0x", 16), ("0X", 16), ("0o", 8), ("0b", 2)] where cleaned.hasPrefix(prefix) {
            return UInt64(cleaned.dropFirst(prefix.count), radix: radix)
        }
        guard !cleaned.isEmpty, cleaned.allSatisfy(isDigit) else { return nil }
        return UInt64(cleaned)
    }

    /// `text` without leading and trailing spaces and tabs. Plain Swift, not
    /// Foundation's bridged trimming: profiles are parsed at every start of
    /// `airlock exec`.
    static func stripBlanks(_ text: String) -> Substring {
        let isBlank = { (c: Character) in c == " " || c == "\t" }
        let start = text.firstIndex { !isBlank($0) } ?? text.endIndex
        let end = text.lastIndex { !isBlank($0) }.map(text.index(after:)) ?? start
        return text[start..<max(start, end)]
    }

    /// The shortest exact spelling of a byte count, for `profile show`.
    static func formatSize(_ bytes: UInt64) -> String {
        for (letter, shift) in [("T", 40), ("G", 30), ("M", 20), ("K", 10)] as [(String, UInt64)]
        where bytes >= (1 << shift) && bytes % (1 << shift) == 0 {
            return "\(bytes >> shift)\(letter)"
        }
        return String(bytes)
    }

    /// The shortest exact spelling of a duration, for `profile show` and
    /// for messages about a limit (which may be out of any range: a value
    /// no integer holds is printed as is).
    static func formatDuration(_ seconds: Double) -> String {
        guard seconds.isFinite, abs(seconds) < 1e15 else { return "\(seconds)s" }
        for (unit, scale) in [("h", 3600.0), ("m", 60)] where seconds >= scale && seconds.truncatingRemainder(dividingBy: scale) == 0 {
            return "\(Int(seconds / scale))\(unit)"
        }
        if seconds.rounded() == seconds { return "\(Int(seconds))s" }
        let milliseconds = seconds * 1000
        if milliseconds.rounded() == milliseconds { return "\(Int(milliseconds))ms" }
        return "\(seconds)s"
    }

    private static func isDigit(_ c: Character) -> Bool { c >= "0" && c <= "9" }
}
