import AirlockCore
import CJail
import CLaunchImage
import Foundation

/// Landlock rights by ABI (Debian's headers stop at ABI 2; these follow the
/// kernel's uapi for ABI 1–7).
enum LandlockRights {
    static let execute: UInt64 = 1 << 0
    static let writeFile: UInt64 = 1 << 1
    static let readFile: UInt64 = 1 << 2
    static let readDir: UInt64 = 1 << 3
    static let removeDir: UInt64 = 1 << 4
    static let removeFile: UInt64 = 1 << 5
    static let makeChar: UInt64 = 1 << 6
    static let makeDir: UInt64 = 1 << 7
    static let makeReg: UInt64 = 1 << 8
    static let makeSock: UInt64 = 1 << 9
    static let makeFifo: UInt64 = 1 << 10
    static let makeBlock: UInt64 = 1 << 11
    static let makeSym: UInt64 = 1 << 12
    static let refer: UInt64 = 1 << 13      // ABI 2
    static let truncate: UInt64 = 1 << 14   // ABI 3
    static let ioctlDev: UInt64 = 1 << 15   // ABI 5

    static let netBindTCP: UInt64 = 1 << 0     // ABI 4
    static let netConnectTCP: UInt64 = 1 << 1  // ABI 4
    static let scopeAbstractUnixSocket: UInt64 = 1 << 0  // ABI 6
    static let scopeSignal: UInt64 = 1 << 1              // ABI 6

    static let names: [(UInt64, String)] = [
        (execute, "execute"), (writeFile, "write_file"), (readFile, "read_file"), (readDir, "read_dir"),
        (removeDir, "remove_dir"), (removeFile, "remove_file"), (makeChar, "make_char"), (makeDir, "make_dir"),
        (makeReg, "make_reg"), (makeSock, "make_sock"), (makeFifo, "make_fifo"), (makeBlock, "make_block"),
        (makeSym, "make_sym"), (refer, "refer"), (truncate, "truncate"), (ioctlDev, "ioctl_dev"),
    ]

    static func handledFilesystem(abi: Int) -> UInt64 {
        var rights: UInt64 = (1 << 13) - 1
        if abi >= 2 { rights |= refer }
        if abi >= 3 { rights |= truncate }
        if abi >= 5 { rights |= ioctlDev }
        return rights
    }

    static func describe(_ rights: UInt64) -> [String] { names.filter { rights & $0.0 != 0 }.map(\.1) }
}

/// Which Landlock ruleset a launch gets: read/execute beneath the new root,
/// full rights only beneath the profile's writable mounts, TCP denied when
/// the profile has no network, and (ABI 6+) abstract unix sockets and
/// signals scoped to the sandbox.
struct LandlockPlan {
    var attributes: cjail_landlock_ruleset_attr
    var rules: [(path: String, access: UInt64)]
    var manifestRights: [String]
    var networkRule: String?

    /// `writable`: each writable mount's target, and whether it is a
    /// folder (a file gets only the rights that apply to files: Landlock
    /// refuses a rule with folder rights on a file).
    init(abi: Int, network: NetworkPolicy, writable: [(path: String, isDirectory: Bool)], hasDev: Bool) {
        let handled = LandlockRights.handledFilesystem(abi: abi)
        var handledNet: UInt64 = 0
        var networkRule: String?
        if abi >= 4 && network == .none {
            handledNet = LandlockRights.netBindTCP | LandlockRights.netConnectTCP
            networkRule = "tcp bind/connect denied"
        }
        let scoped: UInt64 = abi >= 6 ? LandlockRights.scopeAbstractUnixSocket | LandlockRights.scopeSignal : 0
        if scoped != 0 { networkRule = [networkRule, "abstract unix sockets and signals scoped to the sandbox"].compactMap { $0 }.joined(separator: "; ") }
        attributes = cjail_landlock_ruleset_attr(handled_access_fs: handled, handled_access_net: handledNet, scoped: scoped)

        let readOnly = LandlockRights.execute | LandlockRights.readFile | LandlockRights.readDir
        var rules: [(String, UInt64)] = [("/", readOnly)]
        if hasDev {
            rules.append(("/dev", (LandlockRights.readFile | LandlockRights.writeFile | LandlockRights.readDir
                | LandlockRights.truncate | LandlockRights.ioctlDev) & handled))
        }
        let fileRights = (LandlockRights.execute | LandlockRights.writeFile | LandlockRights.readFile
            | LandlockRights.truncate | LandlockRights.ioctlDev) & handled
        for mount in writable { rules.append((mount.path, mount.isDirectory ? handled : fileRights)) }
        self.rules = rules
        self.networkRule = networkRule
        manifestRights = ["/: " + LandlockRights.describe(readOnly).joined(separator: ",")]
            + writable.map {
                $0.isDirectory ? "\($0.path): all \(LandlockRights.describe(handled).count) handled rights"
                    : "\($0.path): " + LandlockRights.describe(fileRights).joined(separator: ",")
            }
            + (hasDev ? ["/dev: read,write,truncate,ioctl_dev"] : [])
    }

    /// A fresh ruleset fd for one launch (the child adds its path rules to
    /// it, so it can't be shared between launches).
    func createRuleset() throws -> Int32 {
        // Sized for the fields it uses (CLaunchImage's rule: the front end
        // makes its rulesets the same way).
        var attr = attributes
        let fd = claunch_landlock_ruleset(&attr)
        guard fd >= 0 else {
            throw AirlockError(.unsupportedProtection,
                               "Landlock refused the ruleset: \(String(cString: strerror(-fd))); check `airlock doctor`")
        }
        return fd
    }

    func cRules(arena: CArena) -> UnsafeMutablePointer<cjail_landlock_path_rule> {
        arena.array(rules.map { cjail_landlock_path_rule(path: UnsafePointer(arena.string($0.path)), allowed_access: $0.access) })
    }
}
