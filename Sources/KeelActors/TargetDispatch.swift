import Distributed
import Synchronization

// Incoming calls normally go through `executeDistributedTarget`, which demangles the target's
// signature (parameter count, parameter types, return type) on *every* call — measured at about a
// quarter of a node's CPU per call. `TargetDispatch` does that work once per target and then calls
// the same runtime entry point the standard library uses, `swift_distributed_execute_target`
// (exported by libswiftDistributed, the symbol behind `executeDistributedTarget` since Swift 5.7).
// The declarations below mirror the standard library's own: `UnsafeRawPointer` stands where it
// uses `Builtin.RawPointer` (same representation), and the generic decoder parameter supplies the
// decoder's metadata and witness table exactly as in the original declaration.

@_silgen_name("swift_distributed_execute_target")
private func runtimeExecuteTarget<D: DistributedTargetInvocationDecoder>(
    on actor: AnyObject,
    _ targetName: UnsafePointer<UInt8>, _ targetNameLength: UInt,
    argumentDecoder: inout D,
    argumentTypes: UnsafeRawPointer,
    resultBuffer: UnsafeMutableRawPointer,
    substitutions: UnsafeRawPointer?,
    witnessTables: UnsafeRawPointer?,
    numWitnessTables: UInt
) async throws

@_silgen_name("swift_func_getParameterTypeInfo")
private func runtimeParameterTypes(
    _ name: UnsafePointer<UInt8>, _ nameLength: UInt,
    _ genericEnvironment: UnsafeRawPointer?, _ genericArguments: UnsafeRawPointer?,
    _ types: UnsafeMutableRawPointer, _ typesLength: Int
) -> Int32

/// What the runtime needs to run one distributed target, computed once.
///
/// Safety for `@unchecked Sendable`: every field is written in `init` and never again; the buffers
/// it points to are allocated there, never mutated afterwards and never freed (plans live in a
/// bounded process-wide cache), so sharing them between threads is read-only access.
final class TargetPlan: @unchecked Sendable {
    let name: UnsafeMutablePointer<UInt8>
    let nameLength: Int
    let argumentTypes: UnsafeMutablePointer<Any.Type>
    let returnType: Any.Type
    let returnsVoid: Bool
    /// The return type as `Codable`, found once here instead of casting every result.
    let codableReturnType: (any Codable.Type)?
    let substitutions: UnsafeMutablePointer<Any.Type>?
    let witnessTables: UnsafeRawPointer?
    let witnessTableCount: Int

    init(target: String, substitutions types: [Any.Type]) throws {
        let utf8 = Array(target.utf8)
        name = .allocate(capacity: max(1, utf8.count))
        name.initialize(from: utf8, count: utf8.count)
        nameLength = utf8.count
        let length = UInt(utf8.count)

        var environment: UnsafeRawPointer?
        if types.isEmpty {
            substitutions = nil
            witnessTables = nil
            witnessTableCount = 0
        } else {
            guard let found = _getGenericEnvironmentOfDistributedTarget(name, length) else {
                throw ActorSystemError.unknownTarget("\(target): no generic environment")
            }
            environment = found
            let buffer = UnsafeMutablePointer<Any.Type>.allocate(capacity: types.count)
            buffer.initialize(from: types, count: types.count)
            substitutions = buffer
            let (tables, count) = _getWitnessTablesFor(environment: found, genericArguments: buffer)
            guard count >= 0 else { throw ActorSystemError.unknownTarget("\(target): generic requirements not satisfied") }
            witnessTables = tables
            witnessTableCount = count
        }

        let count = __getParameterCount(name, length)
        guard count >= 0 else { throw ActorSystemError.unknownTarget(target) }
        argumentTypes = .allocate(capacity: max(1, Int(count)))
        let decoded = runtimeParameterTypes(name, length, environment, UnsafeRawPointer(substitutions),
                                            UnsafeMutableRawPointer(argumentTypes), Int(count))
        guard decoded == count else { throw ActorSystemError.unknownTarget("\(target): parameter types could not be resolved") }
        guard let result = __getReturnTypeInfo(name, length, environment, UnsafeRawPointer(substitutions)) else {
            throw ActorSystemError.unknownTarget("\(target): return type could not be resolved")
        }
        returnType = result
        returnsVoid = result == Void.self
        codableReturnType = result as? any Codable.Type
    }
}

/// A bounded, process-wide cache of plans keyed by target name and generic substitutions.
enum TargetDispatch {
    private static let plans = Mutex<[String: TargetPlan]>([:])
    private static let capacity = 4096

    static func plan(target: String, substitutionNames: [String], substitutions: () throws -> [Any.Type]) throws -> TargetPlan {
        let key = substitutionNames.isEmpty ? target : target + "\u{0}" + substitutionNames.joined(separator: "\u{0}")
        if let plan = plans.withLock({ $0[key] }) { return plan }
        let plan = try TargetPlan(target: target, substitutions: try substitutions())
        plans.withLock { table in
            if table.count < capacity { table[key] = plan }
        }
        return plan
    }

    /// Runs the target on `actor` with arguments from `decoder`, reporting the outcome to `handler`.
    nonisolated(nonsending) static func execute<Act: DistributedActor>(
        on actor: Act, call: CallTarget, decoder: inout KeelInvocationDecoder, handler: KeelResultHandler
    ) async throws {
        let plan: TargetPlan
        if let known = call.plan.withLock({ $0 }) {
            plan = known
        } else {
            plan = try self.plan(target: call.name, substitutionNames: call.genericSubstitutions) { try decoder.decodeGenericSubstitutions() }
            call.plan.withLock { $0 = plan }
        }
        nonisolated(nonsending) func run<Result>(_: Result.Type) async throws {
            let buffer = UnsafeMutablePointer<Result>.allocate(capacity: 1)
            defer { buffer.deallocate() }
            do {
                try await runtimeExecuteTarget(
                    on: actor, plan.name, UInt(plan.nameLength), argumentDecoder: &decoder,
                    argumentTypes: UnsafeRawPointer(plan.argumentTypes), resultBuffer: UnsafeMutableRawPointer(buffer),
                    substitutions: UnsafeRawPointer(plan.substitutions), witnessTables: plan.witnessTables,
                    numWitnessTables: UInt(plan.witnessTableCount))
            } catch {
                handler.sendError(error)
                return
            }
            // The target initialised the buffer: take the value out so it is released exactly once.
            if plan.returnsVoid {
                buffer.deinitialize(count: 1)
                handler.sendVoid()
            } else if let codable = plan.codableReturnType {
                // `Result` is `codable` (the plan's return type): view the buffer as that type.
                func reply<Value: Codable>(_: Value.Type) {
                    handler.sendValue(UnsafeMutableRawPointer(buffer).assumingMemoryBound(to: Value.self).move())
                }
                reply(codable)
            } else {
                buffer.deinitialize(count: 1)
                handler.sendError(ActorSystemError.serialization("result of type \(Result.self) is not Codable"))
            }
        }
        try await run(plan.returnType)
    }
}
