import Foundation
import Synchronization

/// One unit of work for the store's I/O thread. Continuations are resumed on that thread.
enum StorageJob: Sendable {
    /// `records` is the encoded records section (``LogFormat/encodeRecords(_:)``) of one batch.
    case append(records: [UInt8], count: Int, CheckedContinuation<Void, any Error>)
    case compact(snapshot: [UInt8], CheckedContinuation<Void, any Error>)
    case recover(CheckedContinuation<RecoveredState, any Error>)
    case close(CheckedContinuation<Void, Never>?)

    /// Completes the job without running it.
    func fail(_ error: StorageError) {
        switch self {
        case let .append(_, _, continuation): continuation.resume(throwing: error)
        case let .compact(_, continuation): continuation.resume(throwing: error)
        case let .recover(continuation): continuation.resume(throwing: error)
        case let .close(continuation): continuation?.resume()
        }
    }
}

/// A dedicated thread with a job queue: the only place where the file store blocks (I/O, `fsync`).
///
/// Callers enqueue jobs from any thread; the thread takes *all* queued jobs at once, which is what
/// makes group commit work: appends that arrive while an `fsync` is in progress are written and
/// synced together by the next round.
final class StorageThread: Sendable {
    private struct Queue {
        var jobs: [StorageJob] = []
        var sleeping = false
        /// A close was requested: new appends, compactions and recoveries are refused.
        var closing = false
        /// The thread has exited: nothing is accepted any more.
        var finished = false
    }

    private let queue = Mutex(Queue())
    private let wakeup = DispatchSemaphore(value: 0)
    /// The log's size as last published by the I/O thread (read by ``FileStateStore/logBytes``).
    let logBytes = Atomic<Int>(0)

    init() {}

    /// Starts the thread; `body` runs on it and receives this queue to take jobs from.
    func start(name: String, _ body: @escaping @Sendable (StorageThread) -> Void) {
        let thread = Thread { [self] in body(self) }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Queues `job`; returns false (without running it) once the store is closing or closed.
    func enqueue(_ job: StorageJob) -> Bool {
        let (accepted, wake) = queue.withLock { state -> (Bool, Bool) in
            if state.finished { return (false, false) }
            if case .close = job {
                state.closing = true
            } else if state.closing {
                return (false, false)
            }
            state.jobs.append(job)
            let wake = state.sleeping
            state.sleeping = false
            return (true, wake)
        }
        if wake { wakeup.signal() }
        return accepted
    }

    /// Blocks the I/O thread until jobs are queued, then takes all of them, oldest first.
    func takeAll() -> [StorageJob] {
        while true {
            let jobs = queue.withLock { state -> [StorageJob] in
                if state.jobs.isEmpty {
                    state.sleeping = true
                    return []
                }
                defer { state.jobs.removeAll(keepingCapacity: true) }
                return state.jobs
            }
            if !jobs.isEmpty { return jobs }
            wakeup.wait()
        }
    }

    /// Marks the queue finished (called by the thread as it exits) and fails whatever is still queued.
    func finish() {
        let leftover = queue.withLock { state -> [StorageJob] in
            state.finished = true
            state.closing = true
            defer { state.jobs = [] }
            return state.jobs
        }
        for job in leftover { job.fail(.closed) }
    }
}
