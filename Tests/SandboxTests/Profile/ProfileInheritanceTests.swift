import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// `extends:` chains and the merge rules: scalars override, maps merge,
/// lists append, removal is explicit, seccomp narrows freely and loosens
/// only explicitly.
@Suite("Profile inheritance")
struct ProfileInheritanceTests {
    static let parent = """
        description: parent
        network: loopback
        identity: { uid: 2000, gid: 2000 }
        environment: { A: "1", B: "2" }
        limits: { memory: 1G, processes: 10 }
        filesystem:
          read_only: [/usr, /etc/ssl]
          tmpfs: { /tmp: 8M, /var/tmp: 8M }
          symlinks: { /bin: usr/bin }
        seccomp:
          allow: ["@default", "@basic-io", "@file-system", "@network"]
          deny: [chmod]
          conditions:
            - { syscall: socket, arg: 0, op: "==", value: AF_UNIX }
        record: [execve, openat]
        """

    @Test("a three-level chain resolves root first; scalars override, maps merge, lists append")
    func chain() throws {
        let fixtures = try ProfileFixtures([
            "root": Self.parent,
            "middle": """
                extends: root
                limits: { memory: 256M }
                environment: { B: "middle", C: "3" }
                filesystem:
                  read_only: [/opt]
                  tmpfs: { /tmp: 16M }
                """,
            "leaf": """
                extends: middle
                network: none
                filesystem:
                  writable: [/srv/data]
                record: [unlinkat]
                """,
        ])
        let report = try fixtures.report("leaf")
        #expect(report.chain == ["leaf", "middle", "root"])
        let leaf = try #require(report.profile, "\(report.diagnostics)")
        #expect(leaf.name == "leaf")
        #expect(leaf.description == "parent")
        #expect(leaf.network == .none)
        #expect(leaf.identity.uid == 2000)
        #expect(leaf.limits.memoryBytes == 256 << 20 && leaf.limits.processes == 10)
        #expect(leaf.limits.wallSeconds == ResourceLimits().wallSeconds)
        #expect(leaf.environment.set == ["A": "1", "B": "middle", "C": "3"])
        #expect(leaf.filesystem.readOnly.map(\.destination) == ["/usr", "/etc/ssl", "/opt"])
        #expect(leaf.filesystem.writable.map(\.destination) == ["/srv/data"])
        #expect(leaf.filesystem.tmpfs == [TmpfsMount(path: "/tmp", sizeBytes: 16 << 20), TmpfsMount(path: "/var/tmp", sizeBytes: 8 << 20)])
        #expect(leaf.record == ["execve", "openat", "unlinkat"])
    }

    @Test("a cycle is an error at the extends line that closes it")
    func cycle() throws {
        let fixtures = try ProfileFixtures([
            "a": "extends: b\n", "b": "network: none\nextends: c\n", "c": "extends: a\n",
        ])
        #expect(try fixtures.errors("a") == ["\(fixtures.path("c")):1: extends: extends forms a cycle: a → b → c → a"])
        let selfCycle = try ProfileFixtures(["me": "extends: me\n"])
        #expect(try selfCycle.errors("me") == ["\(selfCycle.path("me")):1: extends: extends forms a cycle: me → me"])
    }

    @Test("an unknown parent is an error listing what exists")
    func unknownParent() throws {
        let fixtures = try ProfileFixtures(["child": "description: x\nextends: shel\n", "shell": ProfileFixtures.runnable])
        #expect(try fixtures.errors("child") == ["\(fixtures.path("child")):2: extends: no profile named shel (did you mean \"shell\"?); available: child, shell"])
    }

    @Test("errors in a parent are reported with the parent's file")
    func parentErrors() throws {
        let fixtures = try ProfileFixtures(["root": "limits: { memory: lots }\n", "leaf": "extends: root\n"])
        #expect(try fixtures.errors("leaf") == ["\(fixtures.path("root")):1: limits.memory: \"lots\" is not a size (use e.g. 512M, 1G)"])
    }

