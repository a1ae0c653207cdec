import AirlockCore
import Credentials
import Foundation
import Testing

@Suite("Secrets")
struct SecretTests {
    let secret = ResolvedSecret(name: "DB_PASSWORD", value: "pa$$w0rd/with+chars")

    @Test("exact values and their common encodings are masked in output")
    func masksEncodings() {
        let masker = SecretMasker([secret])
        let raw = Data(secret.value.utf8)
        let hex = raw.map { String(format: "%02x", $0) }.joined()
        let output = """
            plain: \(secret.value)
            basic: \(raw.base64EncodedString())
            url: https://db/?p=\(secret.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            hex: \(hex) HEX: \(hex.uppercased())
            json: {"password":\(CanonicalJSON.encode(.string(secret.value)))}
            """
        let masked = masker.mask(output)
        #expect(!masked.contains(secret.value))
        #expect(!masked.contains(raw.base64EncodedString()))
        #expect(!masked.contains(hex))
        #expect(!masked.lowercased().contains(hex))
        #expect(!masked.contains("pa%24%24w0rd"))
        #expect(masked.components(separatedBy: "[REDACTED:secret:DB_PASSWORD]").count - 1 == 6)
        #expect(masked.contains("plain: [REDACTED:secret:DB_PASSWORD]"))
    }

    @Test("a secret base64'd after a user name, as in a Basic Authorization header, is masked at every byte offset")
    func masksBasicAuthorizationHeader() {
        let masker = SecretMasker([secret])
        // "user:" takes 2 to 9 bytes: the secret starts at each offset modulo 3.
        for user in ["a", "ab", "abc", "root", "admin", "deploy", "svc-robot"] {
            let credentials = Data("\(user):\(secret.value)".utf8).base64EncodedString()
            let masked = masker.mask("> Authorization: Basic \(credentials)\r\n")
            #expect(masked.contains("[REDACTED:secret:DB_PASSWORD]"), "user \(user): \(masked)")
            #expect(!masked.contains(credentials), "user \(user)")
            // What is left of the credentials is the user name's part and at most two characters after the marker.
            let after = masked.components(separatedBy: "[REDACTED:secret:DB_PASSWORD]").last ?? ""
            #expect(after.count <= 2 + "\r\n".count, "user \(user): \(masked)")
        }
    }

