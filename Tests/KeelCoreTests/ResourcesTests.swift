import Foundation
import KeelCore
import Testing

@Suite struct ResourcesTests {
    @Test func parsesTheIssueExample() throws {
        let resources = try Resources.parse("cpus:4;mem:8192;ports:[31000-32000,40000-40010];cpus(eng):2")
        #expect(resources.scalar(named: "cpus") == Quantity(6))
        #expect(resources.unreserved.scalar(named: "cpus") == Quantity(4))
        #expect(resources.reserved(for: try Role("eng")).scalar(named: "cpus") == Quantity(2))
        #expect(resources.scalar(named: "mem") == Quantity(8192))
        #expect(resources.ranges(named: "ports").intervals == [31000...32000, 40000...40010])
        #expect(resources.count == 4)
    }

    @Test func textRoundTrips() throws {
        let text = "cpus:4;cpus(eng):2;cpus(eng/web,alice):0.5;disks:{a,b};mem:8192;ports:[31000-32000]"
        let resources = try Resources.parse(text)
        #expect(resources.description == text)
        #expect(try Resources.parse(resources.description) == resources)
    }

    @Test func orderAndRepetitionDoNotMatter() throws {
        let a = try Resources.parse("mem:10;cpus:1;cpus:1.5; ports:[5-6] ;")
        let b = try Resources.parse("cpus:2.5;ports:[5-6];mem:10")
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(try Resources.parse("").isEmpty)
    }

    @Test(arguments: [
        ("cpus:-1", ResourceParseError.Reason.negativeAmount, "-1", 5),
        ("cpus:1;mem:nan", .nonFiniteAmount, "nan", 11),
        ("mem:inf", .nonFiniteAmount, "inf", 4),
        ("ports:[5-3]", .invertedRange, "5-3", 7),
        ("ports:[1-5,3-8]", .overlappingRanges, "3-8", 11),
        ("ports:[1-5", .unterminated, "[1-5", 6),
        ("ports:[a-b]", .invalidRange, "a-b", 7),
        ("cpus(.):1", .invalidRole, ".", 5),
        ("cpus(eng/):1", .invalidRole, "eng/", 8),
        ("cpus( eng):1", .invalidRole, " eng", 5),
        ("cpus(eng:1", .expectedColon, "cpus(eng:1", 0),
        ("cpus 4", .expectedColon, "cpus 4", 0),
        ("cpus:4;cpus:[1-2]", .typeMismatch, "cpus", 7),
        ("cpus:4x", .invalidNumber, "4x", 6),
        ("c{pus:4", .invalidName, "c{pus", 0),
        (":4", .invalidName, "", 0),
        ("mem:1;cpus:", .empty, "", 11),
        ("disks:{a,a}", .invalidSetItem, "a", 9),
    ])
    func rejectsWithTokenAndPosition(text: String, reason: ResourceParseError.Reason, token: String, position: Int) {
        let error = #expect(throws: ResourceParseError.self) { try Resources.parse(text) }
        #expect(error?.reason == reason)
        #expect(error?.token == token)
        #expect(error?.position == position)
    }

    @Test func arithmeticMergesAndSplitsRanges() throws {
        let agent = try Resources.parse("cpus:2;mem:1024;ports:[31000-32000]")
        let task = try Resources.parse("cpus:0.5;mem:128;ports:[31000-31000,31500-31500]")
        let left = agent - task
        #expect(left == (try Resources.parse("cpus:1.5;mem:896;ports:[31001-31499,31501-32000]")))
        #expect(left + task == agent)
        #expect(agent.contains(task))
        #expect(!left.contains(task))
        #expect((agent - agent).isEmpty)
    }

    @Test func reservationsAreKeptApartAndFiltered() throws {
        let eng = try Role("eng")
        let web = try Role("eng/web")
        let resources = try Resources.parse("cpus:1;cpus(eng):2;cpus(eng/web):3;cpus(ops):4")
        #expect(resources.allocatable(to: web).scalar(named: "cpus") == Quantity(6))
        #expect(resources.allocatable(to: eng).scalar(named: "cpus") == Quantity(3))
        #expect(resources.allocatable(to: .any).scalar(named: "cpus") == Quantity(1))
        #expect(!(try Resources.parse("cpus(eng):5")).contains(try Resources.parse("cpus:1")))
        let dynamic = Resources([.scalar("cpus", Quantity(1), reservation: .dynamic(eng, principal: "a"))])
        let other = Resources([.scalar("cpus", Quantity(1), reservation: .dynamic(eng, principal: "b"))])
        #expect((dynamic + other).count == 2)
    }

    @Test func jsonRoundTripsAndValidates() throws {
        let resources = try Resources.parse("cpus:4;cpus(eng,alice):2;disks:{a};mem:8192;ports:[31000-32000]")
        let data = try JSONEncoder().encode(resources)
        #expect(try JSONDecoder().decode(Resources.self, from: data) == resources)
        let negative = Data(#"[{"name":"cpus","type":"SCALAR","scalar":{"value":-1}}]"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Resources.self, from: negative) }
        let inverted = Data(#"[{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":9,"end":1}]}}]"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Resources.self, from: inverted) }
        let badRole = Data(#"[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservation":{"role":".."}}]"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Resources.self, from: badRole) }
        let unknown = Data(#"[{"name":"cpus","type":"TEXT"}]"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Resources.self, from: unknown) }
    }

    /// Seeded property test of the algebra over random multi-kind, multi-reservation resources.
    @Test func seededAlgebraProperties() throws {
        var random = SplitMix64(seed: 42)
        let roles = [nil, try Role("eng"), try Role("eng/web")]
        func randomResources() -> Resources {
            var result = Resources()
            for _ in 0..<random.next(below: 6) {
                let reservation = roles[random.next(below: roles.count)].map { Reservation.static($0) }
                switch random.next(below: 3) {
                case 0:
                    let name = ["cpus", "mem", "gpus"][random.next(below: 3)]
                    result.add(.scalar(name, Quantity(milli: Int64(random.next(below: 5_000))), reservation: reservation))
                case 1:
                    let low = UInt64(random.next(below: 100))
                    let ranges = ValueRanges(normalizing: [low...(low + UInt64(random.next(below: 10)))])
                    result.add(Resource(name: "ports", value: .ranges(ranges), reservation: reservation))
                default:
                    let set = ValueSet(["a", "b", "c", "d"].filter { _ in random.next(below: 2) == 0 })
                    result.add(Resource(name: "disks", value: .set(set), reservation: reservation))
                }
            }
            return result
        }
        for _ in 0..<2_000 {
            let a = randomResources()
            let b = randomResources()
            #expect((a + b).contains(a) && (a + b).contains(b))
            #expect(a + b == b + a)
            #expect(a.contains(a - b))
            #expect((a - b) + (a - (a - b)) == a)
            #expect(try Resources.parse(a.description) == a)
            if a.contains(b) { #expect((a - b) + b == a) }
        }
    }
}
