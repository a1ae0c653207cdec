/// The variables a condition can read, with their static types.
///
/// This is the contract between the extractors and the policy author: the
/// checker rejects any field not listed here, and a test asserts that the
/// extractors produce exactly these fields, so the two cannot drift apart.
enum FactSchema {
    static let sqlStatement = RecordShape("sql statement", [
        "operation": .string,       // "select", "delete", "drop", ... or "unknown"
        "objectType": .string,      // for DDL/GRANT: "table", "schema", "database", ...; else ""
        "tables": .list(.string),
        "hasWhere": .bool,
        "trivialWhere": .bool,      // WHERE that bounds nothing: no column compared with a literal, parameter or subquery
        "readOnly": .bool,
    ])

    static let sql = RecordShape("sql facts", [
        "present": .bool,
        "statements": .list(.object(sqlStatement)),
        "statementCount": .int,
        "operations": .list(.string),
        "tables": .list(.string),
        "readOnly": .bool,
        "ddl": .bool,
        "drops": .bool,             // DROP of a table, schema or database
        "truncates": .bool,
        "unboundedWrite": .bool,    // DELETE/UPDATE with no WHERE or one that bounds nothing (see trivialWhere)
        "privilegeChange": .bool,   // GRANT, REVOKE, CREATE/ALTER ROLE|USER
        "unparsed": .bool,
    ])

    static let shellCommand = RecordShape("shell command", [
        "name": .string,
        "args": .list(.string),
        "viaSudo": .bool,
    ])

    static let shell = RecordShape("shell facts", [
        "present": .bool,
        "commands": .list(.object(shellCommand)),
        "programs": .list(.string),
        "recursiveDelete": .bool,
        "dangerousDelete": .bool,   // recursive delete of /, ~ or a dot-directory in it, *, ., a system path (relative paths read after cd)
        "dynamicDelete": .bool,     // recursive delete of a path only known at run time ($DIR, after cd "$D"), or a find -delete searching a dangerous root
        "deleteTargets": .list(.string),
        "downloadExecute": .bool,
        "systemWrite": .bool,
        "systemWriteTargets": .list(.string),
        "privilegeChange": .bool,
        "forcePush": .bool,
        "infraDestroy": .bool,
        "secretRead": .bool,
        "secretPaths": .list(.string),
        "dynamicCommand": .bool,    // code only known at run time: a dynamic program name, code from a pipe, a file the call wrote, inline code of another language
        "unparsed": .bool,
    ])

    static let network = RecordShape("network facts", [
        "present": .bool,
        "hosts": .list(.string),
        "urls": .list(.string),
        "unlisted": .list(.string), // hosts not on the policy's allowlist
        "egress": .bool,
        "exfiltration": .bool,      // some destination is not on the allowlist
        "upload": .bool,            // data sent out (curl -d @f, -T, nc, scp to a host)
        "metadata": .bool,          // the cloud metadata address
        "unparsed": .bool,
    ])

    static let actor = RecordShape("actor", [
        "name": .string,
        "roles": .list(.string),
        "uid": .int,
        "owner": .string,
    ])

    static let claims = RecordShape("claims", [
        "onBehalfOf": .string,
        "reason": .string,
    ])

    /// Root variables in slot order; `Frame.slots` follows this order.
    static let roots: [(name: String, type: ValueType)] = [
        ("tool", .string),
        ("actor", .object(actor)),
        ("claims", .object(claims)),
        ("args", .map(.dyn)),
        ("unparsed", .bool),
        ("unparsedReasons", .list(.string)),
        ("sql", .object(sql)),
        ("shell", .object(shell)),
        ("network", .object(network)),
    ]

    static func slot(of name: String) -> Int? { roots.firstIndex { $0.name == name } }
}

/// The values of the root variables for one evaluation, plus scratch slots
/// for comprehension variables (`exists(x, ...)`). One per decision; never shared.
///
/// Slots live in a fixed buffer rather than an array property so that each
/// read in a compiled condition is a plain load: a `var` array in a class
/// costs a dynamic exclusivity check and a retain of the array per access.
final class Frame {
    private let slots: UnsafeMutableBufferPointer<Value>

    init(roots: [Value], scratch: Int) {
        slots = .allocate(capacity: roots.count + scratch)
        let rootsEnd = slots.initialize(fromContentsOf: roots)
        slots[rootsEnd...].initialize(repeating: .null)
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    /// Field `index` of the record in `slot`, read in place, or nil when the
    /// slot holds anything but a record of `shape`.
    func field(_ index: Int, ofRecordIn slot: Int, shaped shape: RecordShape) -> Value? {
        guard case .record(let actual, let fields) = slots[slot], actual === shape else { return nil }
        return fields[index]
    }

    subscript(slot: Int) -> Value {
        get { slots[slot] }
        set { slots[slot] = newValue }
    }
}
