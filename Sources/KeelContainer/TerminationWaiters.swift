import Synchronization

/// The tasks waiting in ``Containerizer/wait(_:)`` for one container's end: the part of `wait` every containerizer
/// shares. A containerizer keeps one per container in its (locked) state, attaches a waiter under its lock, and hands
/// every waiter the termination with ``takeAll()`` when the container ends.
package struct TerminationWaiters: Sendable {
    package typealias Waiter = CheckedContinuation<ContainerTermination, any Error>

    private var waiting: [UInt64: Waiter] = [:]

    package init() {}

    /// Keeps `waiter` under `token`, unless the container `ended` already or the waiting task is cancelled: then the
    /// answer to give it at once.
    package mutating func attach(_ token: UInt64, _ waiter: Waiter, ended: ContainerTermination?)
        -> Result<ContainerTermination, any Error>? {
        if let ended { return .success(ended) }
        if Task.isCancelled { return .failure(CancellationError()) }
        waiting[token] = waiter
        return nil
    }

    /// Removes the waiter kept under `token` (its task was cancelled), if it is still waiting.
    package mutating func detach(_ token: UInt64) -> Waiter? { waiting.removeValue(forKey: token) }

    /// Every waiter, removed (the container ended: resume them with its termination, outside the lock).
    package mutating func takeAll() -> [Waiter] {
        defer { waiting = [:] }
        return Array(waiting.values)
    }

    /// Waits for a container's end, cancellation-safe: `attach` runs under the containerizer's lock and either keeps
    /// the waiter (``attach(_:_:ended:)``, returning `nil`) or answers at once; `detach` takes it back when the
    /// waiting task is cancelled (``detach(_:)``).
    package static func wait(attach: (Waiter) -> Result<ContainerTermination, any Error>?,
                             detach: @Sendable () -> Waiter?) async throws -> ContainerTermination {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { waiter in
                if let immediate = attach(waiter) { waiter.resume(with: immediate) }
            }
        } onCancel: {
            detach()?.resume(throwing: CancellationError())
        }
    }
}

/// Tokens that tell one waiter from another (unique within a containerizer).
package final class WaiterTokens: Sendable {
    private let counter = Atomic<UInt64>(0)

    package init() {}

    /// A token not handed out before.
    package func next() -> UInt64 { counter.wrappingAdd(1, ordering: .relaxed).newValue }
}
