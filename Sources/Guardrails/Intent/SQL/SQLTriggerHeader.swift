/// Finds a trigger's timing word (`CREATE TRIGGER t AFTER DELETE ON x`),
/// the only place where `BEFORE` or `AFTER` makes the verb after it a
/// clause. SQL Server reserves neither word, so anywhere else they can be
/// a column alias that ends a statement: `SELECT 1 after DROP TABLE users`
/// is a SELECT and then a DROP there.
///
/// Fed the statement's depth-0 tokens in order. The header is recognised
/// when `TRIGGER` is what the CREATE or ALTER makes (only `OR ALTER`,
/// `TEMP`, `CONSTRAINT` or a MySQL `DEFINER = account` before it, so
/// `ALTER TABLE t DISABLE TRIGGER x` is no header), and it ends at the
/// timing word or where the body starts (`AS`, `BEGIN`, `FOR EACH ROW`):
/// one word per trigger, never one inside its body.
struct SQLTriggerHeader {
    private enum State { case beforeObject, awaitingTiming, done }

    /// Words a CREATE or ALTER may have before its object when that is a trigger.
    private static let prefixes: Set<String> = ["OR", "ALTER", "REPLACE", "TEMP", "TEMPORARY", "CONSTRAINT", "DEFINER", "CURRENT_USER"]
    /// Words that start a trigger's body.
    private static let bodyStarts: Set<String> = ["AS", "BEGIN", "EACH"]

    private var state: State
    /// The index of the trigger's `BEFORE` or `AFTER`, once read.
    private(set) var timing: Int?

    init(statementVerb: String) {
        state = statementVerb == "CREATE" || statementVerb == "ALTER" ? .beforeObject : .done
    }

    /// Reads the depth-0 token at `i`.
    mutating func read(_ tokens: ArraySlice<SQLToken>, at i: Int) {
        let t = tokens[i]
        guard t.kind == .word else { return }
        switch state {
        case .done:
            return
        case .beforeObject:
            if t.text == "TRIGGER" {
                state = .awaitingTiming
            } else if !Self.prefixes.contains(t.text), !Self.isDefinerAccount(tokens, at: i) {
                state = .done
            }
        case .awaitingTiming:
            if t.text == "BEFORE" || t.text == "AFTER" {
                timing = i
                state = .done
            } else if Self.bodyStarts.contains(t.text) {
                state = .done
            }
        }
    }

    /// A part of `DEFINER = user@host`: right after `=` or `@`, or right before `@`.
    private static func isDefinerAccount(_ tokens: ArraySlice<SQLToken>, at i: Int) -> Bool {
        let previous = tokens[i - 1]
        if previous.isSymbol("=") || previous.isSymbol("@") { return true }
        return i + 1 < tokens.endIndex && tokens[i + 1].isSymbol("@")
    }
}
