import KeelCore
import Testing

@Suite struct RoleTests {
    @Test(arguments: ["*", "eng", "eng/web", "a/b/c", "team_1.x", "prod-east"])
    func acceptsValidNames(name: String) throws {
        #expect(try Role(name).name == name)
    }

    @Test(arguments: [
        ("", ""), (".", "."), ("..", ".."), ("eng/..", ".."), ("/eng", "/eng"), ("eng/", "eng/"),
        ("a//b", ""), ("e ng", "e ng"), ("e\tng", "e\tng"), ("e\u{1}g", "e\u{1}g"), ("-eng", "-eng"),
        ("eng/-x", "-x"), ("eng/*", "*"), ("a\\b", "a\\b"),
    ])
    func rejectsInvalidNames(name: String, token: String) {
        let error = #expect(throws: ResourceParseError.self) { try Role(name) }
        #expect(error?.reason == .invalidRole)
        #expect(error?.token == token)
    }

    @Test func reportsPositionOfOffendingComponent() {
        let error = #expect(throws: ResourceParseError.self) { try Role("eng/web/..", position: 10) }
        #expect(error?.position == 18)
    }

    @Test func hierarchy() throws {
        let web = try Role("eng/web")
        let eng = try Role("eng")
        #expect(web.isWithin(eng))
        #expect(web.isWithin(web))
        #expect(!eng.isWithin(web))
        #expect(!(try Role("engineering")).isWithin(eng))
        #expect(web.parent == eng)
        #expect(try Role("a/b/c").ancestors == [try Role("a/b"), try Role("a")])
        #expect(eng.parent == nil)
    }
}
