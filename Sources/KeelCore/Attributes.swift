/// The value of an agent attribute.
public enum AttributeValue: Sendable, Hashable, CustomStringConvertible {
    /// Free text such as `us-east-1a` or `true`.
    case text(String)
    /// A number such as `3` (may be negative; attributes are labels, not amounts).
    case scalar(Quantity)
    /// Integer intervals such as `[1-4]`.
    case ranges(ValueRanges)
    /// Items such as `{a,b}`.
    case set(ValueSet)

    /// The text form used by ``Attributes/description``.
    public var description: String {
        switch self {
        case .text(let text): text
        case .scalar(let amount): amount.description
        case .ranges(let ranges): ranges.description
        case .set(let set): set.description
        }
    }
}

/// One named agent attribute, e.g. `rack:r1`.
public struct Attribute: Sendable, Hashable {
    /// The attribute name.
    public var name: String
    /// Its value.
    public var value: AttributeValue

    /// An attribute.
    public init(name: String, value: AttributeValue) {
        self.name = name
        self.value = value
    }
}

/// An agent's descriptive attributes (`rack:r1;zone:us-east-1a;ssd:true;level:3`), used by placement constraints.
///
/// Unlike resources, attributes are not consumed; they keep their written order and a name may appear only once.
public struct Attributes: Sendable, Hashable, Sequence, CustomStringConvertible {
    /// The attributes in the order given.
    public private(set) var attributes: [Attribute]

    /// No attributes.
    public init() { attributes = [] }

    /// Attributes in order; when a name repeats, the first occurrence is kept.
    public init(_ attributes: some Sequence<Attribute>) {
        var seen = Set<String>()
        self.attributes = attributes.filter { seen.insert($0.name).inserted }
    }

    /// The value of `name`, or `nil`.
    public subscript(name: String) -> AttributeValue? {
        for attribute in attributes where attribute.name == name { return attribute.value }
        return nil
    }

    /// Whether there are none.
    public var isEmpty: Bool { attributes.isEmpty }

    /// Iterates in order.
    public func makeIterator() -> IndexingIterator<[Attribute]> { attributes.makeIterator() }

    /// `rack:r1;level:3`.
    public var description: String { attributes.map { "\($0.name):\($0.value)" }.joined(separator: ";") }

    /// Parses `name:value;…`: `[a-b,…]` is ranges, `{a,…}` a set, a decimal number a scalar, anything else text.
    /// Errors name the offending token and byte offset: missing `:`, bad names, repeated names, broken ranges or
    /// sets, control characters in text.
    public static func parse(_ text: String) throws(ResourceParseError) -> Attributes {
        var result: [Attribute] = []
        var seen = Set<String>()
        for segment in ResourceText.segments(Array(text.utf8)) {
            let (nameBytes, valueBytes) = try ResourceText.splitNameValue(segment)
            let name = ResourceText.string(nameBytes)
            guard Resource.isValidName(name) else {
                throw ResourceParseError(.invalidName, token: name, position: nameBytes.startIndex,
                                         detail: "attribute names must be non-empty and free of blanks and ;:()[]{},")
            }
            guard seen.insert(name).inserted else {
                throw ResourceParseError(.invalidName, token: name, position: nameBytes.startIndex,
                                         detail: "attribute '\(name)' is given twice")
            }
            guard !valueBytes.isEmpty else {
                throw ResourceParseError(.empty, token: "", position: valueBytes.startIndex,
                                         detail: "missing value for attribute '\(name)'")
            }
            let value: AttributeValue
            switch valueBytes.first {
            case UInt8(ascii: "["): value = .ranges(try ResourceText.parseRanges(valueBytes))
            case UInt8(ascii: "{"): value = .set(try ResourceText.parseSet(valueBytes))
            default:
                let token = ResourceText.string(valueBytes)
                if let control = valueBytes.firstIndex(where: { $0 < 0x20 || $0 == 0x7F }) {
                    throw ResourceParseError(.unexpectedCharacter, token: token, position: control,
                                             detail: "attribute text contains a control character")
                }
                if let number = try? Quantity.parse(token, position: valueBytes.startIndex, allowNegative: true) {
                    value = .scalar(number)
                } else {
                    value = .text(token)
                }
            }
            result.append(Attribute(name: name, value: value))
        }
        return Attributes(result)
    }
}

extension Attributes: Codable {
    /// Decodes the text format from a JSON string (the compact form operators write in agent configuration).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try Attributes.parse(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes the text format as a JSON string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
