import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// Preflight against hosts this machine is not: each missing protection is
/// a refusal that names it, whether the profile or the launch asks for it.
@Suite("Preflight on weaker hosts")
struct PreflightTests {
    private func host(landlockABI: Int) -> HostCapabilities {
        var host = HostCapabilities.current
        host.landlockABI = landlockABI
        host.userNamespaces = true
        host.seccompUserNotification = true
        return host
    }

    /// Without ABI 2 a file can be moved out of a writable mount into a
    /// read-only one (no reparenting control): a writable bind needs it,
    /// from the profile or from the request (a tool's binds).
    @Test func aRequestsWritableBindNeedsLandlockABI2() throws {
        let request = LaunchRequest(argv: ["/bin/true"], extraWritable: [BindMount(source: "/tmp", destination: "/out")])
        let refusal = #expect(throws: AirlockError.self) {
            try Preflight.check(profile: Fixtures.profile(), request: request, host: host(landlockABI: 1))
        }
        #expect(refusal?.code == .unsupportedProtection)
        #expect(refusal?.message.contains("Landlock ABI ≥ 2") == true, "\(refusal?.message ?? "")")
        try Preflight.check(profile: Fixtures.profile(), request: request, host: host(landlockABI: 2))
        try Preflight.check(profile: Fixtures.profile(), request: LaunchRequest(argv: ["/bin/true"]), host: host(landlockABI: 1))
    }

    @Test func noLandlockAtAllIsRefused() throws {
        let refusal = #expect(throws: AirlockError.self) {
            try Preflight.check(profile: Fixtures.profile(), request: LaunchRequest(argv: ["/bin/true"]), host: host(landlockABI: 0))
        }
        #expect(refusal?.message.contains("needs Landlock") == true)
    }
}
