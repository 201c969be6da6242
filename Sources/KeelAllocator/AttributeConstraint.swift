import KeelCore

/// A placement condition on an agent's attributes, evaluated inside the allocator so that agents a framework
/// would refuse anyway are never offered to it.
public enum AttributeConstraint: Sendable, Hashable, Codable {
    /// How ``numeric(_:_:_:)`` compares the attribute with the operand.
    public enum Comparison: String, Sendable, Hashable, Codable {
        /// attribute < operand
        case less = "<"
        /// attribute ≤ operand
        case lessOrEqual = "<="
        /// attribute > operand
        case greater = ">"
        /// attribute ≥ operand
        case greaterOrEqual = ">="
        /// attribute = operand
        case equal = "=="
        /// attribute ≠ operand
        case notEqual = "!="
    }

    /// The agent has an attribute named `name`.
    case exists(String)
    /// The agent has no attribute named `name`.
    case absent(String)
    /// The attribute equals `value`: text compares exactly, a scalar numerically (when `value` is a number),
    /// a set must contain `value`, ranges must contain the integer `value`.
    case equals(String, String)
    /// The attribute's text form wholly matches the regular expression `pattern` (Swift `Regex` syntax).
    case matches(String, pattern: String)
    /// The attribute is a scalar and compares with `operand` as given; a non-scalar attribute never satisfies it.
    case numeric(String, Comparison, Quantity)
    /// `true`: only agents with a positive `gpus` resource; `false`: only agents without GPUs.
    case hasGPU(Bool)

    /// Whether `attributes`/`hasGPU` satisfy the constraint; `regex` is the compiled ``matches(_:pattern:)``
    /// pattern (compiled once per allocation cycle because `Regex` is not `Sendable`).
    func isSatisfied(by attributes: Attributes, hasGPU agentHasGPU: Bool, regex: Regex<AnyRegexOutput>?) -> Bool {
        switch self {
        case .exists(let name): return attributes[name] != nil
        case .absent(let name): return attributes[name] == nil
        case .equals(let name, let expected):
            switch attributes[name] {
            case nil: return false
            case .text(let text): return text == expected
            case .scalar(let amount): return (try? Quantity.parse(expected, position: 0)).map { $0 == amount }
                ?? (amount.description == expected)
            case .set(let set): return set.items.contains(expected)
            case .ranges(let ranges): return UInt64(expected).map { ranges.contains($0) } ?? false
            }
        case .matches(let name, _):
            guard let value = attributes[name], let regex else { return false }
            return (try? regex.wholeMatch(in: value.description)) != nil
        case .numeric(let name, let comparison, let operand):
            guard case .scalar(let amount)? = attributes[name] else { return false }
            switch comparison {
            case .less: return amount < operand
            case .lessOrEqual: return amount <= operand
            case .greater: return amount > operand
            case .greaterOrEqual: return amount >= operand
            case .equal: return amount == operand
            case .notEqual: return amount != operand
            }
        case .hasGPU(let wanted): return agentHasGPU == wanted
        }
    }
}
