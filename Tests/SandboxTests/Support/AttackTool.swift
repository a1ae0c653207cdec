import AirlockCore
import Foundation
@testable import Sandbox

/// Runs `airlock-attack` (Sources/airlock-attack) inside a confined child.
///
/// SwiftPM builds it next to the test binary; the tests bind that one file
/// read-only into the sandbox and run it by absolute path, so every attack
/// is real machine code making raw syscalls, not a shell approximation.
enum AttackTool {
    /// Where the tool appears inside the sandbox.
    static let insidePath = "/opt/airlock/airlock-attack"

    /// The built tool on the host: beside the running test binary.
    static let hostPath: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("airlock-attack").path
    }()

    static var bind: BindMount { BindMount(source: hostPath, destination: insidePath) }

    /// A request that runs the tool with `arguments`, plus any extra binds.
    static func request(_ arguments: [String], stdin: Data? = nil, extraReadOnly: [BindMount] = [],
                        extraWritable: [BindMount] = []) -> LaunchRequest {
        LaunchRequest(argv: [insidePath] + arguments, stdin: stdin, extraReadOnly: [bind] + extraReadOnly,
                      extraWritable: extraWritable)
    }

    /// Runs the tool confined by `profile` and parses what it printed.
    static func run(_ arguments: [String], profile: SandboxProfile = Fixtures.profile(), stdin: Data? = nil,
                    extraReadOnly: [BindMount] = [], extraWritable: [BindMount] = []) throws -> AttackOutcome {
        let launch = Self.request(arguments, stdin: stdin, extraReadOnly: extraReadOnly, extraWritable: extraWritable)
        return AttackOutcome(result: try Fixtures.engine.runBlocking(launch, profile: profile))
    }

    /// Runs a shell script with the tool bound at `insidePath`.
    static func sh(_ script: String, profile: SandboxProfile = Fixtures.profile(), extraReadOnly: [BindMount] = [],
                   extraWritable: [BindMount] = []) throws -> AttackOutcome {
        let launch = LaunchRequest(argv: ["/bin/sh", "-c", script], extraReadOnly: [bind] + extraReadOnly,
                                   extraWritable: extraWritable)
        return AttackOutcome(result: try Fixtures.engine.runBlocking(launch, profile: profile))
    }
}

/// A run of the tool: the engine's result plus the RESULT lines it printed.
struct AttackOutcome {
    let result: RunResult
    let lines: [AttackLine]

    init(result: RunResult) {
        self.result = result
        lines = result.stdout.text.split(separator: "\n").compactMap(AttackLine.init)
    }

    /// The last line the named attack printed (nil: it never got to print).
    func line(_ name: String) -> AttackLine? { lines.last { $0.name == name } }

    /// The errno the named attack failed with, or "ok"/"missing", for messages
    /// that show exactly what happened.
    func outcome(_ name: String) -> String {
        guard let line = line(name) else { return "missing (stdout: \(result.stdout.text), stderr: \(result.stderr.text))" }
        return line.errno ?? (line.ok ? "ok" : line.raw)
    }

    /// The recorder's entry for a denied syscall with this name.
    func denied(_ syscall: String) -> SyscallRecord? {
        result.deniedSyscalls.first { $0.name == syscall }
    }
}

/// One `RESULT <name> ok key=value...` or `RESULT <name> errno=NAME` line.
struct AttackLine {
    let name: String
    let ok: Bool
    let errno: String?
    let fields: [String: String]
    let raw: String

    init?(_ text: Substring) {
        let words = text.split(separator: " ", maxSplits: 2)
        guard words.count >= 2, words[0] == "RESULT" else { return nil }
        raw = String(text)
        name = String(words[1])
        let rest = words.count > 2 ? String(words[2]) : ""
        ok = rest == "ok" || rest.hasPrefix("ok ")
        var fields: [String: String] = [:]
        // `content=` runs to the end of the line (it may contain spaces).
        var remaining = Substring(rest)
        while let word = remaining.split(separator: " ", maxSplits: 1).first {
            if word.hasPrefix("content=") {
                fields["content"] = String(remaining.dropFirst("content=".count))
                break
            }
            if let eq = word.firstIndex(of: "=") { fields[String(word[..<eq])] = String(word[word.index(after: eq)...]) }
            remaining = remaining.dropFirst(word.count).drop { $0 == " " }
        }
        self.fields = fields
        errno = fields["errno"]
    }
}
