import Distributed
import KeelCodec
import Synchronization

/// Mangled names of the types callers record as generic substitutions: the runtime builds a new
/// string on every `_mangledTypeName`. Bounded, though a program names finitely many types.
final class SubstitutionNames: Sendable {
    private let names = Mutex<[ObjectIdentifier: String]>([:])
    private static let capacity = 1024

    /// The mangled name of `type`, or nil when it has none.
    func name<T>(of type: T.Type) -> String? {
        let key = ObjectIdentifier(type)
        if let name = names.withLock({ $0[key] }) { return name }
        guard let name = _mangledTypeName(type) else { return nil }
        names.withLock { table in
            if table.count < Self.capacity { table[key] = name }
        }
        return name
    }
}

/// Records a distributed call's arguments in the binary wire format.
///
/// Each argument is encoded with ``BinaryEncoder`` behind a 4-byte length, so the receiver can
/// decode them one by one, in order, as the target's thunk asks for them.
public struct KeelInvocationEncoder: DistributedTargetInvocationEncoder {
    public typealias SerializationRequirement = any Codable

    var arguments = ByteWriter(capacity: 128)
    var argumentCount = 0
    /// The mangled names of the generic substitutions, in order. The first is kept inline: a call
    /// through a `@Resolvable` stub records exactly one (the stub type), and an array for it would
    /// be an allocation per call.
    private(set) var firstSubstitution: String?
    private(set) var moreSubstitutions: [String] = []
    let encoder: BinaryEncoder
    let substitutionNames: SubstitutionNames

    init(encoder: BinaryEncoder, substitutionNames: SubstitutionNames) {
        self.encoder = encoder
        self.substitutionNames = substitutionNames
    }

    public mutating func recordGenericSubstitution<T>(_ type: T.Type) throws {
        guard let name = substitutionNames.name(of: T.self) else {
            throw ActorSystemError.serialization("type \(T.self) has no mangled name")
        }
        if firstSubstitution == nil {
            firstSubstitution = name
        } else {
            moreSubstitutions.append(name)
        }
    }

    /// How many generic substitutions were recorded.
    var substitutionCount: Int { firstSubstitution == nil ? 0 : 1 + moreSubstitutions.count }

    public mutating func recordArgument<Value: Codable>(_ argument: RemoteCallArgument<Value>) throws {
        let start = arguments.reserveUInt32()
        do {
            try encoder.encode(argument.value, into: &arguments)
        } catch {
            throw ActorSystemError.serialization("argument \(argument.label ?? argument.name) of type \(Value.self): \(error)")
        }
        arguments.patchUInt32BE(UInt32(truncatingIfNeeded: arguments.count - start - 4), at: start)
        argumentCount += 1
    }

    public mutating func recordReturnType<R: Codable>(_ type: R.Type) throws {}
    public mutating func recordErrorType<E: Error>(_ type: E.Type) throws {}
    public mutating func doneRecording() throws {}
}

/// Decodes a received call's arguments for the target's thunk.
public struct KeelInvocationDecoder: DistributedTargetInvocationDecoder, Sendable {
    public typealias SerializationRequirement = any Codable

    var reader: ByteReader
    let genericSubstitutions: [String]
    let system: KeelActorSystem

    init(reader: ByteReader, genericSubstitutions: [String], system: KeelActorSystem) {
        self.reader = reader
        self.genericSubstitutions = genericSubstitutions
        self.system = system
    }

    public mutating func decodeGenericSubstitutions() throws -> [Any.Type] {
        // Only registered types, or the stub class of a `@Resolvable` protocol (which callers
        // record as the `Self` substitution), may be named by the network.
        try genericSubstitutions.map { name in
            if let type = system.wireTypes.withLock({ $0[name] }) { return type }
            if ResolvableStubName.isWellFormed(name), let type = _typeByName(name), type is any DistributedActor.Type {
                system.wireTypes.withLock { $0[name] = type }
                return type
            }
            throw ActorSystemError.typeNotAllowed(name)
        }
    }

