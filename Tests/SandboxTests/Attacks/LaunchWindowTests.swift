import AirlockCore
import Foundation
import HostCommandSupport
import Testing
@testable import Sandbox

/// Between clone and execve the sandbox child shares the launcher's memory
/// (CLONE_VM): the daemon's keys and credentials are in that address space.
/// From the moment the child switches to the sandbox's host uid (nobody by
/// default, a uid other host services use too) until its execve, any host
/// process of that uid must not be able to read that memory through it.
/// The attacker here is airlock-attack on the host as that uid, racing a
/// stream of launches and trying process_vm_readv on every process it sees.
@Suite("Host processes of the sandbox's uid", .timeLimit(.minutes(2)))
struct LaunchWindowTests {
    @Test func launchingChildDoesNotExposeTheLaunchersMemory() throws {
        try HostRequirement.require(getuid() == 0, "running as root (otherwise the sandbox maps to our own uid)")
        let secret = "airlock-daemon-secret-\(UUID().uuidString)"
        let bytes = Array(secret.utf8)
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count)
        buffer.initialize(from: bytes, count: bytes.count)
        defer { buffer.deallocate() }

        let seconds = 3.0
        let uid = Fixtures.engine.options.outsideUID
        let attacker = try HostCommand.start(
            "/usr/bin/setpriv",
            ["--reuid=\(uid)", "--regid=\(Fixtures.engine.options.outsideGID)", "--clear-groups", "--",
             AttackTool.hostPath, "steal", "\(UInt(bitPattern: buffer)),\(bytes.count),\(seconds)"],
            stderr: .merged)

        let profile = Fixtures.profile(name: "test-launch-window", record: [])
        let stop = Date().addingTimeInterval(seconds)
        var launches = 0
        while Date() < stop {
            _ = try Fixtures.engine.runBlocking(LaunchRequest(argv: ["/bin/true"]), profile: profile)
            launches += 1
        }
        let report = String(decoding: attacker.readStdout(), as: UTF8.self)
        attacker.wait()
        try #require(report.contains("RESULT steal"), "the attacker did not run: \(report)")
        #expect(!report.contains(secret), "a host process of uid \(uid) read the launcher's memory during one of \(launches) launches: \(report)")
    }
}
