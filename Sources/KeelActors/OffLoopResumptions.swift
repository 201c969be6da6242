import Dispatch

/// Callers that are not on the loop, whose replies the loop read in the current iteration: they are
/// resumed together, from one job on the global pool, when the iteration's writes are flushed.
///
/// Resuming a continuation enqueues its task on the task's executor — for a plain task, the global
/// pool — and each such enqueue from the loop thread may wake a pool thread (a futex call), on the
/// thread that must also read and write every socket. With 64 plain tasks calling at once, that
/// left the loop a quarter of a CPU. Handing the iteration's resumptions to one pool job costs the
/// loop one enqueue, and the pool thread that runs the job goes on to run the callers it resumed
/// (64 plain callers: 8–19% more calls per second in interleaved runs; Proposal 0001, fifth pass).
/// A lone resumption is made directly: a job in between would add a hop to a sequential caller's
/// round trip.
///
/// Loop thread only (held in a ``LoopBound``).
struct OffLoopResumptions {
    private var waiting: [(continuation: UnsafeContinuation<CallOutcome, Never>, outcome: CallOutcome)] = []

    /// Adds a resumption; true when it is the first since the last ``flush()``, so the caller must
    /// arrange for a flush (once per batch).
    mutating func add(_ continuation: UnsafeContinuation<CallOutcome, Never>, _ outcome: CallOutcome) -> Bool {
        waiting.append((continuation, outcome))
        return waiting.count == 1
    }

    /// Takes everything added since the last flush, to resume with ``resume(_:)`` outside the box
    /// that holds this value.
    mutating func flush() -> [(continuation: UnsafeContinuation<CallOutcome, Never>, outcome: CallOutcome)] {
        defer { waiting = [] }
        return waiting
    }

    /// Resumes a flushed batch in the order added: one directly, more from one job on the global pool.
    static func resume(_ batch: [(continuation: UnsafeContinuation<CallOutcome, Never>, outcome: CallOutcome)]) {
        switch batch.count {
        case 0: return
        case 1: batch[0].continuation.resume(returning: batch[0].outcome)
        default:
            DispatchQueue.global().async {
                for (continuation, outcome) in batch { continuation.resume(returning: outcome) }
            }
        }
    }
}
