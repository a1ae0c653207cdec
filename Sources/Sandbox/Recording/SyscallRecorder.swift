import AirlockCore
import CJail
import Foundation

/// The notify listener of one run. It answers every trapped syscall from
/// the compiled filter's verdict table, through the C rule the C front end
/// uses too (CONTINUE for observed calls the profile allows, an errno for
/// denied ones), and aggregates what it saw.
/// The filter already decided *which* calls can be trapped; this never
/// widens that: an unknown or foreign-arch call is always answered ENOSYS.
final class SyscallRecorder {
    private struct Key: Hashable {
        var name: String
        var detail: String?
        var outcome: String
    }

    private let filter: CompiledFilter
    private var records: [Key: SyscallRecord] = [:]
    private var order: [Key] = []
    private var distinctDenied = 0, distinctAllowed = 0
    /// Distinct records each list (denied, recorded) keeps in full. Past
    /// it a call is still counted, under its syscall's name and outcome
    /// alone, so that no denied syscall goes unlisted however many
    /// distinct paths came first (those few records are bounded by the
    /// number of syscall names).
    static let maxDistinct = 1024
    /// Calls counted without their details.
    private(set) var detailsOmitted = 0

    init(filter: CompiledFilter) {
        self.filter = filter
    }

    /// Set when a foreign-architecture syscall killed the sandbox.
    private(set) var killedBy: String?

    /// Handles one pending notification. Returns false when the listener is
    /// finished (the sandbox is gone). `kill` ends the whole sandbox.
    func handle(listener fd: Int32, kill: () -> Void) -> Bool {
        var n = cjail_notification()
        let rc = cjail_notify_receive(fd, &n)
        if rc == -EINTR || rc == -EAGAIN { return true }
        if rc == -ENOENT { return true } // the caller died between poll and receive
        guard rc == 0 else { return false }

        let answer = filter.answer(for: n.nr, arch: n.arch, argument1: n.args.1)
        if answer == .continueUnrecorded {
            _ = cjail_notify_respond(fd, n.id, 0, 1)
            return true
        }
        if answer == .killForeignArchitecture {
            // Kill first: the caller must not run another instruction.
            kill()
            let name = SyscallTable.name(of: n.nr, arch: n.arch)
            killedBy = name
            _ = cjail_notify_respond(fd, n.id, ENOSYS, 0)
            add(SyscallRecord(name: name, number: n.nr, arguments: [], outcome: "killed:foreign_architecture"))
            return true
        }
        let name = SyscallTable.name(of: n.nr)
        let args = withUnsafeBytes(of: n.args) { Array($0.bindMemory(to: UInt64.self)) }
        let pid = pid_t(n.pid)
        var path = ArgumentDecoder.path(of: name, args: args, pid: pid)
        var address = ArgumentDecoder.address(of: name, args: args, pid: pid)
        // What we read is only meaningful if the call is still the one we were told about.
        if cjail_notify_id_valid(fd, n.id) != 0 {
            path = nil
            address = nil
        }
        let outcome: String
        switch answer {
        case .continueRecorded, .continueUnrecorded, .killForeignArchitecture:
            outcome = "allowed"
            _ = cjail_notify_respond(fd, n.id, 0, 1)
        case .deny(let errno):
            outcome = "denied:\(Self.errnoName(errno))"
            _ = cjail_notify_respond(fd, n.id, errno, 0)
        }
        add(SyscallRecord(name: name, number: n.nr, arguments: args.map { "0x" + String($0, radix: 16) },
                          path: path, address: address, outcome: outcome))
        return true
    }

    private func add(_ record: SyscallRecord) {
        let key = Key(name: record.name, detail: record.path ?? record.address, outcome: record.outcome)
        if records[key] != nil {
            records[key]!.count += 1
            return
        }
        let isDenied = record.outcome != "allowed"
        let distinct = isDenied ? distinctDenied : distinctAllowed
        if distinct < Self.maxDistinct {
            records[key] = record
            order.append(key)
            if isDenied { distinctDenied += 1 } else { distinctAllowed += 1 }
            return
        }
        detailsOmitted += 1
        let nameOnly = Key(name: record.name, detail: nil, outcome: record.outcome)
        if records[nameOnly] != nil {
            records[nameOnly]!.count += 1
        } else {
            records[nameOnly] = SyscallRecord(name: record.name, number: record.number, arguments: [], outcome: record.outcome)
            order.append(nameOnly)
        }
    }

    var denied: [SyscallRecord] { order.compactMap { records[$0] }.filter { $0.outcome != "allowed" } }
    var recorded: [SyscallRecord] { order.compactMap { records[$0] }.filter { $0.outcome == "allowed" } }

    static func errnoName(_ e: Int32) -> String {
        switch e {
        case EPERM: "EPERM"
        case ENOSYS: "ENOSYS"
        case EACCES: "EACCES"
        case EAFNOSUPPORT: "EAFNOSUPPORT"
        default: "errno\(e)"
        }
    }
}
