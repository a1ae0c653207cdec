import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// Where the command is looked up, and where it starts: an error that
/// names what is wrong, not a setup failure elsewhere.
@Suite("Command lookup and working directory", .timeLimit(.minutes(3)))
struct CommandLookupTests {
    /// A PATH with no absolute folder leaves nothing to try: the launch is
    /// refused as "not found" before the child gets its command.
    @Test(arguments: ["relative", "", "a:b/c"])
    func aPathWithNoAbsoluteFolderIsNotFound(path: String) throws {
        let request = LaunchRequest(argv: ["sh", "-c", "true"], environment: ["PATH": path])
        let refusal = #expect(throws: AirlockError.self) { try Fixtures.engine.runBlocking(request, profile: Fixtures.profile()) }
        #expect(refusal?.code == .commandNotFound)
        #expect(refusal?.message == "command not found in the sandbox: sh (PATH \"\(path)\" has no absolute folder to search)")
    }

    @Test func aMissingWorkingDirectoryIsNamed() throws {
        let request = LaunchRequest(argv: ["/bin/true"], workdir: "/no/such/dir")
        let refusal = #expect(throws: AirlockError.self) { try Fixtures.engine.runBlocking(request, profile: Fixtures.profile()) }
        #expect(refusal?.code == .invalidArguments)
        #expect(refusal?.message.hasPrefix("cannot enter the working directory /no/such/dir inside the sandbox: ") == true,
                "\(refusal?.message ?? "")")
    }
}

/// A request's bind that could never be mounted where it asks (beneath a
/// symlink of the root, inside the /proc or /dev Airlock builds) is bad
/// input, refused before a child is made.
@Suite("Bind destinations the root can't hold")
struct BindDestinationTests {
    @Test(arguments: [
        ("/lib/x", "/lib/x lies beneath the symlink /lib"),
        ("/proc/x", "/proc/x lies inside /proc, which is built by Airlock itself"),
        ("/dev/x", "/dev/x lies inside /dev, which is built by Airlock itself"),
        ("/dev", "/dev is built by Airlock itself"),
    ])
    func aDestinationTheRootCantHoldIsRefused(destination: String, message: String) throws {
        let folder = try HostTemp("bind-destination")
        defer { folder.remove() }
        let profile = Fixtures.profile()
        try #require(profile.filesystem.symlinks.contains { $0.path == "/lib" }, "the fixture's root links /lib")
        let request = LaunchRequest(argv: ["/bin/true"], extraReadOnly: [BindMount(source: folder.path, destination: destination)])
        let refusal = #expect(throws: AirlockError.self) { try Fixtures.engine.runBlocking(request, profile: profile) }
        #expect(refusal?.code == .invalidArguments)
        #expect(refusal?.message.hasPrefix(message) == true, "\(refusal?.message ?? "")")
    }

    /// The command's own files too: a credential at /lib/token would be
    /// written through the link (and fail only once the child is made).
    @Test func aCommandFileBeneathALinkIsRefused() throws {
        let request = LaunchRequest(argv: ["/bin/true"], files: [InjectedFile(path: "/lib/token", contents: Data("x".utf8))])
        let refusal = #expect(throws: AirlockError.self) { try Fixtures.engine.runBlocking(request, profile: Fixtures.profile()) }
        #expect(refusal?.code == .invalidArguments)
        #expect(refusal?.message.hasPrefix("/lib/token lies beneath the symlink /lib") == true, "\(refusal?.message ?? "")")
    }
}
