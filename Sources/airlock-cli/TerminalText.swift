/// Text from the audit trail made safe to print on a terminal. Tool names,
/// arguments, reasons and error messages in it come from agents; written
/// raw, an escape sequence in one (`\e[1A\e[2K\r…`) would move the cursor,
/// erase lines and print a fake record over a real one, and a bidi override
/// would reorder what the admin reads. Every C0 control (newlines and tabs
/// too: one record stays on one line), DEL, every C1 control and every bidi
/// control is shown as an escape instead: `\x1b`, `\u{202e}`.
enum TerminalText {
    static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if !needsEscape(scalar) {
                out.unicodeScalars.append(scalar)
            } else if scalar.value < 0x80 {
                out += "\\x" + hex(scalar.value, digits: 2)
            } else {
                out += "\\u{" + hex(scalar.value, digits: 4) + "}"
            }
        }
        return out
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true                   // C0, DEL, C1
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true  // bidi controls
        default: return false
        }
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
