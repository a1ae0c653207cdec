import AirlockCore
import ArgumentParser
import Audit
import Crypto
import Foundation
import GRDB

/// `airlock-bench audit`: durable audit appends per second (one writer, 8
/// writers, 8 writers with many calls in flight each) and verify speed,
/// next to two baselines from the same run on the same disk: a bare
/// write+fsync loop (the floor every durable commit pays) and raw SQLite
/// inserts with the same durability (WAL, synchronous=FULL) committed one
/// by one, which is what the store would cost without group commit.
struct AuditBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Audit store: durable events/s and verify speed against same-run baselines.",
        subcommands: [Measure.self, CrashWriter.self],
        defaultSubcommand: Measure.self)

    struct Measure: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "measure", abstract: "Run the benchmark (default).")
        @Option(help: "Directory for the scratch databases (same disk as the real store gives honest numbers).")
        var directory: String = NSTemporaryDirectory()
        @Option(help: "Events for the 1-writer and 8x1 runs (each pays fsyncs).") var events: Int = 400
        @Option(help: "Events for the pipelined 8-writer run.") var pipelinedEvents: Int = 40_000
        @Option(help: "In-flight appends per writer in the pipelined run.") var inFlight: Int = 32
        @Option(help: "Events in the store that verify walks.") var verifyEvents: Int = 200_000

        func run() async throws {
            let scratch = (directory as NSString).appendingPathComponent("airlock-audit-bench-\(getpid())")
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            func path(_ name: String) -> String { (scratch as NSString).appendingPathComponent(name) }

            let fsyncRate = try Baselines.fsyncLoop(path: path("fsync.bin"), count: 200)
            let rawRate = try Baselines.rawSQLiteInserts(path: path("raw.sqlite"), count: events / 2)
            print("audit store durability: WAL + synchronous=FULL (each commit fsyncs the WAL)")
            print("each writer is a task that awaits every append (durable on return) before its next one:")
            print(" 1 writer = one sequential caller, one fsync per event; 8 x 1 = 8 such callers;")
            print(" 8 x N = 8*N such callers at once, as a busy daemon's concurrent calls (group commit)")
            print("targets: >= 20000 events/s with group commit; verify >= 500000 records/s\n")
            printRow(["measurement", "events/s", "vs raw SQLite", "CPU/event"], widths: [52, 12, 14, 10])
            func report(_ name: String, _ measured: (rate: Double, cpu: Double?)) {
                printRow([name, String(format: "%.0f", measured.rate), String(format: "%.1fx", measured.rate / rawRate),
                          measured.cpu.map(formatDuration) ?? "-"], widths: [52, 12, 14, 10])
            }
            report("baseline: write+fsync loop (4 KiB)", (fsyncRate, nil))
            report("baseline: raw SQLite insert, one commit each", (rawRate, nil))

            let key = Curve25519.Signing.PrivateKey()
            report("AuditStore, 1 writer", try await appendRate(path("one.sqlite"), key: key, writers: 1, inFlight: 1, total: events))
            report("AuditStore, 8 writers x 1 in flight", try await appendRate(path("eight.sqlite"), key: key, writers: 8, inFlight: 1, total: events))
            report("AuditStore, 8 writers x \(inFlight) in flight (group commit)",
                   try await appendRate(path("pipelined.sqlite"), key: key, writers: 8, inFlight: inFlight, total: pipelinedEvents))

            print("\nverify: building a \(verifyEvents)-event trail...")
            let verifyPath = path("verify.sqlite")
            _ = try await appendRate(verifyPath, key: key, writers: 8, inFlight: 64, total: verifyEvents)
            print("(CPU/event: user+system time of this process per event; on a shared, loaded machine the")
            print(" events/s columns are bounded by the CPU share we get, CPU/event is not)")
            let reader = try AuditReader(path: verifyPath)
            let cpuBefore = processCPUSeconds()
            let start = DispatchTime.now().uptimeNanoseconds
            let result = try reader.verify(trustedKeys: [key.publicKey])
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let cpuPerRecord = (processCPUSeconds() - cpuBefore) / Double(result.recordsChecked)
            let rate = Double(result.recordsChecked) / seconds
            print(String(format: "verify: %d records in %@ = %.0f records/s (%.2f s per million; CPU %@/record), ok=%@",
                         result.recordsChecked, formatDuration(seconds), rate, 1e6 / rate, formatDuration(cpuPerRecord),
                         String(result.ok)))
        }

        /// Appends `total` realistic events from `writers` tasks, each keeping
        /// `inFlight` appends outstanding; returns durable events per second
        /// and the process CPU time spent per event.
        private func appendRate(_ path: String, key: Curve25519.Signing.PrivateKey, writers: Int, inFlight: Int,
                                total: Int) async throws -> (rate: Double, cpu: Double?) {
            let cpuBefore = processCPUSeconds()
            let store = try AuditStore(path: path, signingKey: key, checkpointEvery: 1000)
            let perLane = max(1, total / (writers * inFlight))
            let start = DispatchTime.now().uptimeNanoseconds
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<(writers * inFlight) {
                    group.addTask {
                        for index in 0..<perLane { _ = try await store.append(SampleEvent.make(lane: lane, index: index)) }
                    }
                }
                try await group.waitForAll()
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let events = Double(perLane * writers * inFlight)
            let cpu = (processCPUSeconds() - cpuBefore) / events
            try await store.close()
            return (events / seconds, cpu)
        }

        private func processCPUSeconds() -> Double {
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
                + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        }
    }

    /// Hidden helper for the crash test in `AuditTests`: appends from 8
    /// concurrent writers until killed, printing each sequence number only
    /// after `append` returned (i.e. once it is durable), one per line.
    struct CrashWriter: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "crash-writer", shouldDisplay: false)
        @Option var db: String
        @Option(help: "Signing key file, created if missing.") var key: String

        func run() async throws {
            let store = try AuditStore(path: db, signingKey: try AuditKeys.loadOrCreatePrivateKey(at: key),
                                       checkpointEvery: 50)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<8 {
                    group.addTask {
                        var index = 0
                        while true {
                            let record = try await store.append(SampleEvent.make(lane: lane, index: index))
                            FileHandle.standardOutput.write(Data("\(record.seq)\n".utf8))
                            index += 1
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }
}

/// A `run.finished`-sized event with arguments worth masking.
private enum SampleEvent {
    static let actor = AuditEvent.ActorInfo(name: "bench-agent", uid: 1000, gid: 1000, pid: 4242, roles: ["agent"],
                                            onBehalfOf: "alice", reason: "benchmark")

    static func make(lane: Int, index: Int) -> AuditEvent {
        AuditEvent(kind: .callReceived, callID: "bench-\(lane)-\(index)", actor: actor, tool: "sql.query",
                   arguments: ["query": .string("select * from orders where id = \(index)"),
                               "dsn": "postgres://app:Xk29vLq8ZpW3@db:5432/prod"],
                   argumentsDigest: String(repeating: "ab", count: 32),
                   fields: ["decision": ["effect": "allow", "rule_ids": ["allow-read-only"], "policy_revision": "rev-1"]])
    }
}

/// The same-run baselines.
private enum Baselines {
    static func fsyncLoop(path: String, count: Int) throws -> Double {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw AirlockError(.internalError, "cannot open \(path)") }
        defer { close(fd) }
        let block = [UInt8](repeating: 0x61, count: 4096)
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<count {
            _ = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            fsync(fd)
        }
        return Double(count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    static func rawSQLiteInserts(path: String, count: Int) throws -> Double {
        let pool = try DatabasePool(path: path)
        // After opening: the pool itself sets NORMAL when it enables WAL.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "CREATE TABLE t(id INTEGER PRIMARY KEY, event TEXT NOT NULL)")
        }
        let event = #"{"actor":{"name":"bench-agent","pid":4242},"kind":"call.received","tool":"sql.query"}"#
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<count {
            try pool.write { db in try db.execute(sql: "INSERT INTO t(event) VALUES (?)", arguments: [event]) }
        }
        return Double(count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}
