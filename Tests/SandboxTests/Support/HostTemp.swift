import Foundation

/// A fresh host directory for one test (unique name: tests run in
/// parallel), removed by `remove()`. World-readable on purpose: a secret in
/// it must be kept from the sandbox by confinement, not by permissions.
struct HostTemp {
    let path: String

    /// `parent`: /tmp by default. The engine's fixture profile mounts a
    /// tmpfs of its own on /tmp, so a file under the host's /tmp is out of
    /// the sandbox's sight whatever else went wrong; a test about reaching
    /// host files puts them elsewhere (e.g. /var/tmp).
    init(_ label: String, in parent: String = NSTemporaryDirectory()) throws {
        let folder = parent.hasSuffix("/") ? parent : parent + "/"
        path = folder + "airlock-\(label)-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Hands the directory and everything in it to the host uid/gid the
    /// sandbox runs as, so a writable bind of it is writable by ordinary
    /// permissions (when the test runs as root; otherwise the sandbox maps
    /// to us anyway).
    func makeWritableBySandbox() throws {
        guard getuid() == 0 else { return }
        let options = Fixtures.engine.options
        let entries = (FileManager.default.subpaths(atPath: path) ?? []).map(file)
        for entry in [path] + entries where lchown(entry, options.outsideUID, options.outsideGID) != 0 {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: entry])
        }
    }

    @discardableResult
    func write(_ name: String, _ text: String, mode: Int = 0o644) throws -> String {
        let target = file(name)
        try text.write(toFile: target, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: target)
        return target
    }

    func read(_ name: String) -> String? { try? String(contentsOfFile: file(name), encoding: .utf8) }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name)) }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A token unique to one test, to find its processes and files from outside.
enum Token {
    static func make(_ label: String) -> String { "\(label)\(UInt32.random(in: 100_000...999_999))" }
    /// A number that `sleep` accepts and that no other process shares.
    static func sleepSeconds(whole: Int = 600) -> String { "\(whole).\(UInt32.random(in: 100_000...999_999))" }
}
