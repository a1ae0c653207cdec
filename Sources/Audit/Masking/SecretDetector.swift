import Foundation

/// One kind of sensitive value: a cheap byte-level trigger (so most
/// strings skip the regex entirely), the pattern, which capture group is the
/// secret, and an optional validator that must agree.
///
/// `@unchecked Sendable`: `NSRegularExpression` is immutable after
/// creation and documented as safe to use from several threads.
struct SecretDetector: @unchecked Sendable {
    enum Trigger: Sendable {
        /// Any of these byte strings occurs (case-sensitive).
        case anyOf([String])
        /// Any of these occurs in the lowercased text.
        case anyOfLowercased([String])
        /// At least this many ASCII digits in the text.
        case digits(Int)
        /// Two capital letters then two digits somewhere (an IBAN's start).
        case countryAndCheckDigits
        /// An `@` with a `.` somewhere after it (an email's domain).
        case atSignThenDot
    }

    /// `Trigger` with its needles as bytes, computed once.
    enum Prefilter: Sendable {
        case anyOf([[UInt8]])
        case anyOfLowercased([[UInt8]])
        case digits(Int)
        case countryAndCheckDigits
        case atSignThenDot
    }

    let type: String
    let prefilter: Prefilter
    let regex: NSRegularExpression
    /// Capture group holding the secret (0: the whole match).
    let group: Int
    let validate: (@Sendable (Substring) -> Bool)?

    init(_ type: String, _ trigger: Trigger, _ pattern: String, group: Int = 0,
         options: NSRegularExpression.Options = [], validate: (@Sendable (Substring) -> Bool)? = nil) {
        self.type = type
        switch trigger {
        case .anyOf(let needles): prefilter = .anyOf(needles.map { Array($0.utf8) })
        case .anyOfLowercased(let needles): prefilter = .anyOfLowercased(needles.map { Array($0.utf8) })
        case .digits(let minimum): prefilter = .digits(minimum)
        case .countryAndCheckDigits: prefilter = .countryAndCheckDigits
        case .atSignThenDot: prefilter = .atSignThenDot
        }
        // The patterns are constants of this file; a bad one is a programming error caught by every test.
        self.regex = try! NSRegularExpression(pattern: pattern, options: options)
        self.group = group
        self.validate = validate
    }
}

