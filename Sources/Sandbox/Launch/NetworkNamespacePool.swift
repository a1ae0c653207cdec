import AirlockCore
import CJail
import Foundation

/// Fresh network namespaces made ahead of time. Creating one is the most
/// expensive part of a launch (the kernel registers devices, sysctls and
/// per-namespace state); made in the background, a launch only pays two
/// `setns` calls on the spawning thread. Each namespace serves exactly one
/// sandbox and is never reused. They are owned by the host's user
/// namespace, so the sandbox's namespace root can't reconfigure them.
///
/// Only when running as root (creating a network namespace in the host's
/// user namespace needs CAP_SYS_ADMIN there); otherwise launches create
/// their own with CLONE_NEWNET, as before.
final class NetworkNamespacePool: @unchecked Sendable {
    private let lock = NSCondition()
    private var ready: [NetworkPolicy: [Int32]]
    private let target: Int
    private let refill: Bool
    private var stopped = false
    let enabled: Bool

    /// Keeps `target` namespaces ready for each of `policies` (`.none`
    /// and `.loopback`; `.host` needs none).
    /// `refill: false` makes the first `target` and stops (a one-shot launch).
    init(host: HostCapabilities, enabled wanted: Bool, target: Int = 4, policies: [NetworkPolicy] = [.none, .loopback],
         refill: Bool = true) {
        self.target = target
        self.refill = refill
        ready = Dictionary(uniqueKeysWithValues: policies.filter { $0 != .host }.map { ($0, []) })
        enabled = wanted && host.isRoot
        guard enabled else { return }
        // A one-shot launch waits for its namespace: only a refilling
        // (daemon) pool works ahead at a lower priority.
        let niced = refill && BackgroundPriority.applies(on: host)
        let thread = Thread { [weak self] in
            if niced { BackgroundPriority.lowerCallingThread() }
            self?.refillLoop()
        }
        thread.name = "airlock.netns-pool"
        thread.qualityOfService = .utility
        thread.start()
    }

    /// A never-used namespace for `policy`, or nil (the caller makes one).
    func take(_ policy: NetworkPolicy) -> Int32? {
        guard enabled, policy != .host else { return nil }
        lock.lock()
        defer { lock.unlock() }
        guard let fd = ready[policy]?.popLast() else { return nil }
        lock.signal()
        return fd
    }

    func stop() {
        lock.lock()
        stopped = true
        for fd in ready.values.joined() { close(fd) }
        ready = [:]
        lock.signal()
        lock.unlock()
    }

    deinit { stop() }

    /// Runs on its own thread: creating a namespace switches the calling
    /// thread's namespace for a moment, which must never happen on a
    /// thread other code shares.
    private func refillLoop() {
        var made = 0
        while refill || made < target * ready.count {
            lock.lock()
            while !stopped && ready.values.allSatisfy({ $0.count >= target }) { lock.wait() }
            if stopped { lock.unlock(); return }
            let policy = ready.min { $0.value.count < $1.value.count || ($0.value.count == $1.value.count && $0.key == .none) }!.key
            lock.unlock()

            let fd = cjail_netns_create(policy == .loopback ? 1 : 0)
            lock.lock()
            if fd >= 0 && !stopped {
                ready[policy, default: []].append(fd)
                made += 1
            } else if fd >= 0 {
                close(fd)
            }
            lock.unlock()
            // Not permitted is for good (a root confined to a user namespace
            // of its own): launches make their own namespaces from then on.
            if fd == -EPERM { return }
            if fd < 0 { Thread.sleep(forTimeInterval: 1) }
        }
    }
}
