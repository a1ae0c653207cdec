import AirlockCore
import ArgumentParser
import Foundation
import Sandbox

/// `airlock doctor`: what this host can enforce, what it can't, and the fix.
/// Ends with a real confined launch, so "ok" means ok.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Probe this host's sandboxing features and say how to fix what's missing.")

    @Flag(name: .long, help: "Print the probe as JSON.")
    var json = false

    func run() throws {
        let host = HostCapabilities.current
        let checks = HostChecks.evaluate(host)
        let launch = HostChecks.trialLaunch()
        if json {
            print(JSONOutput.pretty(DoctorReport(host: host, checks: checks, trialLaunch: launch)))
        } else {
            print("Airlock doctor — kernel \(host.kernelRelease), running as uid \(host.uid)")
            for check in checks {
                print("  [\(Self.label(check.status))] \(check.name): \(check.detail)")
                if let fix = check.fix { print("         fix: \(fix)") }
            }
            print("  [\(Self.label(launch.status))] trial launch (/bin/true under strict): \(launch.detail)")
            if let fix = launch.fix { print("         fix: \(fix)") }
        }
        if (checks + [launch]).contains(where: { $0.status == .fail }) { throw ExitCode(1) }
    }

    /// The status padded to the longest one's width, so the names line up
    /// in the text output (JSON carries the bare value).
    static func label(_ status: HostCheck.Status) -> String {
        let width = HostCheck.Status.allCases.map(\.rawValue.count).max() ?? 0
        return status.rawValue.padding(toLength: width, withPad: " ", startingAt: 0)
    }
}

struct DoctorReport: Encodable {
    var host: HostCapabilities
    var checks: [HostCheck]
    var trialLaunch: HostCheck
}
