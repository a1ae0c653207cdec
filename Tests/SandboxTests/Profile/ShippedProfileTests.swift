import AirlockCore
import Foundation
import Testing
@testable import Sandbox

@Suite("Shipped profiles")
struct ShippedProfileTests {
    let catalog: ProfileCatalog

    init() throws { catalog = try ProfileCatalog.shipped() }

    @Test("the repository's Profiles/ folder is found and holds the required profiles")
    func requiredProfilesShip() throws {
        #expect(catalog.directory.hasSuffix("Profiles"))
        for name in ["strict", "shell", "network"] {
            #expect(catalog.runnableNames.contains(name))
        }
        #expect(!catalog.runnableNames.contains("base"))
    }

    @Test("every shipped profile lints clean: no errors, and no warning but network's deliberate host network",
          arguments: ["base", "strict", "shell", "network"])
    func lintsClean(name: String) throws {
        let report = try catalog.report(name: name)
        #expect(report.errors.isEmpty, "\(report.errors.map(\.description))")
        #expect(report.profile != nil)
        let expectedWarnings = name == "network" ? ["network"] : []
        #expect(report.warnings.map(\.location.field) == expectedWarnings, "\(report.warnings.map(\.description))")
    }

    @Test("the resolved seccomp lists keep the compiler's contract", arguments: ["strict", "shell", "network"])
    func seccompContract(name: String) throws {
        let seccomp = try catalog.resolve(name: name).seccomp
        #expect(Set(seccomp.allow).isDisjoint(with: seccomp.deny))
        #expect(Set(seccomp.deny).isSuperset(of: SyscallRestrictions.alwaysDenied))
        #expect(Set(seccomp.conditions.map(\.syscall)).isSubset(of: seccomp.allow))
        #expect(!seccomp.allow.contains("clone3") && !seccomp.deny.contains("clone3"))
        #expect(seccomp.allow == seccomp.allow.sorted() && seccomp.deny == seccomp.deny.sorted())
    }

    @Test("strict: no network, only the workspace and /tmp writable, no sockets")
    func strictShape() throws {
        let strict = try catalog.resolve(name: "strict")
        #expect(strict.network == .none)
        #expect(strict.filesystem.writable.isEmpty)
        #expect(strict.filesystem.workspace?.path == "/workspace")
        #expect(strict.filesystem.tmpfs.map(\.path) == ["/tmp"])
        #expect(strict.filesystem.readOnly.allSatisfy { !$0.source.hasPrefix("/home") })
        #expect(!strict.seccomp.allow.contains("socket"))
        #expect(!strict.seccomp.conditions.contains { $0.syscall == "socket" })
        #expect(strict.identity.uid != 0 && strict.identity.gid != 0)
    }

    @Test("shell: no network, sockets only for the Unix family")
    func shellShape() throws {
        let shell = try catalog.resolve(name: "shell")
        #expect(shell.network == .none)
        #expect(shell.seccomp.allow.contains("socket"))
        #expect(shell.seccomp.conditions.filter { $0.syscall == "socket" }
            == [SyscallCondition(syscall: "socket", argument: 0, op: .equal, value: 1)])
    }

    @Test("network: host network said explicitly, any socket family, DNS and certificates visible")
    func networkShape() throws {
        let network = try catalog.resolve(name: "network")
        #expect(network.network == .host)
        #expect(network.seccomp.allow.contains("socket"))
        #expect(!network.seccomp.conditions.contains { $0.syscall == "socket" })
        let destinations = network.filesystem.readOnly.map(\.destination)
        #expect(destinations.contains("/etc/resolv.conf") && destinations.contains("/etc/ssl"))
    }

    @Test("base is abstract: resolving it to run is refused")
    func abstractBaseRefused() throws {
        #expect(throws: AirlockError.self) { try catalog.resolve(name: "base") }
    }
}

@Suite("Finding the Profiles folder")
struct ShippedProfilesDirectoryTests {
    @Test("AIRLOCK_PROFILES_DIR wins when it names a folder")
    func override() throws {
        let fixtures = try ProfileFixtures(["only": ProfileFixtures.runnable])
        #expect(try ShippedProfiles.directory(environment: ["AIRLOCK_PROFILES_DIR": fixtures.directory.path]) == fixtures.directory.path)
    }

    @Test("a wrong AIRLOCK_PROFILES_DIR is an error, never a fallback to other profiles")
    func wrongOverride() {
        #expect(throws: AirlockError.self) {
            try ShippedProfiles.directory(environment: ["AIRLOCK_PROFILES_DIR": "/nonexistent/profiles"])
        }
    }

    @Test("without the variable the repository's Profiles/ folder is found")
    func repository() throws {
        let directory = try ShippedProfiles.directory(environment: [:])
        #expect(directory.hasSuffix("/Profiles"))
        #expect(FileManager.default.fileExists(atPath: directory + "/strict.yaml"))
    }
}
