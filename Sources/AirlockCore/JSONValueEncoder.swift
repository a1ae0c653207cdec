import AirlockCore
import Foundation

/// Encodes any `Encodable` straight into a `JSONValue`, optionally with its
/// keys renamed (the audit trail's snake_case fields).
///
/// `JSONValue(encoding:)` goes through JSON text (JSONEncoder, then
/// JSONDecoder); for a run result that round trip costs most of a
/// millisecond, more than the rest of the daemon's work per call. This
/// encoder builds the same tree directly and yields the same canonical
/// JSON (same keys, nil members left out, whole numbers as integers, dates
/// as ISO 8601, data as base64), which `JSONValueEncoderTests` checks
/// against the text round trip.
public enum JSONValueEncoder {
    /// Renames the keys of encoded types (their `CodingKey`s), as
    /// JSONEncoder's custom key strategy does: never a `[String: _]`
    /// dictionary's keys nor a `JSONValue`'s, which are data.
    public typealias KeyName = @Sendable (String) -> String

    public static func encode<T: Encodable>(_ value: T, keyName: KeyName? = nil) throws -> JSONValue {
        try box(value, codingPath: [], keyName: keyName)
    }

    static func box<T: Encodable>(_ value: T, codingPath: [any CodingKey], keyName: KeyName?) throws -> JSONValue {
        switch value {
        case let json as JSONValue: return json
        case let date as Date: return .string(iso8601(date))
        case let data as Data: return .string(data.base64EncodedString())
        case let url as URL: return .string(url.absoluteString)
        case let dictionary as [String: any Encodable] where keyName != nil:
            return .object(try dictionary.mapValues { try box($0, codingPath: codingPath, keyName: keyName) })
        default:
            let slot = Slot()
            try value.encode(to: TreeEncoder(slot: slot, codingPath: codingPath, keyName: keyName))
            return try slot.resolve(codingPath)
        }
    }

    /// Whole doubles become integers, as they do after a trip through JSON text.
    static func number(_ d: Double, _ codingPath: [any CodingKey]) throws -> JSONValue {
        guard d.isFinite else {
            throw EncodingError.invalidValue(d, .init(codingPath: codingPath, debugDescription: "non-finite number"))
        }
        if d.rounded() == d, abs(d) < 9.2e18 { return .int(Int64(d)) }
        return .double(d)
    }

    static func unsigned(_ u: UInt64) -> JSONValue { u <= UInt64(Int64.max) ? .int(Int64(u)) : .double(Double(u)) }

    private static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

/// One node of the tree under construction: a scalar, or an object or
/// array whose members are filled in by containers later.
final class Slot {
    var scalar: JSONValue?
    var object: [String: Slot]?
    var array: [Slot]?

    init(_ scalar: JSONValue? = nil) { self.scalar = scalar }

    func resolve(_ codingPath: [any CodingKey]) throws -> JSONValue {
        if let object { return .object(try object.mapValues { try $0.resolve(codingPath) }) }
        if let array { return .array(try array.map { try $0.resolve(codingPath) }) }
        if let scalar { return scalar }
        // An Encodable that encoded nothing: JSONEncoder writes {} for it.
        return .object([:])
    }
}

struct TreeEncoder: Encoder {
    let slot: Slot
    var codingPath: [any CodingKey]
    let keyName: JSONValueEncoder.KeyName?
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if slot.object == nil { slot.object = [:] }
        return KeyedEncodingContainer(KeyedTreeContainer<Key>(slot: slot, codingPath: codingPath, keyName: keyName))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if slot.array == nil { slot.array = [] }
        return UnkeyedTreeContainer(slot: slot, codingPath: codingPath, keyName: keyName)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleTreeContainer(slot: slot, codingPath: codingPath, keyName: keyName)
    }
}

