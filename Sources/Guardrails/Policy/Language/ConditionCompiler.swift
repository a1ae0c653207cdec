import Foundation

typealias Evaluator = @Sendable (Frame) -> Value

/// A condition parsed, type-checked and turned into closures once, at load.
/// Evaluating it does no parsing, no lookup by name and no regex compilation.
struct CompiledCondition: Sendable {
    let source: String
    let evaluate: Evaluator
    /// Fact paths the condition reads (e.g. "sql.unboundedWrite"), most
    /// specific only: what a decision reports as "the facts that mattered".
    let referencedPaths: [String]
    /// Comprehension slots the frame must provide beyond the root variables.
    let scratchSlots: Int

    static func compile(_ text: String) throws(ConditionError) -> CompiledCondition {
        let node = try ConditionParser.parse(text)
        var compiler = ConditionCompiler()
        let (type, evaluate) = try compiler.compile(node)
        guard type.canBeBool else {
            throw ConditionError(position: node.position, message: "a condition must be a bool, but this is \(type)")
        }
        let paths = compiler.paths
        let specific = paths.filter { path in !paths.contains { $0 != path && $0.hasPrefix(path + ".") } }
        return CompiledCondition(source: text, evaluate: evaluate, referencedPaths: specific.sorted(),
                                 scratchSlots: compiler.nextSlot - FactSchema.roots.count)
    }
}

/// Type checker and code generator in one pass over the syntax tree.
struct ConditionCompiler {
    private struct Binding { var slot: Int; var type: ValueType; var isRoot: Bool }

    private var scope: [String: Binding]
    fileprivate(set) var nextSlot = FactSchema.roots.count
    fileprivate(set) var paths: Set<String> = []

    init() {
        var scope: [String: Binding] = [:]
        for (i, root) in FactSchema.roots.enumerated() { scope[root.name] = Binding(slot: i, type: root.type, isRoot: true) }
        self.scope = scope
    }

    mutating func compile(_ node: ConditionNode) throws(ConditionError) -> (ValueType, Evaluator) {
        switch node.kind {
        case .literal(let value):
            let type: ValueType = switch value {
            case .bool: .bool
            case .int: .int
            case .double: .double
            case .string: .string
            default: .null
            }
            return (type, { _ in value })
        case .identifier(let name):
            guard let binding = scope[name] else {
                let known = scope.keys.sorted().joined(separator: ", ")
                throw ConditionError(position: node.position, message: "unknown variable '\(name)'; known: \(known)")
            }
            if binding.isRoot { paths.insert(name) }
            let slot = binding.slot
            return (binding.type, { frame in frame[slot] })
        case .list(let elements):
            var types: [ValueType] = []
            var evaluators: [Evaluator] = []
            for element in elements {
                let (t, e) = try compile(element)
                types.append(t)
                evaluators.append(e)
            }
            let elementType = types.first.map { first in types.allSatisfy { $0 == first } ? first : .dyn } ?? .dyn
            let elements = evaluators
            return (.list(elementType), { frame in .list(elements.map { $0(frame) }) })
        case .member(let base, let field):
            return try compileMember(base, field, at: node.position)
        case .index(let base, let key):
            return try compileIndex(base, key, at: node.position)
        case .call(let target, let name, let arguments):
            return try compileCall(target: target, name: name, arguments: arguments, at: node.position)
        case .not(let operand):
            let (t, e) = try compile(operand)
            guard t.canBeBool else { throw ConditionError(position: node.position, message: "'!' needs a bool, got \(t)") }
            return (.bool, { frame in
                switch e(frame) {
                case .bool(let b): .bool(!b)
                case .error(let m): .error(m)
                case let other: .error("'!' applied to \(ConditionRuntime.kind(other))")
                }
            })
        case .negate(let operand):
            let (t, e) = try compile(operand)
            guard t.isNumeric || t == .dyn else { throw ConditionError(position: node.position, message: "'-' needs a number, got \(t)") }
            return (t, { frame in
                switch e(frame) {
                case .int(let i): .int(-i)
                case .double(let d): .double(-d)
                case .error(let m): .error(m)
                case let other: .error("'-' applied to \(ConditionRuntime.kind(other))")
                }
            })
        case .binary(let op, let left, let right):
            return try compileBinary(op, left, right, at: node.position)
        }
    }

