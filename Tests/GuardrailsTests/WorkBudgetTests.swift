import AirlockCore
import Testing
@testable import Guardrails

/// The per-decision work budget: once spent, the extractors stop and say so,
/// and the input counts as unparsed.
@Suite struct WorkBudgetTests {
    @Test func aSpentBudgetStopsTheAnalysisAndIsReported() {
        let budget = WorkBudget(steps: 10)
        let sql = SQLExtractor.facts("SELECT a, b, c FROM t WHERE id = 1", budget: budget)
        #expect(sql.problems.contains { $0.contains("more analysis than one decision may spend") })
        var network = NetworkObservations()
        let shell = ShellExtractor.facts("ls -la /tmp", network: &network, budget: WorkBudget(steps: 3))
        #expect(shell.problems.contains { $0.contains("more analysis than one decision may spend") })
        #expect(shell.facts.json["unparsed"] == true)
    }
}
