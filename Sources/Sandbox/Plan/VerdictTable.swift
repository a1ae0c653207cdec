import CSupervisor
import Foundation

extension CompiledFilter {
    /// Lays `verdicts` out as CSupervisor's verdict table (csup_verdicts.h):
    /// a header, one entry per syscall number in ascending order, then the
    /// deny-requests entries' requests. Built from the C structs themselves,
    /// so Swift and C agree on every field's width and place. Requests are
    /// sorted, so one profile always compiles to the same bytes.
    static func verdictTable(_ verdicts: [Int32: Verdict], nativeArch: UInt32, unknownErrno: Int32) -> Data {
        var entries: [csup_verdict_entry] = []
        var requests: [UInt32] = []
        for (nr, verdict) in verdicts.sorted(by: { $0.key < $1.key }) {
            var entry = csup_verdict_entry(nr: nr, kind: 0, error: 0, first_request: 0, request_count: 0)
            switch verdict {
            case .continueAndRecord:
                entry.kind = Int32(CSUP_VERDICT_CONTINUE_AND_RECORD.rawValue)
            case .deny(let errno):
                entry.kind = Int32(CSUP_VERDICT_DENY.rawValue)
                entry.error = errno
            case .denyRequests(let listed, let errno):
                entry.kind = Int32(CSUP_VERDICT_DENY_REQUESTS.rawValue)
                entry.error = errno
                entry.first_request = UInt32(requests.count)
                entry.request_count = UInt32(listed.count)
                requests += listed.sorted()
            }
            entries.append(entry)
        }

        var header = csup_verdict_table()
        let magic = Array(CSUP_VERDICT_TABLE_MAGIC.utf8)
        withUnsafeMutableBytes(of: &header.magic) { $0.copyBytes(from: magic.prefix($0.count)) }
        header.native_arch = nativeArch
        header.unknown_errno = unknownErrno
        header.entry_count = UInt32(entries.count)
        header.request_count = UInt32(requests.count)

        var table = Data()
        withUnsafeBytes(of: header) { table.append(contentsOf: $0) }
        for entry in entries {
            withUnsafeBytes(of: entry) { table.append(contentsOf: $0) }
        }
        requests.withUnsafeBytes { table.append(contentsOf: $0) }
        return table
    }
}