    /// The dotted path of a member chain rooted at a fact variable, if any.
    private func rootPath(_ node: ConditionNode) -> String? {
        switch node.kind {
        case .identifier(let name): scope[name]?.isRoot == true ? name : nil
        case .member(let base, let field): rootPath(base).map { "\($0).\(field)" }
        default: nil
        }
    }

    private mutating func compileMember(_ base: ConditionNode, _ field: String, at position: SourcePosition) throws(ConditionError) -> (ValueType, Evaluator) {
        let (baseType, baseEval) = try compile(base)
        if let path = rootPath(base) { paths.insert("\(path).\(field)") }
        switch baseType {
        case .object(let shape):
            let (index, fieldType) = try Self.field(field, of: shape, at: position)
            if case .identifier(let name) = base.kind, let slot = scope[name]?.slot {
                // A field of a variable (`shell.x`, `c.name`): read in place, without a closure for the variable.
                return (fieldType, { frame in frame.field(index, ofRecordIn: slot, shaped: shape) ?? Self.select(field, from: frame[slot]) })
            }
            return (fieldType, { frame in
                switch baseEval(frame) {
                case .record(let actual, let fields) where actual === shape: fields[index]
                case .error(let e): .error(e)
                case let other: other.member(field) ?? .error("cannot select '.\(field)' from \(ConditionRuntime.kind(other))")
                }
            })
        case .map(let fieldType):
            return (fieldType, { frame in Self.select(field, from: baseEval(frame)) })
        case .dyn:
            return (.dyn, { frame in Self.select(field, from: baseEval(frame)) })
        default:
            throw ConditionError(position: position, message: "cannot select '.\(field)' from a \(baseType)")
        }
    }

    /// The position and type of a record field, or the load error naming the fields there are.
    private static func field(_ field: String, of shape: RecordShape, at position: SourcePosition) throws(ConditionError) -> (Int, ValueType) {
        guard let index = shape.index(of: field) else {
            throw ConditionError(position: position, message: "\(shape.name) has no field '\(field)'; fields: \(shape.fieldNames.sorted().joined(separator: ", "))")
        }
        return (index, shape.fieldTypes[index])
    }

    /// Field selection on a value whose shape is only known at run time (tool arguments).
    private static func select(_ field: String, from base: Value) -> Value {
        switch base {
        case .map(let m): m[field] ?? .error("no such key '\(field)'")
        case .record: base.member(field) ?? .error("no such key '\(field)'")
        case .error: base
        case let other: .error("cannot select '.\(field)' from \(ConditionRuntime.kind(other))")
        }
    }

    private mutating func compileIndex(_ base: ConditionNode, _ key: ConditionNode, at position: SourcePosition) throws(ConditionError) -> (ValueType, Evaluator) {
        let (baseType, baseEval) = try compile(base)
        let (keyType, keyEval) = try compile(key)
        let elementType: ValueType
        switch baseType {
        case .list(let e) where keyType == .int || keyType == .dyn: elementType = e
        case .map(let v) where keyType == .string || keyType == .dyn: elementType = v
        case .dyn: elementType = .dyn
        default: throw ConditionError(position: position, message: "cannot index a \(baseType) with a \(keyType)")
        }
        return (elementType, { frame in
            switch (baseEval(frame), keyEval(frame)) {
            case (.list(let l), .int(let i)): (i >= 0 && Int(i) < l.count) ? l[Int(i)] : .error("index \(i) out of range")
            case (.map(let m), .string(let k)): m[k] ?? .error("no such key '\(k)'")
            case (.error(let e), _), (_, .error(let e)): .error(e)
            default: .error("invalid index")
            }
        })
    }

