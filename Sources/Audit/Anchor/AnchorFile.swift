import AirlockCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The anchor file: one line of JSON per signed checkpoint (its `json`
/// form), appended outside the database. The database alone can't show
/// that its newest records were cut off or that an older copy was put
/// back, because everything it could compare with (its head, its
/// checkpoints) is cut or restored with it; an anchor kept elsewhere still
/// names the head the trail reached. Point it at storage the daemon's host
/// can't rewrite: a file with `chattr +a`, a mount shipped off the host.
///
/// Each line goes out in one `write` on a descriptor opened `O_APPEND` (so
/// an append-only file accepts it and concurrent writers never interleave),
/// then `fsync`, before the checkpoint counts as published.
public struct AnchorFile: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// Appends `checkpoint` as one line and makes it durable.
    public func append(_ checkpoint: AuditCheckpoint) throws {
        var line = Array((checkpoint.json.canonicalText + "\n").utf8)
        let existed = access(path, F_OK) == 0
        // Read-write (still append-only) to look at the last byte.
        let fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0o640)
        guard fd >= 0 else { throw failure("open") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("stat") }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw AirlockError(.auditUnavailable, "audit anchor file \(path) is not a regular file")
        }
        // A line an earlier short write left unfinished stays a line of its
        // own (verify names it), never glued to the front of this one.
        var last: UInt8 = UInt8(ascii: "\n")
        if info.st_size > 0 && pread(fd, &last, 1, info.st_size - 1) == 1 && last != UInt8(ascii: "\n") {
            line.insert(UInt8(ascii: "\n"), at: 0)
        }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else {
            // Take the partial line back where the file allows it (an
            // append-only one does not; the next append starts a new line).
            if written > 0 { _ = ftruncate(fd, info.st_size) }
            throw written < 0 ? failure("append to") : AirlockError(.auditUnavailable,
                "audit anchor file \(path): short write (\(written) of \(line.count) bytes); the disk may be full")
        }
        guard fsync(fd) == 0 else { throw failure("fsync") }
        if !existed { try syncDirectory() }
    }

    /// Reads every anchor in the file, oldest first.
    public func anchors() throws -> [ChainAnchor] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AirlockError(.notFound, "cannot read anchor file \(path)")
        }
        return try ChainAnchor.parse(anchorFile: String(decoding: data, as: UTF8.self), source: path)
    }

    /// A new file's name is durable only once its directory is synced.
    private func syncDirectory() throws {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open the directory of") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure("fsync the directory of") }
    }

    private func failure(_ action: String) -> AirlockError {
        AirlockError(.auditUnavailable, "cannot \(action) audit anchor file \(path): \(String(cString: strerror(errno)))")
    }
}
