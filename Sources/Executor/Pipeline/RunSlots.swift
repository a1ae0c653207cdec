import AirlockCore

/// A cap on sandboxes running at once, with a bounded FIFO of callers
/// waiting for one. A full queue or a wait longer than the timeout ends in
/// `busy` right away instead of an unbounded pile-up of pending launches;
/// a cancelled waiter leaves the queue immediately.
public actor RunSlots {
    public let capacity: Int
    public let queueLimit: Int
    public let queueTimeoutSeconds: Double

    private var running = 0
    private var nextTicket: UInt64 = 0
    private var waiters: [(ticket: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []

    public init(capacity: Int, queueLimit: Int, queueTimeoutSeconds: Double) {
        self.capacity = max(1, capacity)
        self.queueLimit = max(0, queueLimit)
        self.queueTimeoutSeconds = queueTimeoutSeconds
    }

    /// Sandboxes currently holding a slot, and callers waiting for one.
    public var usage: (running: Int, queued: Int) { (running, waiters.count) }

    /// Runs `body` while holding a slot.
    public func withSlot<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }

    func acquire() async throws {
        if running < capacity {
            running += 1
            return
        }
        guard waiters.count < queueLimit else {
            throw AirlockError(.busy, "all \(capacity) sandboxes are busy and \(queueLimit) calls are already waiting; retry shortly")
        }
        nextTicket += 1
        let ticket = nextTicket
        let timeout = Task { [queueTimeoutSeconds] in
            try await Task.sleep(nanoseconds: UInt64(queueTimeoutSeconds * 1e9))
            self.fail(ticket, AirlockError(.busy, "waited \(queueTimeoutSeconds) s for a free sandbox (all \(capacity) busy); retry shortly"))
        }
        defer { timeout.cancel() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters.append((ticket, continuation))
                }
            }
        } onCancel: {
            Task { await self.fail(ticket, CancellationError()) }
        }
    }

    /// Hands the slot to the longest waiter, or frees it.
    func release() {
        if waiters.isEmpty {
            running -= 1
        } else {
            waiters.removeFirst().continuation.resume()
        }
    }

    private func fail(_ ticket: UInt64, _ error: any Error) {
        guard let index = waiters.firstIndex(where: { $0.ticket == ticket }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: error)
    }
}
