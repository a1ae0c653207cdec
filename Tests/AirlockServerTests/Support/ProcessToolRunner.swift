import AirlockCore
import Executor
import Foundation
import HostCommandSupport
import Sandbox
import Synchronization

/// A test double for the sandbox engine that really runs the command, with
/// HostCommand (posix_spawn) and no confinement, so that protocol and pipeline
/// tests observe real exit codes, output, wall-clock kills and
/// cancellation. It records each child's pid so tests can check from
/// outside that a cancelled child is gone. Never used outside tests.
final class ProcessToolRunner: ToolRunner, ProfileSource {
    let profiles: [String: ResourceLimits]
    private let state = Mutex<(pids: [Int32], requests: [LaunchRequest])>(([], []))

    static let defaultProfiles = ["test": ResourceLimits(wallSeconds: 30)]

    init(profiles: [String: ResourceLimits] = ProcessToolRunner.defaultProfiles) {
        self.profiles = profiles
    }

    var startedPIDs: [Int32] { state.withLock { $0.pids } }
    var requests: [LaunchRequest] { state.withLock { $0.requests } }

    func limits(ofProfile name: String) throws -> ResourceLimits {
        guard let limits = profiles[name] else { throw AirlockError(.unknownProfile, "no profile '\(name)'") }
        return limits
    }

    /// These profiles are their limits: a change to them is a change to the profile.
    func digest(ofProfile name: String) throws -> String {
        Digest.sha256Hex(String(reflecting: try limits(ofProfile: name)))
    }

    func run(_ request: LaunchRequest, profile: String) async throws -> RunResult {
        let limits = try request.limits ?? limits(ofProfile: profile)
        let workdir = request.workdir.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
        let started = ContinuousClock.now
        // stdin is fed from the request's bytes on a thread of its own, then closed.
        let child = try HostCommand.start(
            "/usr/bin/env", ["--"] + request.argv,
            environment: ["PATH": "/usr/local/bin:/usr/bin:/bin"].merging(request.environment) { $1 },
            workingDirectory: workdir, stdin: .data(request.stdin ?? Data()))
        state.withLock { $0.pids.append(child.pid); $0.requests.append(request) }
        async let out = Self.readAll(child.stdout)
        async let err = Self.readAll(child.stderr)

        let killedFor = Mutex<RunResult.Termination?>(nil)
        // A dispatch timer, not a sleeping task: the limit must fire even
        // when other tests keep the cooperative pool busy.
        let watchdog = DispatchWorkItem {
            killedFor.withLock { $0 = $0 ?? .limitKilled }
            child.kill(SIGKILL)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + limits.wallSeconds, execute: watchdog)
        // A continuation, not an AsyncStream: the wait must outlast the
        // task's cancellation until the killed child has really exited.
        let ended = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<HostCommand.Termination, Never>) in
                Thread.detachNewThread {
                    continuation.resume(returning: child.wait())
                }
            }
        } onCancel: {
            killedFor.withLock { $0 = $0 ?? .cancelled }
            child.kill(SIGKILL)
        }
        watchdog.cancel()
        let wall = ContinuousClock.now - started
        let (stdoutData, stderrData) = await (out, err)

        let reason = killedFor.withLock { $0 }
        let signaled = ended.reason == .uncaughtSignal
        let termination: RunResult.Termination = reason ?? (signaled ? .signaled : .exited)
        var hits: [LimitHit] = []
        if reason == .limitKilled {
            hits.append(LimitHit(kind: .wallClock, limit: UInt64(limits.wallSeconds.rounded(.up)), evidence: "killed after the wall-clock limit"))
        }
        return RunResult(
            termination: termination,
            exitCode: signaled ? nil : ended.status,
            signal: signaled ? ended.status : nil,
            wallSeconds: Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18,
            userCPUSeconds: 0, systemCPUSeconds: 0, peakMemoryBytes: 0,
            stdout: Self.capture(stdoutData, cap: limits.outputBytes),
            stderr: Self.capture(stderrData, cap: limits.outputBytes),
            limitsHit: hits, deniedSyscalls: [], recordedSyscalls: [], killedBySyscall: nil,
            manifest: EnforcementManifest(
                profile: profile, profileDigest: "", namespaces: [], uidInside: getuid(), gidInside: getgid(),
                uidOutside: getuid(), gidOutside: getgid(), rootFilesystem: ["host (unconfined test runner)"],
                network: "host", landlockABI: 0, landlockFilesystemRights: [], landlockNetworkRule: nil,
                seccompFilterDigest: "", seccompDefaultAction: "none", seccompAllowedSyscalls: 0,
                capabilities: "unchanged", noNewPrivs: false, cgroupVersion: "none", cgroupControllers: [],
                limits: ["wall_clock": UInt64(limits.wallSeconds.rounded(.up))], recordedSyscalls: []))
    }

    private static func readAll(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: (try? handle.readToEnd()) ?? Data())
            }
        }
    }

    private static func capture(_ data: Data, cap: UInt64) -> CapturedOutput {
        let kept = data.prefix(Int(min(cap, UInt64(Int.max))))
        return CapturedOutput(text: String(decoding: kept, as: UTF8.self), totalBytes: UInt64(data.count),
                              truncated: kept.count < data.count)
    }
}
