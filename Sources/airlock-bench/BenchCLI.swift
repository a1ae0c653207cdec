import ArgumentParser

/// `airlock-bench`: the benchmarks. Each subcommand measures one piece next
/// to a baseline taken in the same run and prints ratios, because these
/// machines are shared and noisy; absolute numbers alone mean little.
@main
struct BenchCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "airlock-bench",
        abstract: "Measure Airlock against baselines taken in the same run.",
        subcommands: [
            SandboxBenchmark.self,
            DaemonBenchmark.self,
            PolicyBenchmark.self,
            AuditBenchmark.self,
            ApprovalsCrashHelper.self,
            ApprovalsClaimHelper.self,
        ]
    )
}
