/// The programs `ShellCommandRules` knows something about, each spelled once.
///
/// The rules switch over these cases rather than comparing the program name
/// with string literals: an invocation costs one dictionary lookup
/// (`ShellInvocation.program`, made when its name is set) instead of dozens
/// of string comparisons per rule. Because a name's spelling lives only
/// here, and the rules can only name cases that exist, the list cannot drift
/// from the rules that use it.
enum ShellProgram: String, CaseIterable, Sendable {
    // Recursive deletes.
    case rm, shred, srm, wipe, rsync
    // Writers of the files named in their arguments.
    case tee, touch, truncate, mkdir, chmod, chown, chgrp, chattr, setfacl, ln, unlink, rmdir
    case cp, mv, install, scp, dd, sed, perl
    // Block-device and partition-table tools (besides `mkfs*`, matched by prefix).
    case fdisk, sfdisk, parted, wipefs, mkswap, blkdiscard, sgdisk, gdisk
    // Privilege changes.
    case setcap, visudo, passwd, chpasswd, newgrp, sg, usermod, gpasswd, adduser, addgroup, useradd
    case git
    // Infrastructure and data stores.
    case terraform, tofu, terragrunt, pulumi, kubectl, oc, helm, aws
    case gcloud, az, doctl, linodeCLI = "linode-cli", hcloud, flyctl, heroku
    case docker, podman, dropdb, dropuser, redisCLI = "redis-cli"

    /// The program called `name`, if the rules know it.
    static func named(_ name: String) -> ShellProgram? { byName[name] }

    private static let byName = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })
}
