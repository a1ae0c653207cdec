import AirlockCore

/// Byte-for-byte the same text as `CanonicalJSON.encode`, built in a UTF-8
/// byte buffer instead of by appending `Character`s to a `String`. The
/// core encoder was the largest single cost of an append in profiles
/// (every event is encoded once, on the caller's task); a test checks both
/// agree on every shape of value. Candidate to move into AirlockCore.
enum CanonicalBytes {
    static func encode(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        write(value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .int(let number): out.append(contentsOf: String(number).utf8)
        case .double:
            // Rare in events; defer to the core's formatting rules.
            out.append(contentsOf: CanonicalJSON.encode(value).utf8)
        case .string(let text): writeString(text, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let keys = members.keys.sorted(by: utf16Precedes)
            for (index, key) in keys.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(members[key]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// RFC 8785 orders keys by UTF-16 code units; comparing a native
    /// string's UTF-16 view transcodes it, which made sorting keys a tenth of
    /// encoding an event. UTF-8 byte order agrees with UTF-16 order except
    /// where a supplementary character (4-byte UTF-8, lead F0–F4; a
    /// surrogate pair in UTF-16) meets one in U+E000–U+FFFF (lead EE–EF):
    /// UTF-16 puts the supplementary one first. Where the first differing
    /// byte sits inside a character, both characters have the same length
    /// and the two orders agree.
    static func utf16Precedes(_ lhs: String, _ rhs: String) -> Bool {
        var lhs = lhs
        var rhs = rhs
        return lhs.withUTF8 { left in
            rhs.withUTF8 { right in
                let common = min(left.count, right.count)
                var index = 0
                while index < common, left[index] == right[index] { index += 1 }
                guard index < common else { return left.count < right.count }
                let (l, r) = (left[index], right[index])
                if l >= 0xF0, (0xEE...0xEF).contains(r) { return true }
                if r >= 0xF0, (0xEE...0xEF).contains(l) { return false }
                return l < r
            }
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Copies runs of bytes that need no escaping in one go: most strings
    /// in an event have no escapes at all, and a per-byte append was a third
    /// of encoding one.
    private static func writeString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for (index, byte) in bytes.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                writeEscape(byte, into: &out)
                runStart = index + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func writeEscape(_ byte: UInt8, into out: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
        case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
        case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
        case 0x0D: out.append(contentsOf: [92, UInt8(ascii: "r")])
        case 0x09: out.append(contentsOf: [92, UInt8(ascii: "t")])
        case 0x08: out.append(contentsOf: [92, UInt8(ascii: "b")])
        case 0x0C: out.append(contentsOf: [92, UInt8(ascii: "f")])
        default:
            out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0f)]])
        }
    }
}