    @Test("remove: takes inherited entries away")
    func removal() throws {
        let fixtures = try ProfileFixtures(["root": Self.parent, "leaf": """
            extends: root
            remove:
              environment: [A]
              record: [openat]
              filesystem: { read_only: [/etc/ssl], tmpfs: [/var/tmp], symlinks: [/bin] }
              seccomp: { allow: ["@network"], deny: [chmod], conditions: [socket] }
            """])
        let leaf = try #require(try fixtures.report("leaf").profile)
        #expect(leaf.environment.set == ["B": "2"])
        #expect(leaf.record == ["execve"])
        #expect(leaf.filesystem.readOnly.map(\.destination) == ["/usr"])
        #expect(leaf.filesystem.tmpfs.map(\.path) == ["/tmp"])
        #expect(leaf.filesystem.symlinks.isEmpty)
        #expect(!leaf.seccomp.allow.contains("connect"))
        #expect(!leaf.seccomp.deny.contains("chmod"))
        #expect(!leaf.seccomp.conditions.contains { $0.syscall == "socket" })
    }

    @Test("removing something that is not inherited is an error (a typo must not leave a rule in place)")
    func removalOfMissing() throws {
        let fixtures = try ProfileFixtures(["root": Self.parent, "leaf": """
            extends: root
            remove:
              environment: [Z]
              filesystem: { read_only: [/etc/sssl] }
              seccomp: { deny: [ptrace], conditions: [connect] }
            """])
        let errors = try fixtures.errors("leaf")
        #expect(errors.count == 4, "\(errors)")
        #expect(errors.contains { $0.contains(":3: remove.environment[0]: Z is not an inherited environment variable") })
        #expect(errors.contains { $0.contains(":4: remove.filesystem.read_only[0]: /etc/sssl is not an inherited read-only bind, so there is nothing to remove (did you mean \"/etc/ssl\"?)") })
        #expect(errors.contains { $0.contains(":5: remove.seccomp.deny[0]: ptrace is always denied; no profile can remove that") })
        #expect(errors.contains { $0.contains(":5: remove.seccomp.conditions[0]: connect has no inherited conditions") })
    }

    @Test("a child narrows freely: deny and conditions override inherited allows")
    func narrowing() throws {
        let fixtures = try ProfileFixtures(["root": Self.parent, "leaf": """
            extends: root
            seccomp:
              deny: [connect]
              conditions:
                - { syscall: bind, arg: 0, op: "==", value: 3 }
            """])
        let leaf = try #require(try fixtures.report("leaf").profile)
        #expect(leaf.seccomp.deny.contains("connect") && !leaf.seccomp.allow.contains("connect"))
        #expect(leaf.seccomp.conditions.filter { $0.syscall == "bind" }.count == 1)
        #expect(leaf.seccomp.conditions.contains(SyscallCondition(syscall: "bind", argument: 0, op: .equal, value: 3)))
    }

    @Test("a child loosens only explicitly: allowing what the parent denies or conditions is an error")
    func loosening() throws {
        let fixtures = try ProfileFixtures(["root": Self.parent, "leaf": "extends: root\nseccomp:\n  allow: [chmod, socket]\n"])
        let errors = try fixtures.errors("leaf")
        #expect(errors.count == 2)
        #expect(errors.contains { $0.contains(":3: seccomp.allow[0]: chmod is denied at \(fixtures.path("root")):12; to allow it, first remove it with remove.seccomp.deny") })
        #expect(errors.contains { $0.contains(":3: seccomp.allow[1]: socket is allowed only under conditions") })

        let explicit = try ProfileFixtures(["root": Self.parent, "leaf": """
            extends: root
            remove: { seccomp: { deny: [chmod], conditions: [socket] } }
            seccomp: { allow: [chmod, socket] }
            """])
        let leaf = try #require(try explicit.report("leaf").profile)
        #expect(leaf.seccomp.allow.contains("chmod") && leaf.seccomp.allow.contains("socket"))
    }

