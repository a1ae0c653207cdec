/// Every detector's trigger flattened into plain integers and one byte
/// buffer, evaluated together into a bit set of the detectors to run.
///
/// Why not ask each `SecretDetector` in turn: reading a detector out of the
/// shared static list retains its regex, closure and needle arrays, and
/// with appends masking on every core those shared reference counts became
/// the largest single cost of an append (atomic increments on one cache
/// line, from all threads). This table is read without touching a
/// reference count per check.
struct TriggerTable: Sendable {
    private enum Test: UInt8, Sendable { case bytes, lowercasedBytes, digits, countryAndCheckDigits, atSignThenDot }

    private struct Check: Sendable {
        var detector: Int
        var test: Test
        /// A needle's place in `needles`, or the digit minimum in `start`.
        var start: Int
        var count: Int
    }

    private let checks: [Check]
    private let needles: [UInt8]

    init(_ detectors: [SecretDetector]) {
        precondition(detectors.count <= 64, "the firing set is one UInt64")
        var checks: [Check] = []
        var needles: [UInt8] = []
        func add(_ detector: Int, _ test: Test, _ needle: [UInt8]) {
            checks.append(Check(detector: detector, test: test, start: needles.count, count: needle.count))
            needles.append(contentsOf: needle)
        }
        for (index, detector) in detectors.enumerated() {
            switch detector.prefilter {
            case .anyOf(let list): list.forEach { add(index, .bytes, $0) }
            case .anyOfLowercased(let list): list.forEach { add(index, .lowercasedBytes, $0) }
            case .digits(let minimum): checks.append(Check(detector: index, test: .digits, start: minimum, count: 0))
            case .countryAndCheckDigits: checks.append(Check(detector: index, test: .countryAndCheckDigits, start: 0, count: 0))
            case .atSignThenDot: checks.append(Check(detector: index, test: .atSignThenDot, start: 0, count: 0))
            }
        }
        self.checks = checks
        self.needles = needles
    }

    /// Bit `i` set: detector `i`'s trigger fires for `features`.
    func firing(in features: TextFeatures) -> UInt64 {
        features.bytes.withUnsafeBytes { bytes in
            features.lowered.withUnsafeBytes { lowered in
                needles.withUnsafeBytes { needles in
                    checks.withUnsafeBufferPointer { checks in
                        var firing: UInt64 = 0
                        for check in checks where firing & (1 << check.detector) == 0 {
                            let fires: Bool
                            switch check.test {
                            case .bytes, .lowercasedBytes:
                                let needle = UnsafeRawBufferPointer(rebasing: needles[check.start..<(check.start + check.count)])
                                fires = ByteSearch.contains(check.test == .bytes ? bytes : lowered, needle)
                            case .digits: fires = features.digitCount >= check.start
                            case .countryAndCheckDigits: fires = features.hasCountryAndCheckDigits
                            case .atSignThenDot: fires = features.hasAtSignThenDot
                            }
                            if fires { firing |= 1 << check.detector }
                        }
                        return firing
                    }
                }
            }
        }
    }
}