    private mutating func compileBinary(_ op: BinaryOperator, _ left: ConditionNode, _ right: ConditionNode, at position: SourcePosition) throws(ConditionError) -> (ValueType, Evaluator) {
        let (lt, le) = try compile(left)
        let (rt, re) = try compile(right)
        switch op {
        case .and, .or:
            guard lt.canBeBool, rt.canBeBool else {
                throw ConditionError(position: position, message: "'\(op.rawValue)' needs bools, got \(lt) and \(rt)")
            }
            let absorbing = op == .or
            return (.bool, { frame in
                // CEL semantics: the absorbing value wins even over an error on the other side.
                let a = le(frame)
                if case .bool(absorbing) = a { return a }
                let b = re(frame)
                if case .bool(absorbing) = b { return b }
                if case .error = a { return a }
                if case .error = b { return b }
                guard case .bool = a, case .bool = b else { return .error("'\(op.rawValue)' applied to non-bool") }
                return .bool(!absorbing)
            })
        case .equal, .notEqual:
            guard lt.isComparable(with: rt) else {
                throw ConditionError(position: position, message: "cannot compare \(lt) with \(rt)")
            }
            let negate = op == .notEqual
            if case .literal(let literal) = right.kind, literal.comparesExactly {
                // `c.name == 'git'`: compare with the constant directly.
                return (.bool, { frame in
                    let a = le(frame)
                    if case .error = a { return a }
                    return .bool((a == literal) != negate)
                })
            }
            return (.bool, { frame in
                let result = ConditionRuntime.equal(le(frame), re(frame))
                if negate, case .bool(let b) = result { return .bool(!b) }
                return result
            })
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            let orderable = (lt.isNumeric || lt == .dyn) && (rt.isNumeric || rt == .dyn)
                || (lt == .string || lt == .dyn) && (rt == .string || rt == .dyn)
            guard orderable else { throw ConditionError(position: position, message: "cannot order \(lt) and \(rt)") }
            return (.bool, { frame in ConditionRuntime.compare(le(frame), re(frame), op) })
        case .in:
            switch rt {
            case .list(let e) where lt.isComparable(with: e): break
            case .map where lt == .string || lt == .dyn: break
            case .dyn: break
            default: throw ConditionError(position: position, message: "'in' needs a list of \(lt) or a map on the right, got \(rt)")
            }
            return (.bool, { frame in ConditionRuntime.contains(re(frame), le(frame)) })
        }
    }

    private mutating func compileCall(target: ConditionNode?, name: String, arguments: [ConditionNode], at position: SourcePosition) throws(ConditionError) -> (ValueType, Evaluator) {
        func arity(_ n: Int) throws(ConditionError) {
            guard arguments.count == n else { throw ConditionError(position: position, message: "\(name)() takes \(n) argument(s), got \(arguments.count)") }
        }
        switch (target, name) {
        case (nil, "has"):
            try arity(1)
            guard case .member(let base, let field) = arguments[0].kind else {
                throw ConditionError(position: position, message: "has() needs a field selection such as has(args.url)")
            }
            let (baseType, baseEval) = try compile(base)
            switch baseType {
            case .object, .map, .dyn: break
            default: throw ConditionError(position: position, message: "has() cannot test a field of a \(baseType)")
            }
            if let path = rootPath(base) { paths.insert("\(path).\(field)") }
            return (.bool, { frame -> Value in
                let base = baseEval(frame)
                switch base {
                case .map, .record: if let v = base.member(field), v != .null { return .bool(true) } else { return .bool(false) }
                case .error: return base
                default: return .bool(false)
                }
            })
        case (nil, "size"):
            try arity(1)
            return try compileSize(arguments[0], at: position)
        case (let target?, "size"):
            try arity(0)
            return try compileSize(target, at: position)
        case (let target?, "startsWith"), (let target?, "endsWith"), (let target?, "contains"):
            try arity(1)
            let (tt, te) = try compile(target)
            let (at, ae) = try compile(arguments[0])
            guard tt == .string || tt == .dyn, at == .string || at == .dyn else {
                throw ConditionError(position: position, message: "\(name)() works on strings, got \(tt).\(name)(\(at))")
            }
            let test: @Sendable (String, String) -> Bool = switch name {
            case "startsWith": { $0.hasPrefix($1) }
            case "endsWith": { $0.hasSuffix($1) }
            default: { $0.includes($1) }
            }
            return (.bool, { frame in
                switch (te(frame), ae(frame)) {
                case (.string(let s), .string(let p)): .bool(test(s, p))
                case (.error(let e), _), (_, .error(let e)): .error(e)
                default: .error("\(name)() applied to a non-string")
                }
            })
        case (let target?, "matches"):
            try arity(1)
            let (tt, te) = try compile(target)
            guard tt == .string || tt == .dyn else { throw ConditionError(position: position, message: "matches() works on strings, got \(tt)") }
            guard case .literal(.string(let pattern)) = arguments[0].kind else {
                throw ConditionError(position: position, message: "matches() needs a string literal pattern so it can be compiled when the policy loads")
            }
            let regex: CompiledRegex
            do { regex = CompiledRegex(try NSRegularExpression(pattern: pattern)) } catch {
                throw ConditionError(position: arguments[0].position, message: "invalid regular expression '\(pattern)'")
            }
            return (.bool, { frame in
                switch te(frame) {
                case .string(let s): .bool(regex.matches(s))
                case .error(let e): .error(e)
                default: .error("matches() applied to a non-string")
                }
            })
        case (let target?, "lowerAscii"):
            try arity(0)
            let (tt, te) = try compile(target)
            guard tt == .string || tt == .dyn else { throw ConditionError(position: position, message: "lowerAscii() works on strings, got \(tt)") }
            return (.string, { frame in
                switch te(frame) {
                case .string(let s): .string(s.lowercased())
                case .error(let e): .error(e)
                default: .error("lowerAscii() applied to a non-string")
                }
            })
        case (let target?, "exists"), (let target?, "all"):
            return try compileComprehension(target, name, arguments, at: position)
        default:
            let known = "has(), size(), .size(), .startsWith(), .endsWith(), .contains(), .matches(), .lowerAscii(), .exists(), .all()"
            throw ConditionError(position: position, message: "unknown function '\(name)'; available: \(known)")
        }
    }

