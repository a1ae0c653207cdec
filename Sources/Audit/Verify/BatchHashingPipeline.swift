import Dispatch

/// Overlaps reading with hashing: while the verifier reads batch k+1 from
/// SQLite on its own thread, batch k is hashed on another. Hashing is about
/// half of verify's work and each record's hash depends only on its own
/// stored bytes, so it parallelises; the walk that checks links, positions
/// and checkpoints stays sequential and sees rows strictly in order.
struct BatchHashingPipeline {
    typealias Visit = (RowBatch, [Bool]) -> Void

    private let batchSize: Int
    private var filling: RowBatch
    private var inFlight: (batch: RowBatch, result: HashResult)?

    init(batchSize: Int = 2048) {
        self.batchSize = batchSize
        self.filling = RowBatch(capacity: batchSize)
    }

    /// Adds a row; each time a batch fills, hands the previous one (now
    /// hashed) to `visit`.
    mutating func add(_ row: ChainRow, _ visit: Visit) {
        filling.append(row)
        if filling.count >= batchSize { dispatchFilling(visit) }
    }

    /// Hands over every remaining row.
    mutating func finish(_ visit: Visit) {
        if filling.count > 0 { dispatchFilling(visit) }
        if let inFlight { visit(inFlight.batch, inFlight.result.wait()) }
        inFlight = nil
    }

    private mutating func dispatchFilling(_ visit: Visit) {
        let batch = filling
        let result = HashResult()
        DispatchQueue.global(qos: .userInitiated).async { result.set(batch.hashesMatch()) }
        if let inFlight { visit(inFlight.batch, inFlight.result.wait()) }
        // The batch just walked becomes the next one to fill, for its memory.
        let walked = inFlight?.batch
        inFlight = (batch, result)
        if var reused = walked {
            reused.removeAll()
            filling = reused
        } else {
            filling = RowBatch(capacity: batchSize)
        }
    }
}

/// One batch's hash results, handed from the hashing thread to the walk.
/// `@unchecked Sendable`: `value` is written once before `ready` is
/// signalled and read only after waiting on it.
private final class HashResult: @unchecked Sendable {
    private let ready = DispatchSemaphore(value: 0)
    private var value: [Bool] = []

    func set(_ matches: [Bool]) {
        value = matches
        ready.signal()
    }

    func wait() -> [Bool] {
        ready.wait()
        return value
    }
}
