/// Bounds on how far the intent extractors follow their input.
///
/// An extractor reads text an agent wrote, so it must return a decision for
/// any text within the argument limits, promptly and without exhausting the
/// daemon's stack. Past a bound the input is reported as unparsed, which the
/// policy reviews or denies: never allowed because the reading stopped.
enum IntentLimits {
    /// How deep any extractor recurses, whatever the construct: shell
    /// substitutions, subshells, groups and nested `sh -c` scripts; SQL `WITH`
    /// bodies, `EXPLAIN` targets, stored-code bodies and `WHERE` parentheses.
    /// One number for all of them, because they nest inside one another and
    /// each level costs stack frames; real commands stay far below it.
    static let maximumNesting = 16

    static let nestingProblem = "nested deeper than \(maximumNesting) levels; the rest is not analyzed"
}

/// The analysis steps one decision may spend, shared by its extractors.
///
/// Each extractor is meant to be linear in its input; the budget is the
/// backstop for the construct nobody thought of. Loops that revisit input
/// (re-parsing a nested script, rescanning a token range at each level)
/// spend from it; once it is gone they stop and the input is unparsed, so
/// a slow path ends in a review or a refusal, never in a stalled daemon.
final class WorkBudget {
    /// About sixty passes over a 64 KiB argument: far above what real input
    /// spends (one or two passes), far below what stalls a decision.
    static let perDecision = 4_000_000

    static let exhaustedProblem = "the input needs more analysis than one decision may spend (over \(perDecision) steps); the rest is not analyzed"

    private(set) var remaining: Int

    init(steps: Int = WorkBudget.perDecision) {
        remaining = steps
    }

    var isExhausted: Bool { remaining < 0 }

    /// Spends `steps`; false once the budget is gone (and from then on).
    @discardableResult
    func spend(_ steps: Int) -> Bool {
        remaining -= steps
        return remaining >= 0
    }
}
