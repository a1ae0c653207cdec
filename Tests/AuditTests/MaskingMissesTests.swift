import AirlockCore
import Foundation
import Testing
@testable import Audit

/// Secrets the detectors used to miss, and the ordinary text around and
/// like them that must stay as it is.
@Suite("Masking: credentials in URLs, headers and argv")
struct MaskingMissesTests {
    let masker = Masker(tagKey: Data(repeating: 9, count: 32))

    /// (text, secret that must go, text that must stay)
    static let texts: [(String, String, String)] = [
        ("redis-cli -u redis://:S3cretPw42@cache:6379/0 ping", "S3cretPw42", "@cache:6379/0 ping"),
        ("postgres://app:p@ss:w0rd9@db.internal:5432/app", "p@ss:w0rd9", "@db.internal:5432/app"),
        ("curl -H 'Authorization: Basic YWxpY2U6czNjcjN0LXB3' https://api.example/v1", "YWxpY2U6czNjcjN0LXB3",
         "https://api.example/v1"),
        ("mysql -uroot -pS3cret42 app", "S3cret42", "mysql -uroot -p"),
        ("mysqldump --user=root -h db -pHunter22 shop > dump.sql", "Hunter22", "shop > dump.sql"),
        ("sshpass -p 'Sup3rS3cret' ssh -p 2222 deploy@host", "Sup3rS3cret", "ssh -p 2222 deploy@host"),
        ("sshpass -v -pSup3rS3cret ssh deploy@host", "Sup3rS3cret", "ssh deploy@host"),
        ("docker login -u ci --password Zx9qTr4mWv registry.example", "Zx9qTr4mWv", "registry.example"),
    ]

    /// Ordinary text that looks a little like the above.
    static let ordinary = [
        "see https://example.com/a@b for details",
        "git clone https://github.com/org/repo.git",
        "Basic configuration lives in /etc/app",
        "mysql -p app",
        "mysql -h db -P 3306 app",
        "ssh -p 2222 deploy@host",
        "sshpass -f /run/pw ssh -p 2222 host",
        "pg_dump --password $PGPASSWORD shop",
        "connect to user@host:5432",
    ]

    @Test(arguments: texts)
    func secretsInTextAreMasked(text: String, secret: String, keep: String) {
        let masked = masker.mask(text)
        #expect(!masked.contains(secret), "\(masked)")
        #expect(masked.contains(keep), "\(masked)")
    }

    @Test(arguments: ordinary)
    func ordinaryTextIsLeftAlone(_ text: String) {
        #expect(masker.mask(text) == text)
    }

    /// (argv, index → must be masked, others must stay as they are)
    static let argvs: [([String], Set<Int>)] = [
        (["docker", "login", "--password", "Zx9qTr4mWv", "registry.example"], [3]),
        (["/usr/bin/mysql", "-uroot", "-pS3cret42", "app"], [2]),
        (["sshpass", "-p", "Sup3rS3cret", "ssh", "-p", "2222", "host"], [2]),
        (["sshpass", "-f", "/run/pw", "ssh", "-p", "2222", "host"], []),
        (["ssh", "-p", "2222", "host"], []),
        (["mysql", "--port", "3306", "-p"], []),
        (["tool", "--password", "$SECRET"], []),
    ]

    @Test(arguments: argvs)
    func passwordsSplitFromTheirOptionAreMasked(argv: [String], secretAt: Set<Int>) throws {
        let masked = try #require(masker.mask(JSONValue.object(["argv": .array(argv.map { .string($0) })]))["argv"]?.arrayValue)
        for (index, element) in argv.enumerated() {
            let out = masked[index].stringValue ?? ""
            if secretAt.contains(index) {
                #expect(out.contains("[REDACTED:password_argument:"), "\(argv) → \(masked)")
                #expect(!out.contains(element.dropFirst(element.hasPrefix("-p") ? 2 : 0)), "\(masked)")
            } else {
                #expect(out == element, "\(argv) → \(masked)")
            }
        }
    }

    @Test func arraysUnderSecretKeysAreMasked() {
        let masked = masker.mask(["password": ["Tr0ub4dor&3", "c0rrect-h0rse-b4ttery"], "tokens": ["none"]])
        let passwords = masked["password"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(passwords.count == 2 && passwords.allSatisfy { $0.hasPrefix("[REDACTED:assignment:") })
        #expect(masked["tokens"] == ["none"])  // below the entropy floor
    }
}