    @Test("a group never loosens a rule written by name")
    func groupsKeepRules() throws {
        let fixtures = try ProfileFixtures(["root": Self.parent, "leaf": "extends: root\nseccomp:\n  allow: [\"@network\", \"@file-system\"]\n"])
        let leaf = try #require(try fixtures.report("leaf").profile)
        #expect(leaf.seccomp.conditions.filter { $0.syscall == "socket" }.count == 1)
        #expect(!leaf.seccomp.allow.contains("chmod") && leaf.seccomp.deny.contains("chmod"))
    }

    @Test("binding an inherited path the other way needs an explicit remove")
    func bindDirection() throws {
        let fixtures = try ProfileFixtures(["root": Self.parent, "leaf": "extends: root\nfilesystem:\n  writable: [/etc/ssl]\n"])
        #expect(try fixtures.errors("leaf").first?.contains("/etc/ssl is bound read-only at \(fixtures.path("root")):7; remove that first with remove.filesystem.read_only") == true)
        let replace = try ProfileFixtures(["root": Self.parent, "leaf": """
            extends: root
            filesystem:
              read_only: [{ source: /etc/ssl, optional: true }]
            """])
        let leaf = try #require(try replace.report("leaf").profile)
        #expect(leaf.filesystem.readOnly.filter { $0.destination == "/etc/ssl" } == [BindMount(source: "/etc/ssl", optional: true)])
    }

    @Test("abstract is not inherited; remove: without a parent is an error")
    func abstractAndOrphanRemove() throws {
        let fixtures = try ProfileFixtures([
            "root": ProfileFixtures.runnable + "\nabstract: true\n", "leaf": "extends: root\n",
            "orphan": ProfileFixtures.runnable + "\nremove: { environment: [A] }\n",
        ])
        #expect(try fixtures.report("root").isAbstract)
        #expect(try !fixtures.report("leaf").isAbstract)
        _ = try fixtures.catalog().resolve(name: "leaf")
        #expect(try fixtures.errors("orphan").first?.contains("this profile extends none") == true)
    }

    @Test("clone is always narrowed to no namespace flags")
    func cloneMask() throws {
        let fixtures = try ProfileFixtures(["p": "seccomp:\n  allow: [\"@default\", \"@process\"]\n"])
        let profile = try #require(try fixtures.report("p").profile)
        #expect(profile.seccomp.allow.contains("clone"))
        #expect(profile.seccomp.conditions == [SyscallCondition(syscall: "clone", argument: 0, op: .maskedZero, value: 0x7E02_0080)])
    }

    @Test("a profile file outside the catalog extends a sibling first, then the catalog")
    func fileProfiles() throws {
        let catalog = try ProfileFixtures(["shared": Self.parent])
        let elsewhere = try ProfileFixtures(["mine": "extends: shared\nnetwork: none\n"])
        let mine = try catalog.catalog().load(file: elsewhere.path("mine"))
        #expect(mine.name == "mine" && mine.network == .none && mine.identity.uid == 2000)
        #expect(throws: AirlockError.self) { try catalog.catalog().load(file: elsewhere.path("missing")) }
    }

    /// A parent picked up beside the profile must be the caller's (or
    /// root's) and writable by no one else: in /tmp anyone could plant the
    /// `strict.yaml` a profile extends and loosen it.
    @Test("a sibling parent someone else could have written is refused")
    func untrustedSiblings() throws {
        let catalog = try ProfileFixtures(["shared": Self.parent])
        let elsewhere = try ProfileFixtures(["mine": "extends: shared\nnetwork: none\n", "shared": Self.parent])
        let planted = elsewhere.path("shared")
        #expect(try catalog.catalog().load(file: elsewhere.path("mine")).network == .none)  // the sibling (ours) is taken
        chmod(planted, 0o666)
        #expect { try catalog.catalog().load(file: elsewhere.path("mine")) } throws: {
            ($0 as? AirlockError)?.message.contains("writable by others") == true
        }
        chmod(planted, 0o644)
        if geteuid() == 0 {
            _ = chown(planted, 65534, 65534)
            #expect { try catalog.catalog().load(file: elsewhere.path("mine")) } throws: {
                ($0 as? AirlockError)?.message.contains("belongs to uid 65534") == true
            }
        }
    }
}