struct KeyedTreeContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let slot: Slot
    var codingPath: [any CodingKey]
    let keyName: JSONValueEncoder.KeyName?

    private func name(_ key: Key) -> String { keyName.map { $0(key.stringValue) } ?? key.stringValue }
    private func set(_ value: JSONValue, _ key: Key) { slot.object![name(key)] = Slot(value) }

    mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(try JSONValueEncoder.number(value, codingPath + [key]), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(try JSONValueEncoder.number(Double(value), codingPath + [key]), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(.int(Int64(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(.int(Int64(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(.int(Int64(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(.int(Int64(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(.int(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(JSONValueEncoder.unsigned(UInt64(value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(JSONValueEncoder.unsigned(value), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        set(try JSONValueEncoder.box(value, codingPath: codingPath + [key], keyName: keyName), key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey> {
        let child = Slot()
        slot.object![name(key)] = child
        return TreeEncoder(slot: child, codingPath: codingPath + [key], keyName: keyName).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = Slot()
        slot.object![name(key)] = child
        return TreeEncoder(slot: child, codingPath: codingPath + [key], keyName: keyName).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = Slot()
        slot.object![name(key)] = child
        return TreeEncoder(slot: child, codingPath: codingPath + [key], keyName: keyName)
    }
}

struct UnkeyedTreeContainer: UnkeyedEncodingContainer {
    let slot: Slot
    var codingPath: [any CodingKey]
    let keyName: JSONValueEncoder.KeyName?
    var count: Int { slot.array!.count }

    private struct Index: CodingKey {
        var intValue: Int?
        var stringValue: String { "\(intValue!)" }
        init(_ index: Int) { intValue = index }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.intValue = intValue }
    }

    private var here: [any CodingKey] { codingPath + [Index(count)] }
    private func append(_ value: JSONValue) { slot.array!.append(Slot(value)) }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(try JSONValueEncoder.number(value, here)) }
    mutating func encode(_ value: Float) throws { append(try JSONValueEncoder.number(Double(value), here)) }
    mutating func encode(_ value: Int) throws { append(.int(Int64(value))) }
    mutating func encode(_ value: Int8) throws { append(.int(Int64(value))) }
    mutating func encode(_ value: Int16) throws { append(.int(Int64(value))) }
    mutating func encode(_ value: Int32) throws { append(.int(Int64(value))) }
    mutating func encode(_ value: Int64) throws { append(.int(value)) }
    mutating func encode(_ value: UInt) throws { append(JSONValueEncoder.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt8) throws { append(.int(Int64(value))) }
    mutating func encode(_ value: UInt16) throws { append(.int(Int64(value))) }
    mutating func encode(_ value: UInt32) throws { append(.int(Int64(value))) }
    mutating func encode(_ value: UInt64) throws { append(JSONValueEncoder.unsigned(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { append(try JSONValueEncoder.box(value, codingPath: here, keyName: keyName)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = Slot()
        let path = here
        slot.array!.append(child)
        return TreeEncoder(slot: child, codingPath: path, keyName: keyName).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = Slot()
        let path = here
        slot.array!.append(child)
        return TreeEncoder(slot: child, codingPath: path, keyName: keyName).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let child = Slot()
        let path = here
        slot.array!.append(child)
        return TreeEncoder(slot: child, codingPath: path, keyName: keyName)
    }
}

struct SingleTreeContainer: SingleValueEncodingContainer {
    let slot: Slot
    var codingPath: [any CodingKey]
    let keyName: JSONValueEncoder.KeyName?

    mutating func encodeNil() throws { slot.scalar = .null }
    mutating func encode(_ value: Bool) throws { slot.scalar = .bool(value) }
    mutating func encode(_ value: String) throws { slot.scalar = .string(value) }
    mutating func encode(_ value: Double) throws { slot.scalar = try JSONValueEncoder.number(value, codingPath) }
    mutating func encode(_ value: Float) throws { slot.scalar = try JSONValueEncoder.number(Double(value), codingPath) }
    mutating func encode(_ value: Int) throws { slot.scalar = .int(Int64(value)) }
    mutating func encode(_ value: Int8) throws { slot.scalar = .int(Int64(value)) }
    mutating func encode(_ value: Int16) throws { slot.scalar = .int(Int64(value)) }
    mutating func encode(_ value: Int32) throws { slot.scalar = .int(Int64(value)) }
    mutating func encode(_ value: Int64) throws { slot.scalar = .int(value) }
    mutating func encode(_ value: UInt) throws { slot.scalar = JSONValueEncoder.unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { slot.scalar = .int(Int64(value)) }
    mutating func encode(_ value: UInt16) throws { slot.scalar = .int(Int64(value)) }
    mutating func encode(_ value: UInt32) throws { slot.scalar = .int(Int64(value)) }
    mutating func encode(_ value: UInt64) throws { slot.scalar = JSONValueEncoder.unsigned(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { slot.scalar = try JSONValueEncoder.box(value, codingPath: codingPath, keyName: keyName) }
}
