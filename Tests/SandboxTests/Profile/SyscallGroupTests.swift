import Testing
@testable import Sandbox

@Suite("Syscall groups and restrictions")
struct SyscallGroupTests {
    @Test("every name in every group and restriction list is an x86_64 syscall libseccomp knows")
    func namesResolve() {
        let names = SyscallGroups.all.flatMap(\.syscalls) + SyscallRestrictions.alwaysDenied + SyscallRestrictions.enosys
            + SyscallRestrictions.conditionOnly.keys
        for name in names {
            #expect(SyscallNames.isKnown(name), "\(name)")
        }
    }

    @Test("no group contains an always-denied, ENOSYS or condition-only syscall", arguments: SyscallGroups.all)
    func groupsAreSafe(group: SyscallGroup) {
        for name in group.syscalls {
            #expect(!SyscallRestrictions.isForbidden(name), "\(group.name) contains \(name)")
            #expect(SyscallRestrictions.conditionOnly[name] == nil, "\(group.name) contains \(name)")
        }
        #expect(Set(group.syscalls).count == group.syscalls.count, "\(group.name) lists a syscall twice")
        #expect(group.name.hasPrefix("@") && !group.summary.isEmpty)
    }

    @Test("the brief's required groups exist")
    func requiredGroups() {
        for name in ["@default", "@basic-io", "@file-system", "@process", "@network", "@signal", "@memory", "@time", "@ipc"] {
            #expect(SyscallGroups.group(named: name) != nil, "\(name)")
        }
    }

    @Test("the always-denied set covers the kernel attack surfaces the design names")
    func alwaysDeniedCoverage() {
        let required = [
            "io_uring_setup", "io_uring_enter", "io_uring_register", "keyctl", "add_key", "request_key", "bpf",
            "perf_event_open", "userfaultfd", "ptrace", "process_vm_readv", "process_vm_writev", "kexec_load",
            "kexec_file_load", "init_module", "finit_module", "delete_module", "mount", "umount2", "pivot_root",
            "chroot", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
            "unshare", "setns", "reboot", "swapon", "swapoff", "acct", "quotactl", "lookup_dcookie", "iopl",
            "ioperm", "modify_ldt",
        ]
        for name in required { #expect(SyscallRestrictions.alwaysDenied.contains(name), "\(name)") }
        #expect(SyscallRestrictions.enosys == ["clone3"])
    }

    @Test("syscall numbers and names round-trip through libseccomp")
    func numbers() {
        #expect(SyscallNames.number(of: "read") == 0)
        #expect(SyscallNames.number(of: "openat") == 257)
        #expect(SyscallNames.name(of: 59) == "execve")
        #expect(SyscallNames.number(of: "opnat") == nil)
    }
}

@Suite("Profiles and the seccomp compiler agree")
struct ProfileCompilerAgreementTests {
    @Test("everything the compiler refuses outright, the loader refuses to allow")
    func sameForbiddenSet() {
        for name in SyscallTable.alwaysDenied where SyscallNames.isKnown(name) {
            #expect(SyscallRestrictions.isForbidden(name), "the compiler drops \(name) but a profile could allow it")
        }
    }

    @Test("every shipped profile compiles to a filter that allows all it lists", arguments: ["strict", "shell", "network"])
    func compiles(name: String) throws {
        let profile = try ProfileCatalog.shipped().resolve(name: name)
        let filter = try SeccompCompiler.compile(profile.seccomp, record: profile.record)
        #expect(filter.allowedCount == profile.seccomp.allow.count)
        #expect(Set(filter.recorded).isSuperset(of: profile.record.filter { $0 != "openat" }))
    }
}
