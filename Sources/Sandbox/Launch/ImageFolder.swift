import AirlockCore
import Foundation

/// The folder launch images are saved in. It is made private when Airlock
/// makes it; one that exists already must be private to this user as it
/// is, and is never changed: AIRLOCK_LAUNCH_CACHE may name any folder, and
/// pointing it at /tmp must not make /tmp 0700.
enum ImageFolder {
    static func prepare(_ folder: String) throws {
        var info = stat()
        if lstat(folder, &info) != 0 {
            guard errno == ENOENT else { throw failure(folder, String(cString: strerror(errno))) }
            let parent = (folder as NSString).deletingLastPathComponent
            if parent != folder && !parent.isEmpty { try prepareParent(parent) }
            guard mkdir(folder, 0o700) == 0 || errno == EEXIST else { throw failure(folder, String(cString: strerror(errno))) }
            guard lstat(folder, &info) == 0 else { throw failure(folder, String(cString: strerror(errno))) }
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == geteuid(), info.st_mode & 0o077 == 0 else {
            throw failure(folder, "not a folder private to this user (mode 0700, owned by uid \(geteuid()))")
        }
    }

    /// Folders above the image folder are made as needed (0700, like
    /// `~/.cache` itself), and otherwise left as they are.
    private static func prepareParent(_ folder: String) throws {
        var info = stat()
        if stat(folder, &info) == 0 { return }
        let parent = (folder as NSString).deletingLastPathComponent
        if parent != folder && !parent.isEmpty { try prepareParent(parent) }
        guard mkdir(folder, 0o700) == 0 || errno == EEXIST else { throw failure(folder, String(cString: strerror(errno))) }
    }

    /// Keeps the newest `count` images: only files named as images are
    /// ever removed (64 hex digits and ".img").
    static func prune(_ folder: String, keeping count: Int) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: folder) else { return }
        let images = names.filter(isImageName)
        guard images.count > count else { return }
        let dated = images.map { name -> (String, Date) in
            let date = (try? fm.attributesOfItem(atPath: folder + "/" + name)[.modificationDate] as? Date) ?? .distantPast
            return (name, date ?? .distantPast)
        }
        for (name, _) in dated.sorted(by: { $0.1 < $1.1 }).prefix(images.count - count) {
            unlink(folder + "/" + name)
        }
    }

    static func isImageName(_ name: String) -> Bool {
        let utf8 = Array(name.utf8)
        guard utf8.count == 68, name.hasSuffix(".img") else { return false }
        return utf8.prefix(64).allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    private static func failure(_ folder: String, _ reason: String) -> AirlockError {
        AirlockError(.setupFailed, "launch image folder \(folder): \(reason)")
    }
}
