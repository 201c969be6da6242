import KeelCodec
@testable import KeelActors
import Testing

@Suite("Handshake state machine")
struct HandshakeStateMachineTests {
    let a = NodeID(endpoint: Endpoint(host: "10.0.0.1", port: 5050), incarnation: 1)
    let b = NodeID(endpoint: Endpoint(host: "10.0.0.2", port: 5051), incarnation: 2)

    func machines(secretA: [UInt8]?, secretB: [UInt8]?, clusterB: String = "keel") -> (HandshakeStateMachine, HandshakeStateMachine) {
        (HandshakeStateMachine(local: a, cluster: "keel", secret: secretA, initiator: true, nonce: Array(repeating: 1, count: 32)),
         HandshakeStateMachine(local: b, cluster: clusterB, secret: secretB, initiator: false, nonce: Array(repeating: 2, count: 32)))
    }

    /// Feeds one frame (with its 4 reserved header bytes) to a machine.
    func deliver(_ frame: [UInt8], to machine: inout HandshakeStateMachine) -> [HandshakeStateMachine.Action] {
        let body = frame[FrameBuffer.headerSize...]
        guard let kind = FrameKind(rawValue: body.first ?? 0) else { return [] }
        var reader = ByteReader(body.dropFirst())
        return machine.receive(kind: kind, &reader)
    }

    /// Runs both machines to completion, exchanging frames.
    func run(_ x: inout HandshakeStateMachine, _ y: inout HandshakeStateMachine) {
        var toY = [x.hello()], toX = [y.hello()]
        for _ in 0..<4 {
            let forY = toY, forX = toX
            toY = []; toX = []
            for frame in forY {
                for case .send(let reply) in deliver(frame, to: &y) { toX.append(reply) }
            }
            for frame in forX {
                for case .send(let reply) in deliver(frame, to: &x) { toY.append(reply) }
            }
        }
    }

    @Test func withoutSecretsBothSidesEstablish() {
        var (x, y) = machines(secretA: nil, secretB: nil)
        run(&x, &y)
        #expect(x.state == .established(b))
        #expect(y.state == .established(a))
    }

    @Test func matchingSecretsEstablishAfterMutualProof() {
        var (x, y) = machines(secretA: Array("s3cret".utf8), secretB: Array("s3cret".utf8))
        run(&x, &y)
        #expect(x.state == .established(b))
        #expect(y.state == .established(a))
    }

    @Test func wrongSecretIsRejected() {
        var (x, y) = machines(secretA: Array("right".utf8), secretB: Array("wrong".utf8))
        run(&x, &y)
        #expect(x.state == .failed("authentication failed: wrong shared secret"))
        #expect(y.state == .failed("authentication failed: wrong shared secret"))
    }

    @Test func missingSecretOnEitherSideIsRejected() {
        var (x, y) = machines(secretA: nil, secretB: Array("s".utf8))
        run(&x, &y)
        #expect(x.state == .failed("peer requires authentication but this node has no shared secret"))
        #expect(y.state == .failed("authentication required but the peer offered none (no shared secret configured)"))
    }

    @Test func clusterMismatchIsRejectedWithBothNames() {
        var (x, y) = machines(secretA: nil, secretB: nil, clusterB: "other")
        run(&x, &y)
        #expect(x.state == .failed("cluster name \"other\" does not match \"keel\""))
    }

    @Test func versionAndMagicMismatchesAreRejected() {
        var (x, _) = machines(secretA: nil, secretB: nil)
        var hello = Hello(magic: WireProtocol.magic, version: 99, cluster: "keel", node: b, nonce: Array(repeating: 3, count: 32), authRequired: false)
        #expect(deliver(hello.frame(), to: &x) == [.reject("protocol version 99 is not supported (this node speaks 1)")])
        var (x2, _) = machines(secretA: nil, secretB: nil)
        hello.version = WireProtocol.version
        hello.magic = 0x4854_5450  // "HTTP"
        #expect(deliver(hello.frame(), to: &x2) == [.reject("bad magic 0x48545450; not a Keel node")])
    }

    @Test func aReflectedProofDoesNotAuthenticate() {
        // An attacker without the secret echoes our own proof back: the role byte makes it differ.
        let secret = Array("s3cret".utf8)
        var (x, _) = machines(secretA: secret, secretB: nil)
        let attackerNonce = [UInt8](repeating: 9, count: 32)
        let attackerHello = Hello(magic: WireProtocol.magic, version: WireProtocol.version, cluster: "keel", node: b, nonce: attackerNonce, authRequired: true)
        let actions = deliver(attackerHello.frame(), to: &x)
        guard case .send(let ourProof)? = actions.first else {
            Issue.record("expected our proof, got \(actions)")
            return
        }
        #expect(deliver(ourProof, to: &x) == [.reject("authentication failed: wrong shared secret")])
    }

    @Test func callsBeforeTheHandshakeAreAViolation() {
        var (x, _) = machines(secretA: nil, secretB: nil)
        var reader = ByteReader([UInt8]([0, 0, 0]))
        #expect(x.receive(kind: .call, &reader) == [.reject("protocol violation: call frame during the handshake")])
    }

    @Test func truncatedHelloIsRejectedNotCrashed() {
        var (x, _) = machines(secretA: nil, secretB: nil)
        let frame = Hello(magic: WireProtocol.magic, version: 1, cluster: "keel", node: b, nonce: Array(repeating: 3, count: 32), authRequired: false).frame()
        for cut in (FrameBuffer.headerSize + 1)..<frame.count {
            var machine = x
            let actions = deliver(Array(frame[..<cut]), to: &machine)
            guard case .reject(let reason)? = actions.first else {
                Issue.record("cut at \(cut): \(actions)")
                continue
            }
            #expect(reason.hasPrefix("malformed hello"))
        }
        _ = deliver(frame, to: &x)
        #expect(x.isEstablished)
    }
}

@Suite("Target dispatch")
struct TargetDispatchTests {
    @Test func unknownAndMalformedTargetsAreRejectedPrecisely() {
        for name in ["", "garbage", "$sSS", "$s11KeelTesting", String(repeating: "A", count: 300)] {
            #expect(throws: ActorSystemError.self, "\(name)") {
                _ = try TargetDispatch.plan(target: name, substitutionNames: []) { [] }
            }
        }
    }

    @Test func aRealTargetsSignatureIsResolvedOnceAndCached() throws {
        // EchoActor.greet(_: String) -> String, as its distributed thunk is mangled.
        let name = "$s11KeelTesting9EchoActorC5greetyS2SYaKFTE"
        let plan = try TargetDispatch.plan(target: name, substitutionNames: []) { [] }
        #expect(ObjectIdentifier(plan.returnType) == ObjectIdentifier(String.self))
        #expect(ObjectIdentifier(plan.argumentTypes[0]) == ObjectIdentifier(String.self))
        #expect(!plan.returnsVoid)
        let again = try TargetDispatch.plan(target: name, substitutionNames: []) { Issue.record("not cached"); return [] }
        #expect(again === plan)
    }
}
