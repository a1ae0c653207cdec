/// Approval ids: short enough to type in `airlock approvals approve ID`,
/// random enough (80 bits) that nobody guesses one.
enum ApprovalID {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<10).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "apr-" + bytes.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }
}
