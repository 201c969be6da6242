import CKeelLinux
import Foundation
import Glibc
import KeelLog
import Synchronization

/// Receives readiness events for one file descriptor registered on an ``EventLoop``.
/// Called on the loop's thread only.
protocol EventLoopHandler: AnyObject, Sendable {
    func handleEvent(readable: Bool, writable: Bool, hangup: Bool)
    /// Reads whatever has arrived without being told by `epoll` that something has (the loop's
    /// busy-poll calls it on the handler that last had input). Loop thread only.
    func pollInput() -> PollResult
}

/// What ``EventLoopHandler/pollInput()`` found.
enum PollResult {
    /// Input was read and handled.
    case input
    /// Nothing had arrived.
    case nothing
    /// The handler is closed or cannot be polled; forget it.
    case gone
}

extension EventLoopHandler {
    func pollInput() -> PollResult { .gone }
}

/// A cancellable timer returned by ``EventLoop/schedule(after:_:)``.
public final class ScheduledTimer: Sendable {
    let cancelled = Atomic<Bool>(false)
    /// Prevents the timer's callback from running if it has not run yet.
    public func cancel() { cancelled.store(true, ordering: .relaxed) }
}

/// One thread that owns non-blocking I/O, timers and a job queue: the runtime's engine.
///
/// Sockets are driven by `epoll`; other threads hand work to the loop with ``execute(_:)``, which
/// wakes it through an `eventfd` only when it is asleep. The loop is also a `TaskExecutor`: the
/// actor system runs incoming calls as tasks that prefer this executor, which both keeps calls
/// between a pair of actors in arrival order and saves a thread hop per call. All blocking-free:
/// nothing that runs on the loop may block.
public final class EventLoop: TaskExecutor, @unchecked Sendable {
    // Safety for `@unchecked Sendable`: state shared between threads is in Mutexes (`shared`,
    // `handlers`) or atomics. `progress` and `afterIteration` belong to the loop thread: `run()` and
    // what it calls run there by construction, and the entry points other code uses
    // (`runAfterIteration`, `iteration`, `isRunningLastQueuedJob`) stop the process unless called on
    // the loop thread, so no other thread reads or writes them. `serialExecutor` and
    // `unownedSerialExecutor` are assigned in `init` before the thread starts and never again; the
    // file descriptors are immutable.
    private struct Shared {
        var callbacks: [@Sendable () -> Void] = []
        /// Jobs in arrival order; `isolated` ones were enqueued on ``serialExecutor`` (actor jobs).
        var jobs: [(job: UnownedJob, isolated: Bool)] = []
        var timers = TimerHeap()
        var sleeping = false
        var running = true
    }

    /// Where the loop thread is in its iteration (loop thread only).
    private struct Progress {
        /// Counts iterations, so a handler can tell "this iteration" from the next.
        var iteration: UInt64 = 0
        /// Whether a queued job is running now.
        var inJob = false
        /// Jobs of the current batch still to run after the one running now.
        var jobsAfterThis = 0
        /// Jobs enqueued by the loop thread itself (a task started by a frame just read, a hop between
        /// executors, a continuation resumed by a reply): queued without taking the lock, and run
        /// from `localHead` on as they come, without a pass over the shared queues in between.
        var localJobs: [(job: UnownedJob, isolated: Bool)] = []
        var localHead = 0
        var hasLocalJobs: Bool { localHead < localJobs.count }
        /// Empty buffers swapped with the shared queues, so taking a batch allocates nothing.
        var spareCallbacks: [@Sendable () -> Void] = []
        var spareJobs: [(job: UnownedJob, isolated: Bool)] = []
    }

    /// Starts a loop thread named `name` that never busy-polls.
    public convenience init(name: String, logger: Logger = Logger(label: "keel.loop")) throws {
        try self.init(name: name, busyPoll: .zero, logger: logger)
    }

    private let busyPollNanos: UInt64
    private let epollFD: Int32
    private let wakeFD: Int32
    private let shared = Mutex(Shared())
    /// Whether `shared` may hold callbacks or jobs: set with them under the lock, cleared when the
    /// loop takes them. Read without the lock by the busy-polling loop, which then skips the lock on
    /// rounds with nothing queued (a stale read only delays the work to the next round; the decision to
    /// sleep is always made under the lock).
    private let sharedWork = Atomic<Bool>(false)
    private let threadID = Atomic<UInt>(0)

