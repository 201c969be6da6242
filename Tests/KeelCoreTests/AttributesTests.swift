import Foundation
import KeelCore
import Testing

@Suite struct AttributesTests {
    @Test func parsesTheIssueExample() throws {
        let attributes = try Attributes.parse("rack:r1;zone:us-east-1a;ssd:true;level:3;slots:[1-4];tags:{a,b}")
        #expect(attributes["rack"] == .text("r1"))
        #expect(attributes["zone"] == .text("us-east-1a"))
        #expect(attributes["ssd"] == .text("true"))
        #expect(attributes["level"] == .scalar(Quantity(3)))
        #expect(attributes["slots"] == .ranges(ValueRanges(normalizing: [1...4])))
        #expect(attributes["tags"] == .set(ValueSet(["a", "b"])))
        #expect(attributes["missing"] == nil)
        #expect(try Attributes.parse(attributes.description) == attributes)
        let data = try JSONEncoder().encode(attributes)
        #expect(try JSONDecoder().decode(Attributes.self, from: data) == attributes)
    }

    @Test(arguments: [
        ("rack", ResourceParseError.Reason.expectedColon, 0),
        ("rack:r1;rack:r2", .invalidName, 8),
        ("rack:", .empty, 5),
        ("slots:[4-1]", .invertedRange, 7),
        ("x y:1", .invalidName, 0),
        ("zone:a\u{1}b", .unexpectedCharacter, 6),
    ])
    func rejectsWithPosition(text: String, reason: ResourceParseError.Reason, position: Int) {
        let error = #expect(throws: ResourceParseError.self) { try Attributes.parse(text) }
        #expect(error?.reason == reason)
        #expect(error?.position == position)
    }

    @Test func errorsAreCodable() throws {
        let error = ResourceParseError(.invalidRole, token: "..", position: 5, detail: "bad")
        let data = try JSONEncoder().encode(error)
        #expect(try JSONDecoder().decode(ResourceParseError.self, from: data) == error)
        #expect(error.description.contains("'..'"))
    }
}
