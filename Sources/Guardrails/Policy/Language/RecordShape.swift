/// The fixed list of fields of one kind of fact object (the shell facts, an
/// actor, one SQL statement...).
///
/// Facts are records rather than dictionaries because the checker knows
/// every field when the policy loads: `shell.dangerousDelete` compiles to
/// "field 3 of the shell record", so a decision hashes no field names,
/// neither to build the facts nor to read them. The shape keeps the names
/// for everything that still speaks in names (JSON, explanations, paths).
public final class RecordShape: Sendable, Hashable, CustomStringConvertible {
    /// The type's name in messages ("shell facts").
    public let name: String
    /// Field names in declared order; a record's values follow this order.
    let fieldNames: [String]
    let fieldTypes: [ValueType]

    init(_ name: String, _ fields: KeyValuePairs<String, ValueType>) {
        self.name = name
        fieldNames = fields.map(\.key)
        fieldTypes = fields.map(\.value)
    }

    public var description: String { name }

    func index(of field: String) -> Int? { fieldNames.firstIndex(of: field) }

    /// A record of this shape from values named by field. Naming every value
    /// (rather than relying on position) keeps a swapped pair of booleans from
    /// silently exchanging meaning; values given in declared order cost one
    /// string comparison each to place.
    func record(_ values: KeyValuePairs<String, Value>) -> Value {
        assert(values.count == fieldNames.count && Set(values.map(\.key)) == Set(fieldNames),
               "\(name): fields given \(values.map(\.key)), declared \(fieldNames)")
        // A field an extractor forgot reads as an error, which every effect treats fail-closed.
        var fields = [Value](repeating: Self.missing, count: fieldNames.count)
        for (position, (key, value)) in values.enumerated() {
            let index = position < fieldNames.count && fieldNames[position] == key ? position : self.index(of: key)
            if let index { fields[index] = value }
        }
        return .record(self, fields)
    }

    private static let missing = Value.error("fact not extracted")

    /// Shapes are singletons declared in `FactSchema`; identity is equality.
    public static func == (a: RecordShape, b: RecordShape) -> Bool { a === b }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