    private let finished = Mutex<[CheckedContinuation<Void, Never>]>([])
    private let hasFinished = Atomic<Bool>(false)
    private let handlers = Mutex<[Int32: any EventLoopHandler]>([:])
    // Loop thread only (see the safety note above). Plain stored properties rather than `LoopBound`
    // boxes: the loop touches them several times per job, and each access through a box (an optional
    // reference, retained and released around it) added up to ~100 reference-count operations per
    // call. No dynamic exclusivity checks: one thread, and no access is held across a callout.
    @exclusivity(unchecked) private var afterIteration: [() -> Void] = []
    @exclusivity(unchecked) private var spareAfterIteration: [() -> Void] = []
    @exclusivity(unchecked) private var progress = Progress()
    let logger: Logger

    /// Starts a loop thread named `name`.
    ///
    /// - Parameter busyPoll: after doing work, keep polling (without sleeping) for this long before
    ///   blocking in `epoll_wait`. Waking a sleeping thread costs tens of microseconds on virtual
    ///   machines; a short spin after activity removes that from request/response latency at the
    ///   price of some CPU while traffic flows. Zero disables it.
    public init(name: String, busyPoll: Duration, logger: Logger = Logger(label: "keel.loop")) throws {
        self.busyPollNanos = UInt64(max(0, busyPoll.nanoseconds))
        self.logger = logger
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw SystemError.call("epoll_create1", errno) }
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeFD >= 0 else {
            close(epollFD)
            throw SystemError.call("eventfd", errno)
        }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = wakeFD
        epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event)
        serialExecutor = LoopSerialExecutor(loop: self)
        unownedSerialExecutor = serialExecutor.asUnownedSerialExecutor()
        let thread = Thread { [self] in
            // Foundation keeps `Thread.name` to itself on Linux; the kernel's name is what `top -H`,
            // `ps -L` and profilers show (its first 15 bytes).
            _ = keel_set_current_thread_name(name)
            self.run()
        }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Whether the caller is running on this loop's thread.
    public var inEventLoop: Bool { threadID.load(ordering: .relaxed) == UInt(bitPattern: Int(bitPattern: pthread_self())) }

    /// Runs `callback` on the loop thread, after the events of the current iteration.
    public func execute(_ callback: @escaping @Sendable () -> Void) {
        let wake = shared.withLock { state -> Bool in
            guard state.running else { return false }
            state.callbacks.append(callback)
            sharedWork.store(true, ordering: .relaxed)
            return state.sleeping ? (state.sleeping = false, true).1 : false
        }
        if wake { signal() }
    }

    /// Runs `callback` on the loop thread after its current iteration, but only if the loop is
    /// awake; returns false (doing nothing) when it sleeps, so the caller can act itself instead
    /// of paying for a wake-up. Used to batch writes under load without adding latency when idle.
    func executeIfAwake(_ callback: @escaping @Sendable () -> Void) -> Bool {
        shared.withLock { state -> Bool in
            guard state.running, !state.sleeping else { return false }
            state.callbacks.append(callback)
            sharedWork.store(true, ordering: .relaxed)
            return true
        }
    }

    /// Runs `callback` on the loop thread once `delay` has passed (unless cancelled first).
    @discardableResult
    public func schedule(after delay: Duration, _ callback: @escaping @Sendable () -> Void) -> ScheduledTimer {
        let timer = ScheduledTimer()
        let deadline = MonotonicClock.nanoseconds() &+ UInt64(max(0, delay.nanoseconds))
        let wake = shared.withLock { state -> Bool in
            guard state.running else { return false }
            state.timers.push(deadline: deadline, timer: timer, callback: callback)
            return state.sleeping ? (state.sleeping = false, true).1 : false
        }
        if wake { signal() }
        return timer
    }

    /// Queues `callback` to run on the loop thread after the current iteration's I/O and jobs;
    /// used to coalesce writes. Must be called on the loop.
    func runAfterIteration(_ callback: @escaping () -> Void) {
        precondition(inEventLoop, "runAfterIteration called off the event loop")
        afterIteration.append(callback)
    }

    /// The current iteration's number. Loop thread only.
    var iteration: UInt64 {
        precondition(inEventLoop, "iteration read off the event loop")
        return progress.iteration
    }

    /// Whether the loop is running the last job it has queued, so nothing else it knows of would
    /// share a write made after this point. Loop thread only.
    var isRunningLastQueuedJob: Bool {
        precondition(inEventLoop, "isRunningLastQueuedJob read off the event loop")
        return progress.inJob && progress.jobsAfterThis == 0
    }

    /// `TaskExecutor` conformance: jobs run on the loop thread, in the order they were enqueued.
    public func enqueue(_ job: consuming ExecutorJob) {
        enqueue(UnownedJob(job), isolated: false)
    }

    func enqueue(_ job: UnownedJob, isolated: Bool) {
        if inEventLoop {
            // The loop thread is awake by definition and runs these before it next considers sleeping.
            progress.localJobs.append((job, isolated))
            return
        }
        let wake = shared.withLock { state -> Bool in
            state.jobs.append((job, isolated))
            sharedWork.store(true, ordering: .relaxed)
            return state.sleeping ? (state.sleeping = false, true).1 : false
        }
        if wake { signal() }
    }

    /// This loop as a `SerialExecutor`: an actor whose `unownedExecutor` is this one runs on the loop thread, so
    /// the replies to its calls resume it without waking another thread (see ``LoopSerialExecutor``).
    @exclusivity(unchecked) public private(set) var serialExecutor: LoopSerialExecutor!
    /// `serialExecutor` as the runtime sees it, made once.
    @exclusivity(unchecked) private var unownedSerialExecutor: UnownedSerialExecutor!

    /// Registers `fd` for readability (and writability when `writable`). Thread-safe.
    func register(fd: Int32, writable: Bool, handler: any EventLoopHandler) throws {
        handlers.withLock { $0[fd] = handler }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | (writable ? EPOLLOUT.rawValue : 0)
        event.data.fd = fd
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) == 0 else {
            let code = errno
            handlers.withLock { $0[fd] = nil }
            throw SystemError.call("epoll_ctl(ADD)", code)
        }
    }

    /// Changes whether `fd` is watched for writability. Must be called on the loop.
    func setWritableInterest(fd: Int32, _ writable: Bool) {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | (writable ? EPOLLOUT.rawValue : 0)
        event.data.fd = fd
        epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, &event)
    }

    /// Stops watching `fd` (the caller closes it). Thread-safe.
    func deregister(fd: Int32) {
        var event = epoll_event()
        epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, &event)
        handlers.withLock { _ = $0.removeValue(forKey: fd) }
    }

    /// Stops the loop after the callbacks already queued; the thread exits and file descriptors close.
    public func shutdown() {
        let wake = shared.withLock { state -> Bool in
            state.running = false
            return true
        }
        if wake { signal() }
    }

    /// Waits until the loop thread has exited.
    public func waitForShutdown() async {
        if hasFinished.load(ordering: .acquiring) { return }
        await withCheckedContinuation { continuation in
            let done = finished.withLock { waiters -> Bool in
                if hasFinished.load(ordering: .acquiring) { return true }
                waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    private func signal() {
        var one: UInt64 = 1
        _ = Glibc.write(wakeFD, &one, 8)
    }

    private func run() {
        threadID.store(UInt(bitPattern: Int(bitPattern: pthread_self())), ordering: .releasing)
        var events = [epoll_event](repeating: epoll_event(), count: 128)
        var lastActivity: UInt64 = 0
        // While busy-polling, most iterations only read the descriptor that last had input
        // (`hot`), instead of yielding the CPU and asking epoll: on a request/response path that is
        // one system call between the bytes arriving and their handling instead of three. Every
        // `Self.fullPollEvery`-th iteration still yields (letting a runnable thread on this CPU
        // go first) and asks epoll, so other descriptors wait at most a few microseconds more.
        var hot: (any EventLoopHandler)?
        var spins = 0
        while true {
            // One clock reading per iteration: a busy-polling loop goes round every microsecond or
            // so, and on virtual machines reading the clock is not free.
            let now = MonotonicClock.nanoseconds()
            let spinning = busyPollNanos > 0 && now &- lastActivity < busyPollNanos
            let (timeout, timerDue) = shared.withLock { state -> (Int32, Bool) in
                if !state.running { return (-2, false) }
                let next = state.timers.nextDeadline
                if let next, next <= now { return (0, true) }
                if !state.callbacks.isEmpty || !state.jobs.isEmpty || progress.hasLocalJobs { return (0, false) }
                // While spinning the loop counts as awake: producers queue without signalling.
                if spinning { return (0, false) }
                state.sleeping = true
                guard let next else { return (-1, false) }
                return (Int32(min(1_000, (next - now + 999_999) / 1_000_000)), false)
            }
            if timeout == -2 { break }
            progress.iteration &+= 1
            if spinning && timeout == 0 {
                spins &+= 1
                if let handler = hot, spins % Self.fullPollEvery != 0 {
                    var active = false
                    switch handler.pollInput() {
                    case .input: active = true
                    case .nothing: break
                    case .gone: hot = nil
                    }
                    if runQueued() { active = true }
                    if timerDue { runTimers() }
                    drainAfterIteration()
                    if active { lastActivity = now }
                    continue
                }
                // A spinning loop steps aside for runnable threads (e.g. the pool encoding calls).
                sched_yield()
            }
            let count = epoll_wait(epollFD, &events, Int32(events.count), timeout)
            if timeout != 0 { shared.withLock { $0.sleeping = false } }
            var active = count > 0
            if count > 0 {
                for index in 0..<Int(count) {
                    let event = events[index]
                    let fd = event.data.fd
                    if fd == wakeFD {
                        var value: UInt64 = 0
                        _ = Glibc.read(wakeFD, &value, 8)
                        continue
                    }
                    guard let handler = handlers.withLock({ $0[fd] }) else { continue }
                    let flags = event.events
                    if busyPollNanos > 0 && flags & EPOLLIN.rawValue != 0 { hot = handler }
                    handler.handleEvent(
                        readable: flags & EPOLLIN.rawValue != 0,
                        writable: flags & EPOLLOUT.rawValue != 0,
                        hangup: flags & (EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue) != 0)
                }
            }
            // Queued work (including frames handed over by the in-memory transport) runs before
            // timers, so a timer never judges liveness with deliveries still waiting in the queue.
            if runQueued() { active = true }
            // After sleeping, timers may have come due meanwhile; otherwise the check above knew.
            if timerDue || timeout != 0 { runTimers() }
            drainAfterIteration()
            // After sleeping, `now` is stale by the whole sleep: read the clock again.
            if active && busyPollNanos > 0 { lastActivity = timeout != 0 ? MonotonicClock.nanoseconds() : now }
        }
        // Drain what was queued before shutdown so no continuation is left hanging — also what those
        // jobs queue in turn (one round runs a bounded number), though not forever.
        var rounds = 0
        while runQueued() && rounds < 1_000 { rounds += 1 }
        drainAfterIteration()
        let remaining = handlers.withLock { table -> [Int32] in defer { table.removeAll() }; return Array(table.keys) }
        for fd in remaining { close(fd) }
        close(wakeFD)
        close(epollFD)
        hasFinished.store(true, ordering: .releasing)
        let waiters = finished.withLock { waiters -> [CheckedContinuation<Void, Never>] in
            defer { waiters.removeAll() }
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// While busy-polling, one iteration in this many yields the CPU and asks epoll; the others
    /// read the hot handler. (A `sched_yield` costs about 0.5 µs on the VMs measured, and the spin
    /// is what delays noticing input: four was where the round trip stopped improving.)
    private static let fullPollEvery = 4

    private func runTimers() {
        let now = MonotonicClock.nanoseconds()
        while true {
            let due = shared.withLock { $0.timers.popDue(now: now) }
            guard let (timer, callback) = due else { return }
            if !timer.cancelled.load(ordering: .relaxed) { callback() }
        }
    }

    /// Runs queued callbacks and jobs; returns whether there were any.
    @discardableResult
    private func runQueued() -> Bool {
        var ranAny = false
        // Bounded, so a job that keeps re-enqueueing cannot starve I/O: a few passes over the shared
        // queues, and a budget of the loop's own jobs.
        var localBudget = Self.localJobsPerRound
        for _ in 0..<4 {
            // Swap the queues with the spare (empty) buffers instead of copying them out: the
            // batch is taken without allocating, and the buffers keep their capacity. A busy-polling
            // loop comes here every round, mostly to find nothing: that case touches no buffer.
            let tookShared = sharedWork.load(ordering: .relaxed) && shared.withLock { state -> Bool in
                sharedWork.store(false, ordering: .relaxed)
                if state.callbacks.isEmpty && state.jobs.isEmpty { return false }
                swap(&state.callbacks, &progress.spareCallbacks)
                swap(&state.jobs, &progress.spareJobs)
                return true
            }
            if !tookShared && !(progress.hasLocalJobs && localBudget > 0) { return ranAny }
            ranAny = true
            if tookShared {
                // Move the batch out, so the arrays are uniquely referenced when emptied below.
                var callbacks: [@Sendable () -> Void] = []
                var jobs: [(job: UnownedJob, isolated: Bool)] = []
                swap(&callbacks, &progress.spareCallbacks)
                swap(&jobs, &progress.spareJobs)
                for callback in callbacks { callback() }
                runSharedJobs(jobs)
                callbacks.removeAll(keepingCapacity: true)
                jobs.removeAll(keepingCapacity: true)
                swap(&callbacks, &progress.spareCallbacks)
                swap(&jobs, &progress.spareJobs)
            }
            // The loop's own jobs after the others' (those were queued before this pass began).
            runLocalJobs(budget: &localBudget)
        }
        return ranAny
    }

    /// How many of its own jobs the loop runs per round before it looks at I/O again.
    private static let localJobsPerRound = 256

    /// How many of its own jobs the loop runs, within a round, between flushes of coalesced writes.
    private static let jobsPerFlush = 32

    /// Runs a batch taken from the shared queue, in order.
    private func runSharedJobs(_ jobs: [(job: UnownedJob, isolated: Bool)]) {
        if jobs.isEmpty { return }
        progress.inJob = true
        for index in jobs.indices {
            progress.jobsAfterThis = jobs.count - index - 1 + progress.localJobs.count - progress.localHead
            run(jobs[index])
        }
        progress.inJob = false
    }

    /// Runs the loop's own jobs in order, including those they enqueue as they run (a task's next
    /// step after a hop runs straight after the step that hopped), up to `budget` of them.
    private func runLocalJobs(budget: inout Int) {
        if !progress.hasLocalJobs { return }
        progress.inJob = true
        var sinceFlush = 0
        while progress.hasLocalJobs && budget > 0 {
            let entry = progress.localJobs[progress.localHead]
            progress.localHead += 1
            budget -= 1
            progress.jobsAfterThis = progress.localJobs.count - progress.localHead
            run(entry)
            // A long batch (a burst of calls read at once) writes what it has so far every so often
            // rather than only at the end: the peer starts on the first replies while this side
            // works on the rest, instead of both idling in turn (and falling asleep past the busy-poll).
            sinceFlush += 1
            if sinceFlush == Self.jobsPerFlush {
                sinceFlush = 0
                drainAfterIteration()
            }
        }
        progress.inJob = false
        if !progress.hasLocalJobs {
            progress.localJobs.removeAll(keepingCapacity: true)
            progress.localHead = 0
        } else if progress.localHead >= Self.localJobsCompactionThreshold, progress.localHead * 2 >= progress.localJobs.count {
            // Jobs that keep enqueueing more (tasks hopping back and forth on a busy loop) may never let the queue
            // run dry: the consumed prefix is dropped once it outweighs the rest, or it would grow without bound.
            progress.localJobs.removeFirst(progress.localHead)
            progress.localHead = 0
        }
    }

    /// Consumed local jobs kept before the queue is compacted.
    static let localJobsCompactionThreshold = 1_024

    /// Entries in the loop's own job queue, run or not (loop thread only; for tests).
    var localJobsStored: Int {
        precondition(inEventLoop, "localJobsStored read off the event loop")
        return progress.localJobs.count
    }

    @inline(__always)
    private func run(_ entry: (job: UnownedJob, isolated: Bool)) {
        if entry.isolated {
            // Run as the serial executor's job. (Not `runSynchronously(isolatedTo:taskExecutor:)`: with it,
            // two actors sharing this executor were seen running interleaved — a registration waiter
            // appended after it had been drained, the scale benchmark stalling.)
            entry.job.runSynchronously(on: unownedSerialExecutor!)
        } else {
            entry.job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }

    private func drainAfterIteration() {
        while !afterIteration.isEmpty {
            // Swap with the spare buffer: callbacks may append to `afterIteration` while these run.
            var callbacks = spareAfterIteration
            spareAfterIteration = []
            swap(&callbacks, &afterIteration)
            for callback in callbacks { callback() }
            callbacks.removeAll(keepingCapacity: true)
            spareAfterIteration = callbacks
        }
    }
}

/// An ``EventLoop`` as the serial executor of actors that should live on the loop thread (return
/// `loop.serialExecutor.asUnownedSerialExecutor()` from the actor's `unownedExecutor`). Their jobs run on the loop
/// in arrival order, interleaved with I/O, so a reply frame resumes the waiting actor on the thread that read it
/// instead of waking a pool thread. Such actors must never block: they share the thread with the node's sockets.
public final class LoopSerialExecutor: SerialExecutor {
    /// Unowned: the loop owns this executor (an owning reference back would keep every loop alive).
    unowned let loop: EventLoop

    init(loop: EventLoop) { self.loop = loop }

    /// Queues an actor job on the loop.
    public func enqueue(_ job: consuming ExecutorJob) {
        loop.enqueue(UnownedJob(job), isolated: true)
    }

    /// The executor reference actors return from `unownedExecutor`.
    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Isolation is being on the loop thread. Reached only from the runtime's own isolation checks (an
    /// `assumeIsolated` in Keel's code), never from outside input.
    public func checkIsolated() {
        precondition(loop.inEventLoop, "not on the event loop thread that isolates this actor")
    }
}

/// A min-heap of timers ordered by deadline (then insertion order, so equal deadlines run FIFO).
struct TimerHeap {
    private struct Entry {
        var deadline: UInt64
        var sequence: UInt64
        var timer: ScheduledTimer
        var callback: @Sendable () -> Void
        func precedes(_ other: Entry) -> Bool {
            deadline != other.deadline ? deadline < other.deadline : sequence < other.sequence
        }
    }
    private var entries: [Entry] = []
    private var nextSequence: UInt64 = 0

    var nextDeadline: UInt64? { entries.first?.deadline }

    mutating func push(deadline: UInt64, timer: ScheduledTimer, callback: @escaping @Sendable () -> Void) {
        entries.append(Entry(deadline: deadline, sequence: nextSequence, timer: timer, callback: callback))
        nextSequence &+= 1
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popDue(now: UInt64) -> (ScheduledTimer, @Sendable () -> Void)? {
        guard let first = entries.first, first.deadline <= now else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var best = parent
                if left < entries.count, entries[left].precedes(entries[best]) { best = left }
                if right < entries.count, entries[right].precedes(entries[best]) { best = right }
                if best == parent { break }
                entries.swapAt(parent, best)
                parent = best
            }
        }
        return (first.timer, first.callback)
    }
}

/// Monotonic time in nanoseconds (`CLOCK_MONOTONIC`), for deadlines and heartbeats.
enum MonotonicClock {
    static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }

    /// `CLOCK_MONOTONIC_COARSE`: the same clock at the kernel tick's resolution (a few ms, never
    /// ahead of ``nanoseconds()``), several times cheaper to read. For bookkeeping at heartbeat
    /// granularity done on every message.
    static func coarseNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating at `Int64.max`.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled.addingReportingOverflow(attoseconds / 1_000_000_000).overflow ? .max : scaled + attoseconds / 1_000_000_000
    }

    /// The duration in whole milliseconds.
    var milliseconds: Int64 { nanoseconds / 1_000_000 }
}

/// A failed system call, with the call's name and `errno` text.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    /// The failing call and the reason.
    public var message: String

    static func call(_ name: String, _ code: Int32) -> SystemError {
        SystemError(message: "\(name) failed: \(String(cString: strerror(code))) (errno \(code))")
    }

    public var description: String { message }
}