    public mutating func decodeNextArgument<Argument: Codable>() throws -> Argument {
        do {
            let length = try reader.readUInt32BE()
            let bytes = try reader.readRaw(count: Int(length))
            return try system.makeDecoder().decode(Argument.self, from: bytes)
        } catch let error as ActorSystemError {
            throw error
        } catch {
            throw ActorSystemError.serialization("argument of type \(Argument.self): \(error)")
        }
    }

    public mutating func decodeErrorType() throws -> Any.Type? { nil }
    public mutating func decodeReturnType() throws -> Any.Type? { nil }
}

/// Sends the outcome of a received call back to the caller on the connection it came from.
public struct KeelResultHandler: DistributedTargetInvocationResultHandler, Sendable {
    public typealias SerializationRequirement = any Codable

    let callID: UInt64
    /// The connection the call came from; nil for a call made on this node through a stub, whose
    /// reply is handed straight back to the waiting caller.
    let link: Link?
    let system: KeelActorSystem

    private func deliver(_ frame: [UInt8]) {
        if let link {
            link.send(frame)
        } else {
            system.deliverLocalReply(frame)
        }
    }

    public func onReturn<Success: Codable>(value: Success) async throws {
        sendValue(value)
    }

    /// ``onReturn(value:)`` for callers that know the type is `Encodable`: the entry point of the
    /// protocol's ad-hoc requirement looks the conformances up at run time on every call.
    func sendValue<Success: Encodable>(_ value: Success) {
        var writer = Frames.replyHeader(callID: callID, status: .value, capacity: 128)
        let start = writer.reserveUInt32()
        do {
            try system.encoder.encode(value, into: &writer)
        } catch {
            return sendError(ActorSystemError.serialization("result of type \(Success.self): \(error)"))
        }
        writer.patchUInt32BE(UInt32(truncatingIfNeeded: writer.count - start - 4), at: start)
        if writer.count > system.configuration.maxFrameSize {
            return sendError(ActorSystemError.frameTooLarge(size: writer.count, limit: system.configuration.maxFrameSize))
        }
        deliver(Frames.finish(&writer))
    }

    public func onReturnVoid() async throws {
        sendVoid()
    }

    public func onThrow<Err: Error>(error: Err) async throws {
        sendError(error)
    }

    /// ``onReturnVoid()`` without an `async` hop: the reply is built and handed to the connection.
    func sendVoid() {
        var writer = Frames.replyHeader(callID: callID, status: .void, capacity: 16)
        deliver(Frames.finish(&writer))
    }

    /// ``onThrow(error:)`` without an `async` hop.
    func sendError(_ error: any Error) {
        deliver(system.errorReply(callID: callID, error: error))
    }
}

/// Recognises the mangled name of a `@Resolvable` stub: a plain, non-generic class `$Name` at module
/// level, i.e. `<n>Module<m>$NameC`. Anything else (generics, nesting, other kinds) is rejected
/// before the runtime is asked to look the name up.
enum ResolvableStubName {
    static func isWellFormed(_ name: String) -> Bool {
        var bytes = Substring(name).utf8[...]
        guard bytes.last == UInt8(ascii: "C") else { return false }
        bytes = bytes.dropLast()
        var identifiers: [Substring.UTF8View.SubSequence] = []
        while !bytes.isEmpty {
            var length = 0
            var digits = 0
            while let byte = bytes.first, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                length = length * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
                bytes = bytes.dropFirst()
                if digits > 3 { return false }
            }
            guard digits > 0, length > 0, bytes.count >= length else { return false }
            let identifier = bytes.prefix(length)
            guard identifier.allSatisfy({ $0 == UInt8(ascii: "$") || $0 == UInt8(ascii: "_") || ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) }) else { return false }
            identifiers.append(identifier)
            bytes = bytes.dropFirst(length)
        }
        return identifiers.count == 2 && identifiers[1].first == UInt8(ascii: "$")
    }
}
