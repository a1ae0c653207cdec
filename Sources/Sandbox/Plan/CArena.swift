import Foundation

/// Owns the C memory a launch plan points into (strings, arrays, structs).
/// The child reads it between clone and execve, so it must outlive the
/// child's setup: the supervisor keeps the arena until the status pipe
/// closes. Everything is freed together on deinit.
final class CArena: @unchecked Sendable {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit {
        for pointer in allocations { free(pointer) }
    }

    func string(_ s: String) -> UnsafeMutablePointer<CChar> {
        let p = strdup(s)!
        allocations.append(UnsafeMutableRawPointer(p))
        return p
    }

    /// A copy of `bytes` (not NUL-terminated unless the bytes are).
    func bytes(_ data: Data) -> UnsafeMutablePointer<CChar> {
        let p = malloc(max(1, data.count))!
        data.withUnsafeBytes { raw in
            if let base = raw.baseAddress { memcpy(p, base, data.count) }
        }
        allocations.append(p)
        return p.assumingMemoryBound(to: CChar.self)
    }

    /// A NULL-terminated array of C strings (argv, envp).
    func stringArray(_ strings: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let array = allocate(UnsafeMutablePointer<CChar>?.self, count: strings.count + 1)
        for (i, s) in strings.enumerated() { array[i] = string(s) }
        array[strings.count] = nil
        return array
    }

    func array<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let p = allocate(T.self, count: max(1, values.count))
        for (i, v) in values.enumerated() { (p + i).initialize(to: v) }
        return p
    }

    func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let raw = calloc(max(1, count), MemoryLayout<T>.stride)!
        allocations.append(raw)
        return raw.bindMemory(to: T.self, capacity: max(1, count))
    }
}
