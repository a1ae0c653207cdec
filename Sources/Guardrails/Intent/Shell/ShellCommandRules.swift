/// Per-program knowledge: which invocations delete recursively, write,
/// change privileges, force-push or destroy infrastructure. Each rule
/// switches over `ShellInvocation.program`, never over the name's text.
enum ShellCommandRules {
    /// Positional arguments (options dropped; everything after `--` kept).
    static func operands(_ args: [ShellWord]) -> [ShellWord] {
        var out: [ShellWord] = []
        var afterDashDash = false
        for arg in args {
            if !afterDashDash && arg.text == "--" { afterDashDash = true; continue }
            if !afterDashDash && arg.text.hasPrefix("-") && arg.text.count > 1 { continue }
            out.append(arg)
        }
        return out
    }

    /// Whether `short` is among the short options, or one of `long` is
    /// given, by its whole name or a prefix of it (`--recu`), as getopt_long
    /// and git accept: comparing whole words let `rm --recu -rf` pass.
    static func hasFlag(_ args: [ShellWord], short: Character, long: [String] = []) -> Bool {
        args.contains { a in
            let t = a.text
            if long.contains(where: { ShellOptions.abbreviates(t, $0) }) { return true }
            return t.hasPrefix("-") && !t.hasPrefix("--") && t.dropFirst().contains(short)
        }
    }

    /// Targets of a recursive delete, or nil when the invocation is not one.
    static func recursiveDeleteTargets(_ inv: ShellInvocation) -> [ShellWord]? {
        switch inv.program {
        case .rm?:
            guard hasFlag(inv.args, short: "r", long: ["--recursive"]) || hasFlag(inv.args, short: "R") else { return nil }
            return operands(inv.args)
        case .shred?, .srm?, .wipe?:
            return hasFlag(inv.args, short: "r") || hasFlag(inv.args, short: "R") ? operands(inv.args) : nil
        case .rsync? where inv.args.contains { $0.text.hasPrefix("--delete") || $0.text == "--del" }:   // `--del` is `--delete-during`
            return operands(inv.args).suffix(1)
        default:
            return nil
        }
    }

    /// Files an invocation writes through its arguments (not redirections).
    static func writtenPaths(_ inv: ShellInvocation) -> [ShellWord] {
        var ops: [ShellWord] { operands(inv.args) }
        switch inv.program {
        case .chmod?, .chown?, .chgrp?, .chattr?, .setfacl?:
            return Array(ops.dropFirst())   // the first operand is a mode, owner or ACL
        case .tee?, .touch?, .truncate?, .mkdir?, .ln?, .unlink?, .rm?, .rmdir?, .shred?:
            return ops
        case .cp?, .mv?, .install?, .rsync?, .scp?:
            return ops.count >= 2 ? [ops.last!] : []
        case .dd?:
            return inv.args.filter { $0.text.hasPrefix("of=") }.map { ShellWord(text: String($0.text.dropFirst(3)), isDynamic: $0.isDynamic) }
        case .sed?, .perl?:
            let inPlace = inv.args.contains { $0.text.hasPrefix("-i") || ShellOptions.abbreviates($0.text, "--in-place") || $0.text.hasPrefix("-pi") }
            return inPlace ? Array(ops.dropFirst()) : []
        default:
            return []
        }
    }

    /// Programs that write to block devices or partition tables.
    static func isDiskTool(_ inv: ShellInvocation) -> Bool {
        switch inv.program {
        case .fdisk?, .sfdisk?, .parted?, .wipefs?, .mkswap?, .blkdiscard?, .sgdisk?, .gdisk?: true
        default: inv.name.hasPrefix("mkfs")
        }
    }

    static func changesPrivilege(_ inv: ShellInvocation) -> Bool {
        if inv.viaSudo || ShellCommandResolver.privilegeWrappers.contains(inv.name) { return true }
        var ops: [ShellWord] { operands(inv.args) }
        switch inv.program {
        case .chmod?:
            guard let mode = ops.first?.text else { return false }
            if mode.contains("s") && (mode.contains("+") || mode.contains("=")) { return true }
            return mode.count == 4 && mode.allSatisfy(\.isNumber) && ["2", "4", "6", "7"].contains(mode.first!)
        case .chown?, .chgrp?:
            guard let owner = ops.first?.text else { return false }
            return owner == "root" || owner == "0" || owner.hasPrefix("root:") || owner.hasPrefix("0:") || owner.hasSuffix(":root") || owner == "wheel"
        case .setcap?, .visudo?, .passwd?, .chpasswd?, .newgrp?, .sg?:
            return true
        case .usermod?, .gpasswd?, .adduser?, .addgroup?, .useradd?:
            return inv.args.contains { ["sudo", "wheel", "root", "admin", "docker"].contains($0.text) || $0.text.hasSuffix(",sudo") || $0.text.includes("sudo,") }
        default:
            return false
        }
    }

    /// `git push --force`, `-f`, `--force-with-lease`, `--mirror` or a `+refspec`.
    static func isForcePush(_ inv: ShellInvocation) -> Bool {
        guard inv.program == .git else { return false }
        var k = 0
        let args = inv.args
        while k < args.count, args[k].text.hasPrefix("-") { k += ["-C", "-c", "--git-dir", "--work-tree", "--namespace"].contains(args[k].text) ? 2 : 1 }
        guard k < args.count, args[k].text == "push" else { return false }
        let rest = args[(k + 1)...]
        return rest.contains { a in
            ["--force", "--force-with-lease", "--force-if-includes", "--mirror"].contains { ShellOptions.abbreviates(a.text, $0) }
                || (a.text.hasPrefix("-") && !a.text.hasPrefix("--") && a.text.contains("f"))
                || (a.text.hasPrefix("+") && a.text.count > 1)
        }
    }

    /// Operations that tear down infrastructure or data stores.
    static func destroysInfrastructure(_ inv: ShellInvocation) -> Bool {
        var words: [String] { inv.args.map(\.text) }
        var ops: [String] { operands(inv.args).map(\.text) }
        switch inv.program {
        case .terraform?, .tofu?, .terragrunt?:
            return ops.first == "destroy" || words.contains("-destroy") && ops.first == "apply"
        case .pulumi?:
            return ops.first == "destroy" || ops.first == "down"
        case .kubectl?, .oc?:
            return ["delete", "drain"].contains(ops.first ?? "") || (ops.first == "scale" && words.contains { $0 == "--replicas=0" })
        case .helm?:
            return ["uninstall", "delete", "del", "un"].contains(ops.first ?? "")
        case .aws?:
            return ops.contains { $0.hasPrefix("delete-") || $0.hasPrefix("terminate-") || $0 == "rb" }
                || (ops.contains("rm") && words.contains("--recursive"))
        case .gcloud?, .az?, .doctl?, .linodeCLI?, .hcloud?, .flyctl?, .heroku?:
            return ops.contains { $0 == "delete" || $0 == "destroy" || $0.hasPrefix("delete-") }
        case .docker?, .podman?:
            return (ops.contains("prune") && words.contains { $0 == "-a" || $0 == "--all" || $0 == "--volumes" || $0 == "-f" })
                || (ops.first == "volume" && ["rm", "prune"].contains(ops.dropFirst().first ?? ""))
        case .dropdb?, .dropuser?:
            return true
        case .redisCLI?:
            return words.contains { $0.uppercased() == "FLUSHALL" || $0.uppercased() == "FLUSHDB" }
        default:
            return false
        }
    }
}
