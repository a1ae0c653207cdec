import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// Where the command is looked up, and where it starts: an error that
/// names what is wrong, not a setup failure elsewhere.
@Suite("Command lookup and working directory", .timeLimit(.minutes(1)))
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