    private mutating func compileSize(_ operand: ConditionNode, at position: SourcePosition) throws(ConditionError) -> (ValueType, Evaluator) {
        let (t, e) = try compile(operand)
        switch t {
        case .string, .list, .map, .object, .dyn: break
        default: throw ConditionError(position: position, message: "size() needs a string, list or map, got \(t)")
        }
        return (.int, { frame in
            switch e(frame) {
            case .string(let s): .int(Int64(s.count))
            case .list(let l): .int(Int64(l.count))
            case .map(let m): .int(Int64(m.count))
            case .record(_, let fields): .int(Int64(fields.count))
            case .error(let m): .error(m)
            default: .error("size() of a scalar")
            }
        })
    }

    private mutating func compileComprehension(_ target: ConditionNode, _ name: String, _ arguments: [ConditionNode], at position: SourcePosition) throws(ConditionError) -> (ValueType, Evaluator) {
        guard arguments.count == 2, case .identifier(let variable) = arguments[0].kind else {
            throw ConditionError(position: position, message: "\(name)() takes a variable name and a predicate, e.g. \(name)(c, c.name == \"rm\")")
        }
        let (tt, te) = try compile(target)
        let elementType: ValueType
        switch tt {
        case .list(let e): elementType = e
        case .dyn: elementType = .dyn
        default: throw ConditionError(position: position, message: "\(name)() works on lists, got \(tt)")
        }
        let slot = nextSlot
        nextSlot += 1
        let shadowed = scope[variable]
        scope[variable] = Binding(slot: slot, type: elementType, isRoot: false)
        let (pt, pe) = try compile(arguments[1])
        scope[variable] = shadowed
        guard pt.canBeBool else { throw ConditionError(position: arguments[1].position, message: "the predicate of \(name)() must be a bool, got \(pt)") }
        let wanted = name == "exists"   // exists stops on the first true, all on the first false
        return (.bool, { frame in
            guard case .list(let items) = te(frame) else { return .error("\(name)() applied to a non-list") }
            var firstError: Value?
            for item in items {
                frame[slot] = item
                switch pe(frame) {
                case .bool(let b) where b == wanted: return .bool(wanted)
                case .bool: continue
                case .error(let e): firstError = firstError ?? .error(e)
                default: firstError = firstError ?? .error("predicate of \(name)() is not a bool")
                }
            }
            return firstError ?? .bool(!wanted)
        })
    }
}
