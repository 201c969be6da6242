extension Quantity {
    /// Parses a non-negative decimal amount such as `4`, `0.5` or `8192.25`.
    ///
    /// Digits beyond the third decimal are rounded half-to-even, as Mesos does. `nan`, `inf`, signs other than a
    /// leading `+`, exponents and anything that is not a plain decimal are rejected with the token and `position`.
    /// - Parameter position: where `text` starts in the caller's input, so errors point into the whole input.
    public static func parse(_ text: some StringProtocol, position: Int = 0) throws(ResourceParseError) -> Quantity {
        try parse(text, position: position, allowNegative: false)
    }

    /// The shared decimal parser; attributes may carry negative numbers, resources may not.
    static func parse(
        _ text: some StringProtocol, position: Int, allowNegative: Bool
    ) throws(ResourceParseError) -> Quantity {
        let token = String(text)
        let bytes = Array(token.utf8)
        guard !bytes.isEmpty else {
            throw ResourceParseError(.empty, token: token, position: position, detail: "expected a number")
        }
        let lowered = token.lowercased()
        for word in ["nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"]
        where lowered == word {
            throw ResourceParseError(.nonFiniteAmount, token: token, position: position,
                                     detail: "amounts must be finite")
        }
        var index = 0
        var negative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            index = 1
        }
        if negative && !allowNegative {
            throw ResourceParseError(.negativeAmount, token: token, position: position,
                                     detail: "amounts must not be negative")
        }
        var whole: Int64 = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var roundingDigit: UInt8 = 0
        var stickyNonZero = false
        var sawDigit = false
        var sawPoint = false
        let limit = Quantity.maximum.milli / Quantity.scale
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") && !sawPoint {
                sawPoint = true
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                sawDigit = true
                let digit = Int64(byte - UInt8(ascii: "0"))
                if !sawPoint {
                    whole = whole * 10 + digit
                    if whole > limit {
                        throw ResourceParseError(.amountTooLarge, token: token, position: position,
                                                 detail: "amount exceeds \(Quantity.maximum)")
                    }
                } else if fractionDigits < 3 {
                    fraction = fraction * 10 + digit
                    fractionDigits += 1
                } else if fractionDigits == 3 {
                    roundingDigit = UInt8(digit)
                    fractionDigits += 1
                } else if digit != 0 {
                    stickyNonZero = true
                }
            } else {
                throw ResourceParseError(.invalidNumber, token: token, position: position + index,
                                         detail: "unexpected character in number '\(token)'")
            }
            index += 1
        }
        guard sawDigit else {
            throw ResourceParseError(.invalidNumber, token: token, position: position,
                                     detail: "expected a decimal number")
        }
        for _ in Swift.min(fractionDigits, 3)..<3 { fraction *= 10 }
        var milli = whole * Quantity.scale + fraction
        if roundingDigit > 5 || (roundingDigit == 5 && (stickyNonZero || milli % 2 == 1)) { milli += 1 }
        return Quantity(milli: negative ? -milli : milli)
    }
}
