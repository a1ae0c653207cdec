import AirlockCore
import Synchronization

/// Masks a call's arguments once per call instead of once per event: a
/// call writes up to six events, each carrying the same arguments, and
/// masking a large argument is the costliest part of an append. Masking is
/// a pure function of the arguments and the injected secrets (the masker
/// is fixed per store), so a result is reused only for an exactly equal
/// pair; a few recent calls are kept since calls interleave.
final class ArgumentsMaskMemo: Sendable {
    private struct Entry {
        var hash: Int
        var arguments: JSONValue
        var secrets: [String]
        var masked: JSONValue
    }

    private let capacity = 16
    private let entries = Mutex<[Entry]>([])

    func masked(_ arguments: JSONValue, secrets: [String], by masker: Masker) -> JSONValue {
        let hash = arguments.hashValue
        let known = entries.withLock { entries in
            entries.last { $0.hash == hash && $0.secrets == secrets && $0.arguments == arguments }?.masked
        }
        if let known { return known }
        let masked = masker.mask(arguments, secrets: secrets)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeFirst() }
            entries.append(Entry(hash: hash, arguments: arguments, secrets: secrets, masked: masked))
        }
        return masked
    }
}
