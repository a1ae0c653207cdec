/// Shell glob matching (`*`, `?`, `[...]`, `{a,b}`) of a pattern an agent
/// wrote against the short, fixed paths the classifiers know (`/etc`,
/// `~/.ssh/id_rsa`), with the sh rule that a wildcard never matches a
/// leading dot of a component.
///
/// Linear in the pattern: a component whose fixed characters outnumber the
/// path's cannot match and is rejected before matching; matching keeps one
/// backtrack point (the last `*`) instead of recursing at every star; and
/// brace expansion stops at `maximumAlternatives`. Past that bound the
/// answer is "may match", which the classifiers read as the risky case.
enum Glob {
    static let maximumAlternatives = 64

    static func matches(pattern: String, path: String) -> Bool {
        guard let alternatives = expandBraces(pattern) else { return true }
        let s = path.split(separator: "/", omittingEmptySubsequences: false)
        for alternative in alternatives {
            let p = alternative.split(separator: "/", omittingEmptySubsequences: false)
            guard p.count == s.count else { continue }
            if zip(p, s).allSatisfy({ matchComponent(Array($0.0), Array($0.1)) }) { return true }
        }
        return false
    }

    /// `a{b,c}d` → ["abd", "acd"], left to right, each group once (groups
    /// inside groups are not expanded: enough for the evasions seen in
    /// practice); nil when that would make more than `maximumAlternatives`.
    static func expandBraces(_ pattern: String) -> [String]? {
        var results = [""]
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            let head = rest[..<open]
            let options = rest[rest.index(after: open)..<close].split(separator: ",", omittingEmptySubsequences: false)
            guard results.count * options.count <= maximumAlternatives else { return nil }
            results = results.flatMap { prefix in options.map { prefix + head + $0 } }
            rest = rest[rest.index(after: close)...]
        }
        return results.map { $0 + rest }
    }

    private enum Element {
        case star
        case any
        case literal(Character)
        case set([Character], negated: Bool)

        func matches(_ c: Character) -> Bool {
            switch self {
            case .star, .any: return true
            case .literal(let l): return l == c
            case .set(let set, let negated):
                var hit = false
                var k = 0
                while k < set.count {
                    if k + 2 < set.count, set[k + 1] == "-" { if set[k] <= c && c <= set[k + 2] { hit = true }; k += 3 } else { if set[k] == c { hit = true }; k += 1 }
                }
                return hit != negated
            }
        }
    }

    /// The pattern as elements; runs of `*` become one star.
    private static func elements(_ p: [Character]) -> [Element] {
        var out: [Element] = []
        var k = 0
        while k < p.count {
            switch p[k] {
            case "*":
                if case .star? = out.last {} else { out.append(.star) }
                k += 1
            case "?":
                out.append(.any)
                k += 1
            case "[":
                guard let close = p[(k + 1)...].firstIndex(of: "]") else { out.append(.literal("[")); k += 1; continue }
                var set = Array(p[(k + 1)..<close])
                let negated = set.first == "!" || set.first == "^"
                if negated { set.removeFirst() }
                out.append(.set(set, negated: negated))
                k = close + 1
            default:
                out.append(.literal(p[k]))
                k += 1
            }
        }
        return out
    }

    private static func matchComponent(_ p: [Character], _ s: [Character]) -> Bool {
        if s.first == ".", p.first != "." { return false }
        let pattern = elements(p)
        // Each element but a star consumes exactly one character.
        var fixed = 0
        for element in pattern { if case .star = element {} else { fixed += 1; if fixed > s.count { return false } } }
        var pi = 0, si = 0
        var starAt = -1, starMatched = 0
        while si < s.count {
            if pi < pattern.count, case .star = pattern[pi] {
                starAt = pi
                starMatched = si
                pi += 1
            } else if pi < pattern.count, pattern[pi].matches(s[si]) {
                pi += 1
                si += 1
            } else if starAt >= 0 {
                // Let the last star take one more character and retry after it.
                starMatched += 1
                si = starMatched
                pi = starAt + 1
            } else {
                return false
            }
        }
        while pi < pattern.count, case .star = pattern[pi] { pi += 1 }
        return pi == pattern.count
    }
}
