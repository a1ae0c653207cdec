import AirlockCore
import Approvals
import ArgumentParser
import Foundation

/// Hidden: the victim of the approvals crash test. It opens the queue at
/// `--db`, leaves one record in each of PENDING, APPROVED and RUNNING,
/// prints their ids on one line, then sleeps until the test SIGKILLs it, so
/// the test can check what a `kill -9` of the daemon leaves behind.
struct ApprovalsCrashHelper: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approvals-crash-helper",
        abstract: "Test helper: leave approval records mid-flight, then wait to be killed.",
        shouldDisplay: false)

    @OptionGroup var options: ApprovalHelperOptions

    @Option(help: "The one approver, as UID:PERSON:GROUP.")
    var approver: String

    func run() async throws {
        let parts = approver.split(separator: ":").map(String.init)
        guard parts.count == 3, let uid = UInt32(parts[0]) else {
            throw ValidationError("--approver must be UID:PERSON:GROUP")
        }
        let config = try ApprovalConfig(approvers: [Approver(uid: uid, person: parts[1], groups: [parts[2]])])
        let store = try ApprovalStore(path: options.db, config: config) { _ in }
        let agent = Actor(name: "crash-agent", uid: 65000, gid: 65000, pid: getpid())
        let decision = Decision(effect: .review, ruleIDs: ["crash"], reasons: ["crash test"], policyRevision: "crash",
                                review: ReviewRequirement(group: parts[2], ruleID: "crash", message: "crash test"))
        func queue(_ label: String) async throws -> String {
            let call = ToolCall(tool: "deploy", arguments: ["step": .string(label)], actor: agent)
            return try await store.createPending(call: call, decision: decision, maskedArguments: call.arguments).id
        }
        let pending = try await queue("pending")
        let approved = try await queue("approved")
        _ = try await store.approve(id: approved, approverUID: uid)
        let running = try await queue("running")
        _ = try await store.approve(id: running, approverUID: uid)
        _ = try await store.claimForRun(id: running)
        // Unbuffered: the test reads this line while the process is alive.
        FileHandle.standardOutput.write(Data("READY \(pending) \(approved) \(running)\n".utf8))
        while true { try await Task.sleep(for: .seconds(3600)) }
    }
}
