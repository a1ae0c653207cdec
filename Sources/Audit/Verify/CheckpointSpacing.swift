/// The rule that makes removed checkpoints visible. Each checkpoint signs
/// the writer's interval (`every_events`): the store never lets more
/// records than that pass without one. So, with trusted keys, a longer run
/// of records between two verified checkpoints, or after the last one,
/// means checkpoints were taken out (and the chain rehashed around the
/// gap) — the one rewrite that checking only the checkpoints present can't
/// see. A daemon that is still running, or crashed, leaves a tail shorter
/// than the interval, which passes.
struct CheckpointSpacing {
    struct Gap {
        /// The first record no verified checkpoint vouches for.
        var first: Int64
        var message: String
    }

    /// Row of the last verified checkpoint (0: the genesis).
    private var lastRow: Int64 = 0
    /// What the last verified checkpoint promised (`nil`: no bound).
    private var lastInterval: Int64?
    private var seenAny = false

    /// The run of records a verified checkpoint at `row` closes, if it is
    /// longer than allowed. A restart may change the interval, so the run
    /// is held to the looser of the promises at its two ends.
    func gapBefore(_ checkpoint: AuditCheckpoint, at row: Int64) -> Gap? {
        guard let promised = checkpoint.promisedInterval else { return nil }
        var bound = promised
        if seenAny {
            guard let previous = lastInterval else { return nil }
            bound = max(previous, promised)
        }
        let covered = checkpoint.seq - lastRow
        guard covered > bound else { return nil }
        return Gap(first: lastRow + 1, message: "records \(lastRow + 1)…\(checkpoint.seq) carry no verified checkpoint: "
                   + "\(covered) records, more than the \(bound) its writer signs at (checkpoints were removed)")
    }

    mutating func verified(_ checkpoint: AuditCheckpoint, at row: Int64) {
        lastRow = row
        lastInterval = checkpoint.promisedInterval
        seenAny = true
    }

    /// The unsigned tail after the last verified checkpoint, if it is longer
    /// than that checkpoint's writer ever leaves.
    func tail(lastSeq: Int64) -> Gap? {
        guard let interval = lastInterval, lastSeq - lastRow > interval else { return nil }
        return Gap(first: lastRow + 1, message: "records \(lastRow + 1)…\(lastSeq) follow the last verified checkpoint "
                   + "(\(lastRow)): \(lastSeq - lastRow) records, more than the \(interval) its writer signs at; "
                   + "checkpoints were removed or the tail was rewritten")
    }
}
