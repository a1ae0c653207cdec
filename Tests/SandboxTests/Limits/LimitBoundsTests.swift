import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// A caller that builds its own limits (the daemon's tool overrides, a
/// library user) gets the same ranges as a profile: a limit the kernel
/// would read as unlimited, or could never apply, is refused before
/// anything starts.
@Suite("Limit ranges at launch", .timeLimit(.minutes(3)))
struct LimitBoundsTests {
    @Test(arguments: [
        (ResourceLimits(wallSeconds: 1e300), "the wall limit"),
        (ResourceLimits(wallSeconds: .infinity), "the wall limit"),
        (ResourceLimits(wallSeconds: 10, memoryBytes: 1), "the memory limit 1 must be between 1M and 1T"),
        (ResourceLimits(wallSeconds: 10, fileSizeBytes: .max), "the file_size limit"),
        (ResourceLimits(wallSeconds: 10, openFiles: .max), "the open_files limit"),
    ])
    func aLaunchWithALimitOutOfRangeIsRefused(limits: ResourceLimits, message: String) throws {
        let trace = try HostTemp("limit-bounds")
        defer { trace.remove() }
        try trace.makeWritableBySandbox()
        let request = LaunchRequest(argv: ["/bin/sh", "-c", "touch /trace/ran"],
                                    extraWritable: [BindMount(source: trace.path, destination: "/trace")], limits: limits)
        let refusal = #expect(throws: AirlockError.self) { try Fixtures.engine.runBlocking(request, profile: Fixtures.profile()) }
        #expect(refusal?.code == .invalidArguments)
        #expect(refusal?.message.contains(message) == true, "\(refusal?.message ?? "")")
        #expect(!trace.exists("ran"), "nothing runs")
    }

    @Test func theEdgesOfEachRangeAreAccepted() throws {
        let lowest = ResourceLimits(wallSeconds: LimitBounds.wall.range.upperBound, cpuSeconds: 1,
                                    memoryBytes: LimitBounds.memory.range.lowerBound, processes: 4, outputBytes: 1,
                                    fileSizeBytes: 1, openFiles: 16)
        #expect(LimitBounds.problem(in: lowest) == nil)
        let result = try Fixtures.engine.runBlocking(LaunchRequest(argv: ["/bin/true"], limits: lowest), profile: Fixtures.profile())
        #expect(result.exitCode == 0, "stderr: \(result.stderr.text)")
    }
}