extension SecretDetector {
    /// In priority order: when two matches overlap, the earlier detector in
    /// this list names it (a JWT after `token=` is a `jwt`, not an `assignment`).
    ///
    /// Every pattern must match in time linear in the text: any agent can
    /// send a megabyte of `passpasspass…`, and it is masked before the call
    /// is even validated. So a repeat that can fail after it (a key name's
    /// suffix before `=`, a URL scheme before `://`, blanks around `=`) is
    /// bounded, and a match may start only where its leading run begins
    /// (a lookbehind), so each start position costs a bounded amount of
    /// work; an unbounded repeat appears only where nothing after it can
    /// fail and force backtracking through it. `ScanWindows` caps what one
    /// regex run sees besides.
    static let all: [SecretDetector] = [
        SecretDetector("private_key", .anyOf(["PRIVATE KEY"]), PrivateKeyPattern.text),
        SecretDetector("aws_key", .anyOf(["AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA"]),
                       #"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z2-7]{16}(?![A-Z0-9])"#),
        SecretDetector("aws_secret", .anyOfLowercased(["aws"]),
                       #"aws.{0,24}?(?:secret|key).{0,24}?[=:]\s{0,8}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"#,
                       group: 1, options: [.caseInsensitive]),
        SecretDetector("gcp_key", .anyOf(["AIza"]), #"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])"#),
        SecretDetector("gcp_token", .anyOf(["ya29."]), #"(?<![A-Za-z0-9])ya29\.[0-9A-Za-z_-]{20,}"#),
        SecretDetector("azure_key", .anyOfLowercased(["accountkey=", "sharedaccesskey="]),
                       #"(?:AccountKey|SharedAccessKey)=([A-Za-z0-9+/]{40,86}={0,2})"#, group: 1, options: [.caseInsensitive]),
        SecretDetector("azure_sas", .anyOf(["sig="]), #"[?&]sig=([A-Za-z0-9%+/]{30,}={0,2})"#, group: 1),
        SecretDetector("azure_client_secret", .anyOf(["Q~"]),
                       #"(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])"#),
        SecretDetector("github_token", .anyOf(["gh", "github_pat_"]),
                       #"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})(?![A-Za-z0-9_])"#),
        SecretDetector("gitlab_token", .anyOf(["gl"]),
                       #"(?<![A-Za-z0-9_-])gl(?:pat|dt|rt|ptt|cbt|oas|ft|imt|soat|agent)-[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])"#),
        SecretDetector("slack_token", .anyOf(["xox", "xapp-"]),
                       #"(?<![A-Za-z0-9])(?:xox[abposre]-[A-Za-z0-9-]{10,}|xapp-[0-9]-[A-Za-z0-9-]{20,})"#),
        SecretDetector("slack_webhook", .anyOf(["hooks.slack.com"]),
                       #"https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_-]{20,}"#),
        SecretDetector("stripe_key", .anyOf(["sk_", "rk_", "whsec_"]),
                       #"(?<![A-Za-z0-9_])(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9+/]{24,})(?![A-Za-z0-9_])"#),
        SecretDetector("jwt", .anyOf(["eyJ"]),
                       #"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}"#),
        SecretDetector("bearer_token", .anyOfLowercased(["bearer"]), #"\bbearer\s{1,8}([A-Za-z0-9._~+/-]{16,}=*)"#,
                       group: 1, options: [.caseInsensitive], validate: SecretValidators.isSecretValue),
        SecretDetector("basic_auth", .anyOfLowercased(["basic"]),
                       #"\bbasic\s{1,8}([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])"#,
                       group: 1, options: [.caseInsensitive], validate: SecretValidators.isBasicCredentials),
        // The user may be empty (`redis://:pw@host`), and the password runs
        // to the last `@` before the host, so an `@` inside it is masked too.
        SecretDetector("url_password", .anyOf(["://"]), #"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,31}://[^/\s:@]*:([^/\s]{3,})@"#,
                       group: 1, validate: { !$0.hasPrefix("$") }),
        // A password split from its option, as shells and argv write it.
        SecretDetector("password_argument", .anyOf(["--pass", "--db-pass"]),
                       #"(?<![A-Za-z0-9_-])--(?:db-)?pass(?:word|wd)?[ \t]{1,8}+["']?([^\s"']{1,512}+)"#,
                       group: 1, validate: SecretValidators.isPasswordArgument),
        SecretDetector("password_argument", .anyOf(["mysql", "mariadb"]),
                       #"(?<![A-Za-z0-9_-])(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlcheck|mariadb|mariadb-dump)(?![A-Za-z0-9_-])[^\n;|&]{0,256}?[ \t]-p([^\s"']{1,512}+)"#,
                       group: 1, validate: SecretValidators.isPasswordArgument),
        SecretDetector("password_argument", .anyOf(["sshpass"]),
                       #"(?<![A-Za-z0-9_-])sshpass(?:[ \t]{1,8}+-[dfePv](?:[ \t]{0,8}+[^\s-][^\s]{0,255}+)?){0,4}+[ \t]{1,8}+-p[ \t]{0,8}+["']?([^\s"']{1,512}+)"#,
                       group: 1, validate: SecretValidators.isPasswordArgument),
        SecretDetector("card_number", .digits(12),
                       #"(?<![0-9A-Za-z.]|[0-9][ -])[0-9](?:[ -]?[0-9]){11,18}(?![0-9A-Za-z]|[ -][0-9]|\.[0-9])"#,
                       validate: SecretValidators.isCardNumber),
        SecretDetector("iban", .countryAndCheckDigits,
                       #"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])"#,
                       validate: SecretValidators.isIBAN),
        SecretDetector("ssn", .digits(9), #"(?<![0-9-])[0-9]{3}-[0-9]{2}-[0-9]{4}(?![0-9-])"#,
                       validate: SecretValidators.isSSN),
        SecretDetector("email", .atSignThenDot,
                       #"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])"#),
        SecretDetector("assignment", .anyOfLowercased(["pass", "pwd", "secret", "token", "key", "credential", "auth"]),
                       #"(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?|auth)[A-Za-z0-9_.-]{0,32}["']?\s{0,8}[:=]\s{0,8}["']?([^\s"'&,;}]+)"#,
                       group: 1, options: [.caseInsensitive], validate: SecretValidators.isSecretValue),
    ]

    /// `all`'s triggers, flattened for checking without reference counting.
    static let triggers = TriggerTable(all)

    /// JSON object keys whose string values are secrets (subject to the
    /// entropy floor), whatever they look like. Byte search, not
    /// `String.contains`: it runs for every key of every event, so the
    /// markers sit in one flat buffer (no array per marker to retain on
    /// every call, from every thread).
    ///
    /// A name that ends by saying where the secret is (`secret_path`,
    /// `token_url`, `private_key_file`) holds a locator, not the secret: its
    /// value goes through the ordinary detectors instead, so the path or
    /// URL stays readable as evidence while a password in it is still masked.
    static func isSecretKey(_ key: String) -> Bool {
        let lowered = key.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        guard !ByteSearch.hasSuffix(lowered, "_id"), !ByteSearch.hasSuffix(lowered, "digest"),
              !locatorSuffixes.contains(where: { ByteSearch.hasSuffix(lowered, $0) }) else { return false }
        return lowered.withUnsafeBytes { key in
            secretKeyMarkers.bytes.withUnsafeBytes { markers in
                secretKeyMarkers.ranges.withUnsafeBufferPointer { ranges in
                    ranges.contains { ByteSearch.contains(key, UnsafeRawBufferPointer(rebasing: markers[$0])) }
                }
            }
        }
    }

    private static let locatorSuffixes = ["path", "file", "filename", "url", "uri", "dir", "directory", "endpoint"]

    private static let secretKeyMarkers: (bytes: [UInt8], ranges: [Range<Int>]) = [
        "password", "passwd", "passphrase", "secret", "token", "apikey", "api_key", "api-key",
        "access_key", "private_key", "credential", "authorization",
    ].reduce(into: ([], [])) { table, marker in
        let start = table.bytes.count
        table.bytes.append(contentsOf: marker.utf8)
        table.ranges.append(start..<table.bytes.count)
    }
}
