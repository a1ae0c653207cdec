import AirlockCore
import CJail
import CLaunchImage
import CSeccomp
import Foundation

/// The identity of one path a plan rests on, taken before the plan was
/// made (see `claunch_fingerprint`). Its C string is supplied when the
/// image is encoded.
public struct LaunchImageFingerprint: @unchecked Sendable {
    public let path: String
    /// The stat fields; its `path` pointer left nil.
    let taken: claunch_fingerprint

    /// Nil when the path can't be looked at (the image is then not saved).
    static func take(_ path: String, identityOnly: Bool, follow: Bool = false) -> LaunchImageFingerprint? {
        var print = claunch_fingerprint()
        guard claunch_fingerprint_take(path, follow ? 1 : 0, &print) == 0 else { return nil }
        print.path = nil
        print.identity_only = identityOnly ? 1 : 0
        return LaunchImageFingerprint(path: path, taken: print)
    }

    /// Whether the path is still as it was when this was taken.
    var isCurrent: Bool {
        path.withCString { cPath in
            var print = taken
            print.path = cPath
            return claunch_fingerprint_matches(&print) == 1
        }
    }
}

/// Where `airlock exec` saves a launch it planned and ran, so that the next
/// one with the same options starts from the saved plan in the C front end
/// (see CLaunchImage's header for the whole scheme and its key).
///
/// Every fingerprint is taken before the plan is made, and checked again
/// when the image is saved: a file changed meanwhile (a profile edited
/// while its command ran) would otherwise be recorded in its new state
/// next to a plan made from the old one.
public struct LaunchImageTarget: Sendable {
    /// The user's private image folder.
    public let folder: String
    /// The image's key (see `claunch_image_key`).
    public let key: [UInt8]
    public private(set) var fingerprints: [LaunchImageFingerprint]

    /// The target for an `exec` command line whose options are `options`
    /// ("exec" up to and including "--"), with the fingerprints of the files
    /// the caller is about to read (`read`: the profile folder, its files
    /// and the places searched for it) and of the host state every plan
    /// rests on. Nil when this user has no image folder (no HOME, or
    /// AIRLOCK_LAUNCH_CACHE=off) or something could not be looked at.
    public static func forExec(options: [String], read: [String]) -> LaunchImageTarget? {
        // `environ` itself, as the front end finds it.
        let environment = UnsafeRawPointer(environ).assumingMemoryBound(to: UnsafePointer<CChar>?.self)
        var folder = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard claunch_cache_folder(environment, geteuid(), &folder, folder.count) == 0, let cli = executable() else { return nil }
        var key = [UInt8](repeating: 0, count: 32)
        let copies = options.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) } + [nil]
        let program = CommandLine.arguments.first ?? ""
        let cwd = FileManager.default.currentDirectoryPath
        pointers.withUnsafeBufferPointer { options in
            program.withCString { program in
                cli.withCString { cli in
                    cwd.withCString { cwd in
                        var caller = claunch_caller(options: options.baseAddress, option_count: Int32(copies.count), program: program,
                                                    cli: cli, environment: environment, cwd: cwd)
                        claunch_image_key(&caller, &key)
                    }
                }
            }
        }
        // What was read: unchanged in every way, and followed through a
        // symlink too (a profile may be one). The binaries: a new build
        // plans anew. The host: its device folder (its cgroups are probed
        // again by the front end itself).
        let binaries = [cli, (cli as NSString).deletingLastPathComponent + "/airlock"] + seccompLibrary()
        let device = DeviceFolder.shared.map { folder in
            [folder] + ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted().map { folder + "/" + $0 }
        } ?? []
        var prints: [LaunchImageFingerprint?] = []
        var seen = Set<String>()
        for path in read + binaries where seen.insert(path).inserted {
            prints.append(.take(path, identityOnly: false))
            prints.append(.take(path, identityOnly: false, follow: true))
        }
        prints += device.map { .take($0, identityOnly: false) }
        guard prints.allSatisfy({ $0 != nil }) else { return nil }
        return LaunchImageTarget(folder: String(cString: folder), key: key, fingerprints: prints.compactMap { $0 })
    }

    /// Adds the fingerprints of every path the walk to each bind source
    /// passes (each component, each symlink and where it leads): taken now,
    /// before the mounts are planned from them. Nil when one can't be.
    public func addingBinds(_ sources: [String]) -> LaunchImageTarget? {
        var target = self
        for source in sources {
            guard let visited = try? BindSourceGuard.walk(source).visited else { return nil }
            for path in visited {
                // A symlink is compared in full (a new link at the same
                // inode number still has another ctime); a folder by
                // identity (its times change with every file in it).
                var info = stat()
                let isLink = lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
                guard let print = LaunchImageFingerprint.take(path, identityOnly: !isLink) else { return nil }
                target.fingerprints.append(print)
            }
        }
        return target
    }

    /// The libseccomp this process loaded: it compiled the saved filter,
    /// and an upgraded one plans anew.
    private static func seccompLibrary() -> [String] {
        let function = unsafeBitCast(seccomp_init as @convention(c) (UInt32) -> scmp_filter_ctx?, to: UnsafeRawPointer.self)
        var path = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard claunch_library_of(function, &path, path.count) == 0 else { return [] }
        return [String(cString: path)]
    }

    /// This process's binary (the CLI that plans).
    private static func executable() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
