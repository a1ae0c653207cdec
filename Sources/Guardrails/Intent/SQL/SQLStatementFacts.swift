/// What one SQL statement would do, as far as the text shows.
struct SQLStatementFacts: Sendable, Hashable {
    /// Lower-case verb: "select", "delete", "drop", ..., or "unknown".
    var operation: String
    /// For DDL and privilege statements: "table", "schema", "database", ...
    var objectType: String = ""
    var tables: [String] = []
    var hasWhere = false
    var trivialWhere = false
    var readOnly = false

    var isUnboundedWrite: Bool {
        (operation == "delete" || operation == "update") && (!hasWhere || trivialWhere)
    }

    var isDrop: Bool {
        operation == "drop" && (objectType == "table" || objectType == "schema" || objectType == "database")
    }

    var isPrivilegeChange: Bool {
        operation == "grant" || operation == "revoke"
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
