import Crypto
import Foundation

/// The tag in `[REDACTED:type:tag]`: the first 16 bits of HMAC-SHA256 of
/// the masked value under the masker's key.
///
/// Keying an HMAC hashes the padded key twice; masking pays that for every
/// secret found, so the keyed state is built once and copied per value
/// (the hash states are copy-on-write, so the template is never changed).
/// `@unchecked Sendable`: the template is immutable after `init`.
struct MaskTag: @unchecked Sendable {
    private let keyed: HMAC<SHA256>
    private static let hexDigits = Array("0123456789abcdef".utf8)

    init(key: Data) {
        keyed = HMAC<SHA256>(key: SymmetricKey(data: key))
    }

    /// Four lowercase hex digits.
    func tag(for value: Substring) -> String {
        var mac = keyed
        var text = value
        text.withUTF8 { mac.update(data: UnsafeRawBufferPointer($0)) }
        let code = mac.finalize()
        return code.withUnsafeBytes { bytes in
            String(unsafeUninitializedCapacity: 4) { hex in
                for index in 0..<2 {
                    hex[index * 2] = Self.hexDigits[Int(bytes[index] >> 4)]
                    hex[index * 2 + 1] = Self.hexDigits[Int(bytes[index] & 0x0f)]
                }
                return 4
            }
        }
    }
}
