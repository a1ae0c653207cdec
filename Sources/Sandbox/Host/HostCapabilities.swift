import CJail
import Foundation

/// What this host can enforce, probed once. The plan compiler consults it so
/// that a profile asking for something the host can't give fails to start
/// with the reason and the fix, instead of running weaker; `airlock doctor`
/// and `airlock profile explain` print it.
public struct HostCapabilities: Sendable, Hashable, Codable {
    public enum CgroupVersion: String, Sendable, Hashable, Codable { case v1, v2, none }

    public var isRoot: Bool
    public var uid: UInt32
    public var gid: UInt32
    /// `user.max_user_namespaces` > 0 and no AppArmor restriction in the way.
    public var userNamespaces: Bool
    public var maxUserNamespaces: Int?
    /// Ubuntu-style `kernel.apparmor_restrict_unprivileged_userns` (nil: knob absent).
    public var appArmorRestrictsUserNamespaces: Bool?
    /// 0 when Landlock is unavailable.
    public var landlockABI: Int
    public var landlockError: String?
    public var seccompUserNotification: Bool
    public var seccompKillProcess: Bool
    public var cgroupVersion: CgroupVersion
    /// Controllers Airlock can use for per-run cgroups (writable by us).
    public var cgroupControllers: [String]
    public var cgroupRoot: String?
    public var capLastCap: Int
    public var kernelRelease: String

    /// Probes the running kernel. Cheap (a handful of syscalls and reads);
    /// `current` caches it for the process.
    public static func probe() -> HostCapabilities {
        let uid = UInt32(getuid())
        let maxUserNS = readInt("/proc/sys/user/max_user_namespaces")
        let apparmor = readInt("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").map { $0 != 0 }
        let abi = Int(cjail_landlock_abi())
        let actions = cjail_seccomp_probe_actions()
        let (cgroupVersion, controllers, cgroupRoot) = CgroupProbe.probe(isRoot: uid == 0)
        var uts = utsname()
        uname(&uts)
        let release = withUnsafeBytes(of: &uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return HostCapabilities(
            isRoot: uid == 0, uid: uid, gid: UInt32(getgid()),
            userNamespaces: (maxUserNS ?? 1) > 0 && !(apparmor == true && uid != 0),
            maxUserNamespaces: maxUserNS, appArmorRestrictsUserNamespaces: apparmor,
            landlockABI: max(0, abi), landlockError: abi < 0 ? String(cString: strerror(Int32(-abi))) : nil,
            seccompUserNotification: actions & 1 != 0, seccompKillProcess: actions & 2 != 0,
            cgroupVersion: cgroupVersion, cgroupControllers: controllers, cgroupRoot: cgroupRoot,
            capLastCap: readInt("/proc/sys/kernel/cap_last_cap") ?? 40, kernelRelease: release)
    }

    public static let current = probe()

    static func readInt(_ path: String) -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
