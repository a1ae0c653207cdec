import AirlockCore
import CJail
import CLaunchImage
import Foundation

/// Where `airlock exec` saves a launch it planned and ran, so that the next
/// one with the same options starts from the saved plan in the C front end
/// (see CLaunchImage's header for the whole scheme and its key).
public struct LaunchImageTarget: Sendable {
    /// The user's private image folder.
    public let folder: String
    /// The image's key (see `claunch_image_key`).
    public let key: [UInt8]
    /// Files and folders the caller read to plan this launch (the profile
    /// and its folder, the places searched for it): a change to any of
    /// them makes the image a miss.
    public let inputs: [String]

    /// The target for an `exec` command line whose options are `options`
    /// ("exec" up to and including "--"), or nil when this user has no
    /// image folder (no HOME, or AIRLOCK_LAUNCH_CACHE=off).
    public static func forExec(options: [String], inputs: [String]) -> LaunchImageTarget? {
        // `environ` itself, as the front end finds it.
        let environment = UnsafeRawPointer(environ).assumingMemoryBound(to: UnsafePointer<CChar>?.self)
        var folder = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard claunch_cache_folder(environment, geteuid(), &folder, folder.count) == 0 else { return nil }
        var key = [UInt8](repeating: 0, count: 32)
        let cwd = FileManager.default.currentDirectoryPath
        let copies = options.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) } + [nil]
        pointers.withUnsafeBufferPointer { options in
            claunch_image_key(options.baseAddress, Int32(copies.count), environment, cwd, geteuid(), getegid(), &key)
        }
        return LaunchImageTarget(folder: String(cString: folder), key: key, inputs: inputs)
    }
}
