import AirlockCore
import CJail
import CLaunchImage
import Foundation

/// A launch compiled down to the flat C plans the child applies: the root
/// plan (stage 1, possibly already applied by a warm child) and the
/// command's own plan (stage 2), plus what the manifest reports about both.
/// Built per launch (the seccomp program comes from the engine's cache).
struct LaunchPlan {
    let arena = CArena()
    let root: RootPlan
    /// The C plan, at a fixed address in `arena` (the child reads it).
    let cPlan: UnsafePointer<cjail_plan>
    /// The command's files, placed by the child in stage 2.
    var commandFiles: [MountEntry]
    /// The command's files when the root takes them from the parent
    /// instead (`RootPlan.placesFiles`): written before the go.
    var placedFiles: [InjectedFile] = []
    var limits: ResourceLimits
    var environment: [String: String]
    var rlimitsInForce: [String: UInt64]
    var usesRlimitForMemory: Bool
    /// The command's working directory inside the sandbox.
    let workdir: String

    /// Default PATH inside when neither profile nor request sets one.
    static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

    init(root: RootPlan, profile: SandboxProfile, request: LaunchRequest, filter: CompiledFilter, host: HostCapabilities,
         cgroup: RunCgroup?) throws {
        guard let command = request.argv.first, !command.isEmpty else {
            throw AirlockError(.invalidArguments, "no command given")
        }
        self.root = root
        let arena = arena
        var plan = cjail_plan()
        limits = request.limits ?? profile.limits
        if root.placesFiles {
            guard let files = MountPlanner.placeableFiles(request.files) else {
                throw AirlockError(.setupFailed, "the command's files cannot be placed into a sealed sandbox")
            }
            placedFiles = files
            commandFiles = []
        } else {
            commandFiles = try MountPlanner.commandFiles(request.files, root: root.mounts)
        }
        environment = profile.environment.set.merging(request.environment) { _, new in new }

        plan.late_mounts = UnsafePointer(MountPlanner.cMounts(commandFiles, arena: arena))
        plan.late_mount_count = Int32(commandFiles.count)

        // rlimits are always in force; memory falls back to RLIMIT_AS only
        // when no memory cgroup holds it. (A sealed child applied the same
        // plan ahead of time: its key holds these limits.)
        let rlimits = RlimitPlan(limits: limits, cgroup: cgroup)
        usesRlimitForMemory = rlimits.usesRlimitForMemory
        rlimitsInForce = rlimits.inForce
        SealPlan.fill(&plan, filter: filter, rlimits: rlimits, arena: arena)

        workdir = request.workdir ?? profile.filesystem.workspace?.path ?? "/"
        plan.workdir = UnsafePointer(arena.string(workdir))
        let path = environment["PATH"] ?? Self.defaultPath
        let candidates = Self.execCandidates(command, path: path)
        guard !candidates.isEmpty else {
            throw AirlockError(.commandNotFound,
                               "command not found in the sandbox: \(command) (PATH \"\(path)\" has no absolute folder to search)")
        }
        plan.exec_candidates = UnsafePointer(arena.array(candidates.map { UnsafePointer(arena.string($0)) as UnsafePointer<CChar>? }))
        plan.exec_candidate_count = Int32(candidates.count)
        plan.argv = UnsafePointer(arena.stringArray(request.argv))
        plan.envp = UnsafePointer(arena.stringArray(environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }))
        cPlan = UnsafePointer(arena.array([plan]))
    }

    /// The whole new root as the manifest shows it: stage 1's mounts, then
    /// the command's files.
    var mountDescription: [String] {
        root.mounts.description + MountPlanner.describe(commandFiles + MountPlanner.fileEntries(placedFiles))
    }

    /// Where execve looks, like execvp: the command itself if it has a
    /// slash, otherwise each absolute PATH entry (CLaunchImage's rule, so
    /// the front end looks in the same places).
    static func execCandidates(_ command: String, path: String) -> [String] {
        // One candidate per PATH entry at most, each an entry, a slash, the
        // command and a NUL.
        let entries = path.utf8.filter { $0 == UInt8(ascii: ":") }.count + 1
        var storage = [CChar](repeating: 0, count: path.utf8.count + entries * (command.utf8.count + 2) + 1)
        var pointers = [UnsafePointer<CChar>?](repeating: nil, count: entries)
        return storage.withUnsafeMutableBufferPointer { buffer in
            let count = claunch_exec_candidates(command, path, buffer.baseAddress, buffer.count, &pointers, Int32(pointers.count))
            return pointers.prefix(Int(max(0, count))).map { String(cString: $0!) }
        }
    }
}

/// SECCOMP_FILTER_FLAG_NEW_LISTENER, which Glibc's module does not export.
let SECCOMP_FILTER_FLAG_NEW_LISTENER: Int32 = 1 << 3
