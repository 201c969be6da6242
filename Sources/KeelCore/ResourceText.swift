/// The shared tokenizer for the `name:value;name:value` text formats of resources and attributes.
///
/// It works on UTF-8 bytes so every error can carry an exact byte offset into the caller's input.
enum ResourceText {
    /// One `;`-separated item with surrounding blanks trimmed; `offset` is where `bytes` starts in the input.
    struct Segment {
        var bytes: ArraySlice<UInt8>
        var offset: Int { bytes.startIndex }
        var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    static func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, isBlank(first) { slice = slice.dropFirst() }
        while let last = slice.last, isBlank(last) { slice = slice.dropLast() }
        return slice
    }

    static func string(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    /// Splits on `;`, trims blanks, and skips empty items (so a trailing `;` is harmless).
    static func segments(_ bytes: [UInt8]) -> [Segment] {
        var result: [Segment] = []
        var start = 0
        for index in 0...bytes.count where index == bytes.count || bytes[index] == UInt8(ascii: ";") {
            let item = trimmed(bytes[start..<index])
            if !item.isEmpty { result.append(Segment(bytes: item)) }
            start = index + 1
        }
        return result
    }

    /// Splits `name<rest>` at the first `:`; `name` may carry a `(role…)` suffix that `:` inside is not part of.
    static func splitNameValue(
        _ segment: Segment
    ) throws(ResourceParseError) -> (head: ArraySlice<UInt8>, value: ArraySlice<UInt8>) {
        var depth = 0
        for index in segment.bytes.indices {
            switch segment.bytes[index] {
            case UInt8(ascii: "("): depth += 1
            case UInt8(ascii: ")"): depth -= 1
            case UInt8(ascii: ":") where depth == 0:
                return (segment.bytes[segment.bytes.startIndex..<index],
                        trimmed(segment.bytes[(index + 1)...]))
            default: continue
            }
        }
        throw ResourceParseError(.expectedColon, token: segment.text, position: segment.offset,
                                 detail: "expected 'name:value'")
    }

    /// Parses `[a-b,c-d]` (the brackets included); overlap is an error because operators wrote the text.
    static func parseRanges(_ bytes: ArraySlice<UInt8>) throws(ResourceParseError) -> ValueRanges {
        let body = try enclosed(bytes, open: UInt8(ascii: "["), close: UInt8(ascii: "]"))
        var ranges: [(ClosedRange<UInt64>, Int, String)] = []
        for item in split(body, on: UInt8(ascii: ",")) {
            let token = string(item)
            guard !item.isEmpty else {
                throw ResourceParseError(.invalidRange, token: "", position: item.startIndex,
                                         detail: "empty range item")
            }
            let parts = item.split(separator: UInt8(ascii: "-"), maxSplits: 1, omittingEmptySubsequences: false)
            guard let first = parts.first, let begin = UInt64(string(trimmed(first))),
                  let end = parts.count == 2 ? UInt64(string(trimmed(parts[1]))) : begin else {
                throw ResourceParseError(.invalidRange, token: token, position: item.startIndex,
                                         detail: "expected 'begin-end' with non-negative integers")
            }
            guard begin <= end else {
                throw ResourceParseError(.invertedRange, token: token, position: item.startIndex,
                                         detail: "range end \(end) is below its begin \(begin)")
            }
            ranges.append((begin...end, item.startIndex, token))
        }
        ranges.sort { $0.0.lowerBound < $1.0.lowerBound }
        for (previous, next) in zip(ranges, ranges.dropFirst()) where next.0.lowerBound <= previous.0.upperBound {
            throw ResourceParseError(.overlappingRanges, token: next.2, position: next.1,
                                     detail: "range '\(next.2)' overlaps '\(previous.2)'")
        }
        return ValueRanges(normalizing: ranges.map(\.0))
    }

    /// Parses `{a,b,c}` (the braces included), rejecting empty and repeated items.
    static func parseSet(_ bytes: ArraySlice<UInt8>) throws(ResourceParseError) -> ValueSet {
        let body = try enclosed(bytes, open: UInt8(ascii: "{"), close: UInt8(ascii: "}"))
        var seen = Set<String>()
        if trimmed(body).isEmpty { return ValueSet() }
        for item in split(body, on: UInt8(ascii: ",")) {
            let token = string(item)
            guard !item.isEmpty, Resource.isValidName(token), seen.insert(token).inserted else {
                throw ResourceParseError(.invalidSetItem, token: token, position: item.startIndex,
                                         detail: "set items must be non-empty, printable and distinct")
            }
        }
        return ValueSet(seen)
    }

    private static func enclosed(
        _ bytes: ArraySlice<UInt8>, open: UInt8, close: UInt8
    ) throws(ResourceParseError) -> ArraySlice<UInt8> {
        guard bytes.first == open else {
            throw ResourceParseError(.unexpectedCharacter, token: string(bytes), position: bytes.startIndex,
                                     detail: "expected '\(Character(Unicode.Scalar(open)))'")
        }
        guard bytes.count >= 2, bytes.last == close else {
            throw ResourceParseError(.unterminated, token: string(bytes), position: bytes.startIndex,
                                     detail: "missing '\(Character(Unicode.Scalar(close)))'")
        }
        let body = bytes.dropFirst().dropLast()
        if let stray = body.firstIndex(where: { $0 == open || $0 == close }) {
            throw ResourceParseError(.unexpectedCharacter, token: string(bytes[stray...stray]), position: stray,
                                     detail: "nested or stray bracket")
        }
        return body
    }

    private static func split(_ bytes: ArraySlice<UInt8>, on separator: UInt8) -> [ArraySlice<UInt8>] {
        bytes.split(separator: separator, omittingEmptySubsequences: false).map { trimmed($0) }
    }

    /// Parses resource text into entries paired with the byte offset where each began.
    static func parseResourceEntries(_ text: String) throws(ResourceParseError) -> [(Resource, Int)] {
        let bytes = Array(text.utf8)
        var result: [(Resource, Int)] = []
        var kinds: [String: (tag: Int, position: Int)] = [:]
        for segment in segments(bytes) {
            let (head, valueBytes) = try splitNameValue(segment)
            var nameBytes = head
            var reservation: Reservation?
            if let open = head.firstIndex(of: UInt8(ascii: "(")) {
                nameBytes = head[head.startIndex..<open]
                reservation = try parseReservation(head[open...])
            }
            let name = string(nameBytes)
            guard Resource.isValidName(name) else {
                throw ResourceParseError(.invalidName, token: name, position: nameBytes.startIndex,
                                         detail: "resource names must be non-empty and free of blanks and ;:()[]{},")
            }
            guard !valueBytes.isEmpty else {
                throw ResourceParseError(.empty, token: "", position: valueBytes.startIndex,
                                         detail: "missing value for '\(name)'")
            }
            let value: ResourceValue
            switch valueBytes.first {
            case UInt8(ascii: "["): value = .ranges(try parseRanges(valueBytes))
            case UInt8(ascii: "{"): value = .set(try parseSet(valueBytes))
            default: value = .scalar(try Quantity.parse(string(valueBytes), position: valueBytes.startIndex))
            }
            if let previous = kinds[name], previous.tag != value.kindTag {
                throw ResourceParseError(.typeMismatch, token: name, position: segment.offset,
                                         detail: "'\(name)' was a \(["scalar", "ranges", "set"][previous.tag])"
                                             + " at \(previous.position) but is \(value.typeName) here")
            }
            kinds[name] = (value.kindTag, segment.offset)
            result.append((Resource(name: name, value: value, reservation: reservation), segment.offset))
        }
        return result
    }

    /// `(role)` → static, `(role,principal)` → dynamic (an empty principal means none).
    private static func parseReservation(_ bytes: ArraySlice<UInt8>) throws(ResourceParseError) -> Reservation {
        guard bytes.last == UInt8(ascii: ")") else {
            throw ResourceParseError(.unterminated, token: string(bytes), position: bytes.startIndex,
                                     detail: "missing ')' after the reservation role")
        }
        let body = bytes.dropFirst().dropLast()
        let parts = body.split(separator: UInt8(ascii: ","), maxSplits: 1, omittingEmptySubsequences: false)
        let roleBytes = parts.first ?? body
        let role = try Role(string(roleBytes), position: roleBytes.startIndex)
        guard parts.count == 2 else { return .static(role) }
        let principal = string(parts[1])
        if principal.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: ")") }) {
            throw ResourceParseError(.unexpectedCharacter, token: principal, position: parts[1].startIndex,
                                     detail: "principal contains a control character")
        }
        return .dynamic(role, principal: principal.isEmpty ? nil : principal)
    }
}
