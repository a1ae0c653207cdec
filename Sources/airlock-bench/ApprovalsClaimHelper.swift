import AirlockCore
import Approvals
import ArgumentParser
import Foundation

/// Hidden: one contender in the cross-process claim race test. It opens the
/// queue at `--db`, tries once to claim `--id` for running, and prints WON
/// with the stored arguments, or LOST with the error code.
struct ApprovalsClaimHelper: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approvals-claim-helper",
        abstract: "Test helper: try once to claim an approved action.",
        shouldDisplay: false)

    @OptionGroup var options: ApprovalHelperOptions

    @Option(help: "The approval id to claim.")
    var id: String

    func run() async throws {
        let store = try ApprovalStore(path: options.db, config: try ApprovalConfig(approvers: [])) { _ in }
        let line: String
        do {
            let action = try await store.claimForRun(id: id)
            line = "WON " + CanonicalJSON.encode(.object(action.call.arguments))
        } catch let error as AirlockError {
            line = "LOST " + error.code.rawValue
        }
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