    @Test("a secret base64'd inside a longer text, with more after it, is masked at every byte offset")
    func masksBase64InsideLongerText() {
        let masker = SecretMasker([secret])
        // 9, 7 and 11 bytes before the secret: offsets 0, 1 and 2 modulo 3.
        for prefix in ["{\"pass\":\"", "{\"pw\":\"", "{\"passwd\":\""] {
            let json = "\(prefix)\(secret.value)\",\"user\":\"ci\"}"
            for encoded in [Data(json.utf8).base64EncodedString(),
                            Data(json.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")] {
                let masked = masker.mask("token: \(encoded)")
                #expect(masked.contains("[REDACTED:secret:DB_PASSWORD]"), "\(prefix): \(masked)")
            }
        }
    }

    @Test("a short secret is not looked for at other base64 offsets: a few characters turn up by chance")
    func shortSecretsHaveNoShiftedBase64() {
        let masker = SecretMasker([ResolvedSecret(name: "PIN", value: "4711")])
        let shifted = Data("a:4711".utf8).base64EncodedString()
        #expect(masker.mask("Basic \(shifted)") == "Basic \(shifted)")
        #expect(masker.mask("pin 4711, \(Data("4711".utf8).base64EncodedString())") == "pin [REDACTED:secret:PIN], [REDACTED:secret:PIN]")
    }

    @Test("a tool that echoes its secret returns it masked, in JSON results too")
    func echoedSecretMaskedInJSON() {
        let masker = SecretMasker([secret])
        let result: JSONValue = ["stdout": .string("connected with \(secret.value)\n"), "items": [.string(secret.value), 3]]
        let masked = masker.mask(result)
        #expect(!masked.canonicalText.contains(secret.value))
        #expect(masked["items"]?.arrayValue?.first == "[REDACTED:secret:DB_PASSWORD]")
        #expect(masked["items"]?.arrayValue?.last == 3)
    }

    @Test("a secret that contains another is masked whole; other text is untouched")
    func longestFirst() {
        let masker = SecretMasker([ResolvedSecret(name: "SHORT", value: "abc123"),
                                   ResolvedSecret(name: "LONG", value: "xx-abc123-yy")])
        #expect(masker.mask("a xx-abc123-yy b abc123 c") == "a [REDACTED:secret:LONG] b [REDACTED:secret:SHORT] c")
        #expect(masker.mask("nothing to see") == "nothing to see")
    }

    @Test("descriptions never show the value")
    func descriptionHidesValue() {
        #expect(!"\(secret)".contains(secret.value))
        #expect(!String(reflecting: secret).contains(secret.value))
    }

    @Test("secrets resolve from files and the environment; missing ones are errors")
    func resolves() throws {
        let directory = freshDirectory("secrets")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = directory + "/token"
        try "file-secret-value\n".write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)
        let resolved = try SecretResolver.resolve([
            SecretDeclaration(name: "FROM_FILE", source: .file(file), environmentVariable: "FROM_FILE"),
            SecretDeclaration(name: "FROM_ENV", source: .environment("AIRLOCK_TEST_SECRET"), environmentVariable: "FROM_ENV"),
        ], environment: ["AIRLOCK_TEST_SECRET": "env-secret-value"])
        #expect(resolved == [ResolvedSecret(name: "FROM_FILE", value: "file-secret-value"),
                             ResolvedSecret(name: "FROM_ENV", value: "env-secret-value")])
        #expect(throws: AirlockError.self) {
            _ = try SecretResolver.resolve([SecretDeclaration(name: "X", source: .environment("UNSET_VAR"), environmentVariable: "X")], environment: [:])
        }
        #expect(throws: AirlockError.self) {
            _ = try SecretResolver.resolve([SecretDeclaration(name: "X", source: .file(directory + "/missing"), environmentVariable: "X")])
        }
    }

    /// A secret file others can read is already leaked, and one another
    /// user owns is theirs to change: both are refused, by name.
    @Test func aSecretFileOthersCanReachIsRefused() throws {
        let directory = freshDirectory("secret-modes")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = directory + "/token"
        try "value\n".write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o644)
        let declaration = SecretDeclaration(name: "DB", source: .file(file), environmentVariable: "DB")
        var refusal = ""
        do { _ = try SecretResolver.resolve([declaration]) } catch let error as AirlockError { refusal = error.message }
        #expect(refusal.contains("has mode 644") && refusal.contains("chmod 600"), "\(refusal)")
        #expect(!refusal.contains("value"))
        if getuid() == 0 {
            chmod(file, 0o600)
            #expect(chown(file, 4343, 4343) == 0)
            refusal = ""
            do { _ = try SecretResolver.resolve([declaration]) } catch let error as AirlockError { refusal = error.message }
            #expect(refusal.contains("belongs to uid 4343"), "\(refusal)")
        }
    }

    /// A secret "file" that is a FIFO (or a device) is refused at once: a
    /// read from a FIFO nobody writes would hang the daemon's start.
    @Test func aSecretThatIsNotARegularFileIsRefusedWithoutWaiting() throws {
        let directory = freshDirectory("secret-fifo")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let fifo = directory + "/token"
        #expect(mkfifo(fifo, 0o600) == 0)
        let declaration = SecretDeclaration(name: "DB", source: .file(fifo), environmentVariable: "DB")
        var refusal = ""
        do { _ = try SecretResolver.resolve([declaration]) } catch let error as AirlockError { refusal = error.message }
        #expect(refusal.contains("is not a regular file"), "\(refusal)")
    }
}
