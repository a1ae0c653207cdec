import Dispatch

/// A value computed on a global-queue thread while the caller goes on; the
/// first read waits for it. A cold launch digests its profile this way while
/// its child builds the sandbox and runs (the digest only matters for the
/// manifest and the warm pool's key); `airlock exec` starts its engine this
/// way while it reads the profile.
public final class BackgroundValue<Value: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    // Written once before `done` is signalled, read only after waiting on it.
    private var result: Value?

    public init(_ work: @escaping @Sendable () -> Value) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            result = work()
            done.signal()
        }
    }

    /// A value that is already known.
    init(ready value: Value) {
        result = value
        done.signal()
    }

    public var value: Value {
        done.wait()
        defer { done.signal() }
        return result!
    }
}
