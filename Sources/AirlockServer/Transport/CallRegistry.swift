import AirlockCore
import Synchronization
import Executor
import NIOCore

/// Every `tools/call` in flight across all connections, keyed by
/// connection and JSON-RPC id. It is what makes cancellation by id work,
/// what enforces the per-connection and per-uid caps, and what shutdown
/// drains.
final class CallRegistry: Sendable {
    struct Key: Hashable, Sendable {
        var connection: UInt64
        var request: JSONValue
    }

    enum StartResult: Equatable { case started, duplicateID, tooMany, tooManyForUID(UInt32), shuttingDown }

    private struct Entry {
        var task: Task<Void, Never>
        var uid: UInt32
        var cancelledByClient = false
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var accepting = true
    }

    private let state = Mutex(State())

    /// Starts `body` as a task registered under `key` (preferring
    /// `executor`, e.g. the connection's event loop), unless the id is
    /// already in flight on that connection, the connection or the peer
    /// uid is at its cap (`limits`), or the daemon is shutting down.
    func start(_ key: Key, uid: UInt32, limits: ServerSettings, on executor: (any TaskExecutor)? = nil,
               _ body: @escaping @Sendable () async -> Void) -> StartResult {
        state.withLock { state in
            guard state.accepting else { return .shuttingDown }
            guard state.entries[key] == nil else { return .duplicateID }
            var onConnection = 0, ofUID = 0
            for (other, entry) in state.entries {
                if other.connection == key.connection { onConnection += 1 }
                if entry.uid == uid { ofUID += 1 }
            }
            guard onConnection < limits.maxCallsPerConnection else { return .tooMany }
            guard ofUID < limits.maxCallsPerUID else { return .tooManyForUID(uid) }
            // Created under the lock, so `finish` (which also takes it)
            // cannot run before the entry exists.
            state.entries[key] = Entry(task: Task(executorPreference: executor) { await body() }, uid: uid)
            return .started
        }
    }

    /// Removes the call; true when the client cancelled it, in which case
    /// MCP says no response is sent.
    func finish(_ key: Key) -> Bool {
        state.withLock { $0.entries.removeValue(forKey: key)?.cancelledByClient ?? false }
    }

    /// `notifications/cancelled`: cancels the task, which kills its sandbox.
    /// Unknown or finished ids are ignored, as MCP requires.
    func cancelByClient(_ key: Key) {
        let task: Task<Void, Never>? = state.withLock { state in
            guard state.entries[key] != nil else { return nil }
            state.entries[key]!.cancelledByClient = true
            return state.entries[key]!.task
        }
        task?.cancel()
    }

    /// A closed connection can receive no results: its calls are cancelled.
    func cancelConnection(_ connection: UInt64) {
        let tasks = state.withLock { state in
            state.entries.filter { $0.key.connection == connection }.map(\.value.task)
        }
        for task in tasks { task.cancel() }
    }

    var count: Int { state.withLock { $0.entries.count } }

    /// Calls still in flight on `connection`.
    func count(on connection: UInt64) -> Int {
        state.withLock { $0.entries.keys.filter { $0.connection == connection }.count }
    }

    /// Shutdown: refuse new calls, give running ones until `deadline`, then
    /// cancel the rest and wait until their sandboxes are gone.
    func drain(grace: Double) async {
        state.withLock { $0.accepting = false }
        let deadline = ContinuousClock.now + .milliseconds(Int64(max(0, grace) * 1000))
        while count > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let remaining = state.withLock { $0.entries.values.map(\.task) }
        for task in remaining { task.cancel() }
        for task in remaining { await task.value }
    }
}
