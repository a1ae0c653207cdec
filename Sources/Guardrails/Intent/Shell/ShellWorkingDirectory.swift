/// The working directory as a script changes it with `cd`, `pushd` and
/// `popd`, so that relative paths mean what they would at run time:
/// `cd / && rm -rf etc usr` deletes `/etc` and `/usr`, and `cd ~ && rm -rf
/// .ssh` deletes the ssh keys.
///
/// A call starts in its scratch workspace. A `cd` inside a subshell or a
/// nested script (`( ... )`, `sh -c`, `$(...)`) lasts until that ends, so
/// locations are kept per scope (see `ShellInvocation.scope`).
struct ShellWorkingDirectory {
    enum Location: Hashable {
        /// Inside the call's workspace, at this relative path ("" is its root).
        case workspace(String)
        /// A normalized absolute path, or one under `~`.
        case absolute(String)
        /// Only known at run time (`cd "$DIR"`, `cd -`, `popd` of nothing).
        case unknown
    }

    private var byScope: [[Int]: Location] = [:]
    private var stacks: [[Int]: [Location]] = [:]

    /// Past these, the location is unknown: each `cd` rewrites the whole
    /// path and each `pushd` keeps a copy, so a script of thousands of
    /// `cd a` would cost quadratic time and memory to follow.
    static let maximumPathBytes = 4096
    static let maximumStackDepth = 64

    /// The location in `scope`: set there or in the nearest enclosing scope.
    func location(in scope: [Int]) -> Location {
        var key = scope
        while true {
            if let location = byScope[key] { return location }
            if key.isEmpty { return .workspace("") }
            key.removeLast()
        }
    }

    /// Follows `inv` if it changes the directory. Commands in a pipeline of
    /// several stages run in subshells of their own, so theirs do not last.
    mutating func observe(_ inv: ShellInvocation, inPipeline: Bool) {
        guard ["cd", "pushd", "popd", "chdir"].contains(inv.name), !inPipeline else { return }
        let scope = inv.scope
        let here = location(in: scope)
        let operands = inv.args.filter { !$0.text.hasPrefix("-") || $0.text == "-" }
        switch inv.name {
        case "popd":
            var stack = stacks[scope] ?? []
            byScope[scope] = stack.popLast() ?? .unknown
            stacks[scope] = stack
        default:
            if inv.name == "pushd" {
                if stacks[scope, default: []].count < Self.maximumStackDepth {
                    stacks[scope, default: []].append(here)
                } else {
                    // Too deep to follow: what popd returns to is unknown.
                    stacks[scope] = Array(repeating: .unknown, count: Self.maximumStackDepth)
                }
            }
            guard let target = operands.first else {
                byScope[scope] = inv.name == "pushd" ? .unknown : .absolute("~")
                return
            }
            byScope[scope] = Self.bounded(Self.resolve(target, from: here))
        }
    }

    static func bounded(_ location: Location) -> Location {
        switch location {
        case .workspace(let path), .absolute(let path):
            return path.utf8.count > maximumPathBytes ? .unknown : location
        case .unknown:
            return .unknown
        }
    }

    /// Where `target` leads from `here`.
    static func resolve(_ target: ShellWord, from here: Location) -> Location {
        let text = target.text
        if target.isDynamic || target.hasGlob || text == "-" { return .unknown }
        if text.hasPrefix("/") || text.hasPrefix("~") { return .absolute(ShellPaths.normalize(text)) }
        switch here {
        case .unknown:
            return .unknown
        case .absolute(let base):
            return .absolute(ShellPaths.normalize(base + "/" + text))
        case .workspace(let base):
            // Climbing out of the workspace leads somewhere only the sandbox knows.
            var parts = base.split(separator: "/").map(String.init)
            for part in text.split(separator: "/") where part != "." {
                if part == ".." {
                    guard !parts.isEmpty else { return .unknown }
                    parts.removeLast()
                } else {
                    parts.append(String(part))
                }
            }
            return .workspace(parts.joined(separator: "/"))
        }
    }

    /// `path` as the program would see it from `scope`: an absolute path
    /// when the directory is known to be outside the workspace, the word
    /// itself otherwise; nil when the directory is unknown and the path relative.
    func absolute(_ path: ShellWord, in scope: [Int]) -> ShellWord? {
        let text = path.text
        if text.hasPrefix("/") || text.hasPrefix("~") || path.isDynamic { return path }
        switch location(in: scope) {
        case .workspace: return path
        case .unknown: return nil
        case .absolute(let base):
            var resolved = path
            resolved.text = ShellPaths.normalize(base + "/" + text)
            return resolved
        }
    }
}
