import NIOCore

/// Runs a call's async work on its connection's event loop. A request
/// arrives on that thread and its response leaves from it, so a call
/// started here costs no thread hop to begin and none to answer; only the
/// sandbox's completion (on the launch's own thread) wakes the loop.
///
/// Only non-blocking work belongs here: the pipeline awaits everything
/// slow (launches run on threads of their own, the stores on theirs).
final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
