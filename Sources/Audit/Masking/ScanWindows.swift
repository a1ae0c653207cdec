/// How a long string goes through the detectors: in windows of at most
/// `size` bytes that overlap by `overlap`, never as a whole.
///
/// Why: every pattern is written to match in linear time, but a string of
/// any size reaches the masker (an agent's arguments are masked before they
/// are validated), and a pattern added later that backtracks would turn one
/// such string into minutes of CPU. A window caps what a single regex run
/// can cost; and unlike masking an oversized string wholesale, it keeps
/// the evidence (a padded command stays readable around its secrets).
///
/// At the edges: a finding that starts in the overlap is left to the next
/// window, which sees it whole; a finding the window's end cuts off is
/// scanned again from its start by the next window, so a private key or a
/// long token is masked to its end. Only a single secret longer than a
/// whole window could be cut; none of the detected kinds comes close.
enum ScanWindows {
    static let size = 64 * 1024
    static let overlap = 4 * 1024

    /// The findings in `text` (UTF-8 offsets), scanning each window with `scan`.
    static func findings(in bytes: [UInt8],
                         scan: (Range<Int>) -> [(range: Range<Int>, finding: MaskFinding)]) -> [MaskFinding] {
        var kept: [(range: Range<Int>, finding: MaskFinding)] = []
        var start = 0
        while true {
            let end = scalarBoundary(atOrBefore: min(start + size, bytes.count), in: bytes)
            let last = end == bytes.count
            var cutStart: Int?
            for found in scan(start..<end) {
                if !last, found.range.upperBound == end {
                    if found.range.lowerBound < start + overlap {
                        // Nearly a window long: kept as cut. Rescanning it
                        // from its start would move the window a few bytes
                        // at a time ("pass=pass=..." is one such run).
                        kept.append(found)
                    } else {
                        cutStart = min(cutStart ?? found.range.lowerBound, found.range.lowerBound)
                    }
                } else if last || found.range.lowerBound < end - overlap {
                    kept.append(found)
                }
            }
            if last { break }
            // A cut finding starts the next window, so it is seen whole;
            // it starts at least `overlap` into this one, so every window
            // advances by at least `overlap`: the scan stays linear.
            let next = min(end - overlap, cutStart ?? end)
            start = scalarBoundary(atOrBefore: max(next, start + 1), in: bytes)
        }
        kept.sort { $0.range.lowerBound < $1.range.lowerBound }
        var accepted: [MaskFinding] = []
        var acceptedEnd = 0
        for entry in kept where entry.range.lowerBound >= acceptedEnd {
            accepted.append(entry.finding)
            acceptedEnd = entry.range.upperBound
        }
        return accepted
    }

    /// `offset`, or the start of the UTF-8 sequence it falls inside.
    private static func scalarBoundary(atOrBefore offset: Int, in bytes: [UInt8]) -> Int {
        var offset = offset
        while offset > 0, offset < bytes.count, bytes[offset] & 0xC0 == 0x80 { offset -= 1 }
        return offset
    }
}
