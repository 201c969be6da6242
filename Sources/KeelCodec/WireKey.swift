/// A coding key for synthetic positions: unkeyed element indices and the `"super"` entry.
struct WireKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }

    init(intValue: Int) {
        stringValue = "Index \(intValue)"
        self.intValue = intValue
    }

    /// The key under which `superEncoder()` / `superDecoder()` store the superclass's value.
    static let superKey = WireKey(stringValue: "super")
}

/// A compact coding key for unkeyed element `index`; small enough to live inline in an existential.
struct IndexKey: CodingKey {
    let index: Int

    init(_ index: Int) { self.index = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { index = intValue }

    var stringValue: String { "Index \(index)" }
    var intValue: Int? { index }
}

extension Array where Element == any CodingKey {
    /// The path rendered as `a.b.Index 2.c`, for error messages.
    var dottedPath: String {
        map(\.stringValue).joined(separator: ".")
    }
}
