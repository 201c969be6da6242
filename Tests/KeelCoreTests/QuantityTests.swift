import KeelCore
import Testing

@Suite struct QuantityTests {
    @Test func parsesDecimalsExactly() throws {
        #expect(try Quantity.parse("4").milli == 4000)
        #expect(try Quantity.parse("0.5").milli == 500)
        #expect(try Quantity.parse("8192.125").milli == 8_192_125)
        #expect(try Quantity.parse("+2").milli == 2000)
        #expect(try Quantity.parse(".25").milli == 250)
    }

    @Test func roundsBeyondThreeDigitsHalfToEven() throws {
        #expect(try Quantity.parse("1.0004").milli == 1000)
        #expect(try Quantity.parse("1.0006").milli == 1001)
        #expect(try Quantity.parse("1.0005").milli == 1000)
        #expect(try Quantity.parse("1.0015").milli == 1002)
        #expect(try Quantity.parse("1.00050001").milli == 1001)
    }

    @Test(arguments: [
        ("-1", ResourceParseError.Reason.negativeAmount, 0),
        ("nan", .nonFiniteAmount, 0),
        ("inf", .nonFiniteAmount, 0),
        ("-Infinity", .nonFiniteAmount, 0),
        ("1e3", .invalidNumber, 1),
        ("4x", .invalidNumber, 1),
        ("1.2.3", .invalidNumber, 3),
        ("", .empty, 0),
        (".", .invalidNumber, 0),
        ("99999999999999999999", .amountTooLarge, 0),
    ])
    func rejectsBadAmounts(text: String, reason: ResourceParseError.Reason, position: Int) {
        let error = #expect(throws: ResourceParseError.self) { try Quantity.parse(text) }
        #expect(error?.reason == reason)
        #expect(error?.position == position)
        #expect(error?.token == text)
    }

    @Test func repeatedArithmeticNeverDrifts() throws {
        let tenth = try Quantity.parse("0.1")
        var total = Quantity.zero
        for _ in 0..<1_000_000 { total += tenth }
        #expect(total == Quantity(100_000))
        for _ in 0..<1_000_000 { total -= tenth }
        #expect(total == .zero)
    }

    @Test func printsShortestForm() throws {
        #expect(Quantity(milli: 4000).description == "4")
        #expect(Quantity(milli: 500).description == "0.5")
        #expect(Quantity(milli: 1025).description == "1.025")
        #expect(Quantity(milli: 1050).description == "1.05")
        #expect(Quantity(milli: -250).description == "-0.25")
        for milli: Int64 in [0, 1, 10, 999, 1001, 123_456_789] {
            #expect(try Quantity.parse(Quantity(milli: milli).description).milli == milli)
        }
    }

    @Test func saturatesInsteadOfTrapping() {
        #expect(Quantity.maximum + Quantity.maximum == .maximum)
        #expect(Quantity.minimum - Quantity.maximum == .minimum)
        #expect(Quantity(Double.nan) == nil)
        #expect(Quantity(Double.infinity) == nil)
        #expect(Quantity(1.2345)?.milli == 1234)
    }
}
