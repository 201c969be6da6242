import Distributed
import KeelTesting
import Testing
@testable import KeelActors

/// Replies read on the loop for callers elsewhere are resumed together; each caller must still get
/// its own outcome, exactly once.
@Suite struct OffLoopResumptionsTests {
    @Test func aBatchResumesEveryCallerWithItsOwnOutcomeAndIsTakenOnce() async {
        let callers = 8
        let (handedOver, handOver) = AsyncStream<(Int, UnsafeContinuation<CallOutcome, Never>)>.makeStream()
        await withTaskGroup(of: (Int, [UInt8]?).self) { group in
            for index in 0..<callers {
                group.addTask {
                    let outcome = await withUnsafeContinuation { handOver.yield((index, $0)) }
                    guard case .success(let bytes) = outcome else { return (index, nil) }
                    return (index, Array(bytes))
                }
            }
            var resumptions = OffLoopResumptions()
            var firsts = 0
            var received = 0
            for await (index, continuation) in handedOver {
                if resumptions.add(continuation, .success([UInt8(index)])) { firsts += 1 }
                received += 1
                if received == callers { break }
            }
            #expect(firsts == 1, "only the first resumption of a batch asks for a flush")
            let batch = resumptions.flush()
            #expect(batch.count == callers)
            #expect(resumptions.flush().isEmpty, "a flushed batch is gone")
            OffLoopResumptions.resume(batch)
            var results: [Int: [UInt8]?] = [:]
            for await (index, bytes) in group { results[index] = bytes }
            #expect(results.count == callers)
            for index in 0..<callers { #expect(results[index] == [UInt8(index)]) }
        }
    }

    /// Many plain tasks (not on the loop) calling at once: their replies arrive in bursts and are
    /// resumed in batches from the pool; every caller must get the reply to its own call.
    @Test(arguments: TransportKind.allCases)
    func everyPlainCallerGetsItsOwnReply(_ kind: TransportKind) async throws {
        let cluster = TestCluster(kind)
        let (server, actor) = try cluster.echoNode("server")
        let client = try cluster.node("client")
        let echo = try await client.resolve($EchoService.self, named: "echo", at: server.endpoint)
        let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
            for caller in 0..<64 {
                group.addTask {
                    var mismatches = 0
                    for call in 0..<50 {
                        let payload = [UInt8(caller), UInt8(call)]
                        if try await echo.echo(payload) != payload { mismatches += 1 }
                    }
                    return mismatches
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(mismatches == 0)
        withExtendedLifetime(actor) {}
        await cluster.shutdown()
    }
}
