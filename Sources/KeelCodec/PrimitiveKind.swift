#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The types the codec reads and writes directly instead of going through `Codable`.
///
/// `[String: String]` is included: it is written exactly as `Dictionary`'s own `Codable`
/// conformance would be (a keyed container of strings), just without the per-entry overhead.
///
/// Classified by comparing metadata pointers, which is much cheaper than a dynamic cast and
/// avoids instantiating generic metadata such as `Optional<T>` on the hot path.
enum PrimitiveKind: UInt8 {
    case none, string, int, uint64, bytes, bool, double, data, int64, uint, int32, uint32, float,
         uint8, int16, uint16, int8, stringDictionary

    /// `[UInt8]` is generic, so its metadata is looked up once and cached here.
    private static let byteArray = ObjectIdentifier([UInt8].self)
    /// `[String: String]` (typical for headers), cached like `byteArray`.
    private static let stringDictionaryType = ObjectIdentifier([String: String].self)

    /// The kind of `type`, or `.none` for types that encode themselves.
    @inline(__always)
    static func of(_ type: Any.Type) -> PrimitiveKind {
        let id = ObjectIdentifier(type)
        if id == ObjectIdentifier(String.self) { return .string }
        if id == ObjectIdentifier(Int.self) { return .int }
        if id == ObjectIdentifier(UInt64.self) { return .uint64 }
        if id == ObjectIdentifier(Bool.self) { return .bool }
        if id == ObjectIdentifier(Double.self) { return .double }
        if id == ObjectIdentifier(Int64.self) { return .int64 }
        if id == ObjectIdentifier(Data.self) { return .data }
        if id == ObjectIdentifier(UInt.self) { return .uint }
        if id == ObjectIdentifier(Int32.self) { return .int32 }
        if id == ObjectIdentifier(UInt32.self) { return .uint32 }
        if id == ObjectIdentifier(Float.self) { return .float }
        if id == ObjectIdentifier(UInt8.self) { return .uint8 }
        if id == ObjectIdentifier(Int16.self) { return .int16 }
        if id == ObjectIdentifier(UInt16.self) { return .uint16 }
        if id == ObjectIdentifier(Int8.self) { return .int8 }
        if id == byteArray { return .bytes }
        if id == stringDictionaryType { return .stringDictionary }
        return .none
    }
}

/// Reinterprets `value` as `U`. Only called after `PrimitiveKind.of(T.self)` proved that `T` and
/// `U` are the same type, so the cast is the identity.
@inline(__always)
func identityCast<T, U>(_ value: T, to _: U.Type) -> U {
    unsafeBitCast(value, to: U.self)
}
