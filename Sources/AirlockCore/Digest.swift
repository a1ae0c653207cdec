import Crypto
import Foundation

/// SHA-256 digests in the lowercase hex form used everywhere in Airlock
/// (action digests, audit hashes, seccomp filter digests, policy revisions).
public enum Digest {
    public static func sha256Hex(_ data: some DataProtocol) -> String {
        SHA256.hash(data: data).hexString
    }

    public static func sha256Hex(_ text: String) -> String { sha256Hex(Data(text.utf8)) }

    /// Digest of a JSON value's canonical encoding.
    public static func sha256Hex(_ value: JSONValue) -> String { sha256Hex(CanonicalJSON.encode(value)) }
}

extension Sequence where Element == UInt8 {
    /// Lowercase hex, two digits a byte.
    public var hexString: String {
        let digits: [Character] = Array("0123456789abcdef")
        var s = ""
        s.reserveCapacity(64)
        for byte in self {
            s.append(digits[Int(byte >> 4)])
            s.append(digits[Int(byte & 0x0f)])
        }
        return s
    }
}

extension SHA256Digest {
    public var hexString: String { Array(self).hexString }
}
