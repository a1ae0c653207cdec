import Foundation
import HostCommandSupport

/// The host's view of processes, read from the host's /proc: how the tests
/// check from outside that a sandbox's processes are gone, or what host
/// identity they ran under.
enum HostProcesses {
    struct Entry: Sendable {
        let pid: Int32
        let commandLine: [String]
        /// Real, effective, saved and filesystem uid (the `Uid:` line).
        let uids: [UInt32]
        let gids: [UInt32]
        /// Process state letter from `State:` (R, S, Z...).
        let state: String
    }

    /// Every live host process whose command line contains `token` as one
    /// argument or part of one. Zombies count: a zombie is not yet reaped.
    static func matching(_ token: String) -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { Int32($0) }.compactMap { pid -> Entry? in
            guard let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let arguments = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard arguments.contains(where: { $0.contains(token) }) else { return nil }
            return entry(pid, arguments: arguments)
        }
    }

    /// Parsed from the top of /proc/PID/status only: State, Uid and Gid
    /// come in its first dozen lines. The whole file split three times
    /// over, unoptimised in a debug build, cost seconds of CPU in the tests
    /// that scan a fork bomb's processes, CPU the rest of the suite wanted.
    static func entry(_ pid: Int32, arguments: [String] = []) -> Entry? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func fields(_ line: Substring) -> [Substring] { line.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().map { $0 } }
        var uids: [UInt32]?, gids: [UInt32]?, state: String?
        for line in status.split(separator: "\n", maxSplits: 16) {  // they lead the file
            if line.hasPrefix("State:") {
                state = fields(line).first.map(String.init)
            } else if line.hasPrefix("Uid:") {
                uids = fields(line).compactMap { UInt32($0) }
            } else if line.hasPrefix("Gid:") {
                gids = fields(line).compactMap { UInt32($0) }
            }
            if uids != nil && gids != nil && state != nil { break }
        }
        return Entry(pid: pid, commandLine: arguments, uids: uids ?? [], gids: gids ?? [], state: state ?? "?")
    }

    /// True while `pid` exists and is not a zombie.
    static func isAlive(_ pid: Int32) -> Bool {
        guard let entry = entry(pid) else { return false }
        return entry.state != "Z"
    }

    /// Polls until some process with `token` appears (nil after `seconds`).
    static func waitFor(_ token: String, seconds: Double = 15) -> [Entry]? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let found = matching(token)
            if !found.isEmpty { return found }
            usleep(20_000)
        }
        return nil
    }

    /// Processes with `token` that remain after a short grace period (the
    /// kernel tears a pid namespace down asynchronously after its init dies).
    static func survivors(_ token: String, graceSeconds: Double = 3) -> [Entry] {
        let deadline = Date().addingTimeInterval(graceSeconds)
        var found = matching(token)
        while !found.isEmpty && Date() < deadline {
            usleep(20_000)
            found = matching(token)
        }
        return found
    }
}

/// A host process the attacks aim at: `sleep` running as the same host uid
/// the sandbox maps to (nobody), so that only namespaces, Landlock and
/// seccomp, not ordinary uid checks, stand between the sandbox and it.
final class HostVictim {
    let process: HostChild
    var pid: Int32 { process.pid }

    /// Throws unless, within 5 s, the process runs `sleep` under `uid`: a
    /// victim still running as root (setpriv not yet exec'd, or failed)
    /// would be protected by uid checks and make the attacks meaningless.
    init(uid: UInt32 = HostVictim.sandboxUID, seconds: String = Token.sleepSeconds(whole: 60)) throws {
        process = try HostCommand.start(
            "/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "--", "/bin/sleep", seconds],
            stdout: .null, stderr: .null)
        // setpriv execs sleep in place; wait until it has, so the uid is final.
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if let entry = HostProcesses.entry(pid), entry.uids.allSatisfy({ $0 == uid }), entry.uids.count == 4,
               let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"), exe.hasSuffix("sleep") {
                return
            }
            if !process.isRunning { break }
            usleep(10_000)
        }
        let seen = HostProcesses.entry(pid).map { "uids \($0.uids), state \($0.state)" } ?? "gone"
        stop()
        throw VictimError(message: "the victim \(pid) never became sleep under uid \(uid) (\(seen))")
    }

    /// The host uid the sandbox runs as: nobody under root, else our own.
    static var sandboxUID: UInt32 { getuid() == 0 ? Fixtures.engine.options.outsideUID : getuid() }

    var isAlive: Bool { process.isRunning && HostProcesses.isAlive(pid) }

    /// True when no fatal signal has reached the victim, decided without
    /// guessing how long a signal takes to land: the test stops it and
    /// waits for the kernel to report the stop. A process that a SIGKILL
    /// reached earlier can no longer stop (the kernel drops SIGSTOP once a
    /// group exit has begun), so the wait reports its death instead. The
    /// victim is continued afterwards.
    func neverSignalledToDeath() -> Bool {
        guard process.kill(SIGSTOP) else { return false }
        var info = siginfo_t()
        // WNOWAIT: look without reaping; HostChild does the reaping.
        while waitid(P_PID, id_t(pid), &info, WEXITED | WSTOPPED | WNOWAIT) == -1 && errno == EINTR {}
        let stopped = info.si_code == Int32(CLD_STOPPED)
        process.kill(SIGCONT)
        return stopped
    }

    func stop() {
        process.kill(SIGKILL)
        process.wait()
    }
}

struct VictimError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
