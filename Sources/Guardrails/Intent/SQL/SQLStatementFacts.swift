/// What one SQL statement would do, as far as the text shows.
struct SQLStatementFacts: Sendable, Hashable {
    /// Lower-case verb: "select", "delete", "drop", ..., or "unknown".
    var operation: String
    /// For DDL and privilege statements: "table", "schema", "database", ...
    var objectType: String = ""
    var tables: [String] = []
    /// For DELETE, UPDATE, MERGE: the WHERE (or ON) clause that picks the rows.
    var hasWhere = false
    /// That clause bounds nothing (see `SQLWhereClause`).
    var trivialWhere = false
    var readOnly = false
    /// Rewrites or deletes existing rows: DELETE, UPDATE, a MERGE with
    /// `WHEN MATCHED THEN UPDATE/DELETE`.
    var rewritesRows = false
    /// A DROP with CASCADE, which also drops what depends on the object.
    var cascades = false

    var isUnboundedWrite: Bool {
        rewritesRows && (!hasWhere || trivialWhere)
    }

    /// Drops a table, schema or database, everything a role owns
    /// (`DROP OWNED BY`), or anything with CASCADE.
    var isDrop: Bool {
        operation == "drop" && (["table", "schema", "database", "owned"].contains(objectType) || cascades)
    }

    var isPrivilegeChange: Bool {
        operation == "grant" || operation == "revoke" || operation == "deny"
            || ((operation == "create" || operation == "alter" || operation == "drop") && (objectType == "user" || objectType == "role"))
    }

    var isDDL: Bool {
        switch operation {
        case "create", "drop", "alter", "truncate", "rename", "comment": true
        default: false
        }
    }

    var value: Value {
        FactSchema.sqlStatement.record([
            "operation": .string(operation),
            "objectType": .string(objectType),
            "tables": Value.strings(tables),
            "hasWhere": .bool(hasWhere),
            "trivialWhere": .bool(trivialWhere),
            "readOnly": .bool(readOnly),
        ])
    }
}
