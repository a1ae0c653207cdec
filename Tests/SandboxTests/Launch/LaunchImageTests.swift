import AirlockCore
import CJail
import CLaunchImage
import Foundation
@testable import Sandbox
import Testing

/// CLaunchImage's pieces on their own: the digest, the key, the encoding
/// and what reading an image back refuses. (FrontEndTests runs images
/// through the real front end.)
@Suite struct LaunchImageTests {
    @Test(arguments: [0, 1, 55, 56, 63, 64, 65, 119, 200, 1000, 70_000])
    func sha256AgreesWithSwiftCrypto(length: Int) {
        let data = Data((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        var digest = [UInt8](repeating: 0, count: 32)
        data.withUnsafeBytes { claunch_sha256($0.baseAddress, $0.count, &digest) }
        #expect(digest.map { String(format: "%02x", $0) }.joined() == Digest.sha256Hex(data))
    }

    private func key(_ options: [String], _ environment: [String], cwd: String = "/work", program: String = "airlock",
                     cli: String = "/opt/airlock/bin/airlock-cli") -> [UInt8] {
        var key = [UInt8](repeating: 0, count: 32)
        let optionsCount = options.count
        withCStringArray(options) { options in
            withCStringArray(environment) { environment in
                var caller = claunch_caller(options: options, option_count: Int32(optionsCount), program: program, cli: cli,
                                            environment: environment, cwd: cwd)
                claunch_image_key(&caller, &key)
            }
        }
        return key
    }

    @Test func theKeyCoversOptionsDirectoryProgramAndEnvironmentButNotItsOrder() {
        let base = key(["exec", "--profile", "strict", "--"], ["A=1", "B=2"])
        #expect(key(["exec", "--profile", "strict", "--"], ["B=2", "A=1"]) == base)
        #expect(key(["exec", "--profile", "shell", "--"], ["A=1", "B=2"]) != base)
        #expect(key(["exec", "--profile", "strict", "--"], ["A=1", "B=3"]) != base)
        #expect(key(["exec", "--profile", "strict", "--"], ["A=1"]) != base)
        #expect(key(["exec", "--profile", "strict", "--"], ["A=1", "B=2"], cwd: "/elsewhere") != base)
        // Another install's CLI, or the program invoked by another name.
        #expect(key(["exec", "--profile", "strict", "--"], ["A=1", "B=2"], cli: "/usr/local/bin/airlock-cli") != base)
        #expect(key(["exec", "--profile", "strict", "--"], ["A=1", "B=2"], program: "./airlock") != base)
        // Options are framed: a boundary moved is another key.
        #expect(key(["exec", "--profile", "strict", "--"], ["A=1", "B=2"]) != key(["exec", "--profilestrict", "", "--"], ["A=1", "B=2"]))
        // A name given twice: the first is the one that counts, so order matters there.
        #expect(key(["exec", "--"], ["A=1", "A=2"]) != key(["exec", "--"], ["A=2", "A=1"]))
    }

    /// SipHash-2-4's reference vector (key 00..0f, message 00..0e).
    @Test func sipHashMatchesItsReferenceVector() {
        let secret = [UInt8](0..<16)
        let message = [UInt8](0..<15)
        #expect(claunch_siphash(secret, message, message.count) == 0xa129_ca61_49be_45e5)
    }

    @Test func anImageReadsBackAsItWasWritten() throws {
        let encoded = try encodeSample(key: Array(repeating: 7, count: 32))
        // The image points into the bytes it was read from: they stay put
        // until the end of the test.
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: encoded.count, alignment: 16)
        defer { bytes.deallocate() }
        bytes.copyBytes(from: encoded)
        var decoded: UnsafePointer<claunch_image>?
        let status = [UInt8](repeating: 7, count: 32).withUnsafeBufferPointer { key in
            secret.withUnsafeBufferPointer { claunch_image_decode(bytes.baseAddress, bytes.count, key.baseAddress, $0.baseAddress, &decoded) }
        }
        #expect(status == 0)
        let image = try #require(decoded).pointee
        #expect(image.root.mount_count == 2)
        #expect(String(cString: image.root.mounts[0].source) == "/usr")
        #expect(String(cString: image.root.mounts[0].target) == "/usr")
        #expect(String(cString: image.root.mounts[1].target) == "/etc/passwd")
        #expect(String(decoding: UnsafeRawBufferPointer(start: image.root.mounts[1].data, count: image.root.mounts[1].data_len), as: UTF8.self)
                == "user:x:1000:1000::/:/bin/sh\n")
        #expect(String(cString: image.root.hostname) == "airlock")
        #expect(String(cString: image.root.landlock_rules[0].path) == "/")
        #expect(image.root.landlock_ruleset_fd == -1)
        #expect(image.plan.filter_len == 2)
        #expect(image.plan.filter[1].k == 0x7fff_0000)
        #expect(String(cString: image.plan.envp[0]!) == "PATH=/usr/bin")
        #expect(image.plan.envp[1] == nil)
        #expect(String(cString: image.exec_path) == "/usr/bin:/bin")
        #expect(image.fingerprint_count == 1)
        #expect(String(cString: image.fingerprints[0].path) == "/usr")
        #expect(image.limits.wall_seconds == 2.5)
    }

    @Test func readingRefusesAnotherKeyAnotherSecretADamagedImageAndATruncatedOne() throws {
        let encoded = try encodeSample(key: Array(repeating: 7, count: 32))
        var forged = encoded
        #expect(decodeStatus(&forged, key: Array(repeating: 7, count: 32), secret: Array(repeating: 1, count: 16)) == -EINVAL)
        var other = encoded
        #expect(decodeStatus(&other, key: Array(repeating: 8, count: 32)) == -ESTALE)
        var flipped = encoded
        flipped[flipped.count - 20] ^= 1
        #expect(decodeStatus(&flipped, key: Array(repeating: 7, count: 32)) == -EINVAL)
        var truncated = Array(encoded.dropLast(8))
        #expect(decodeStatus(&truncated, key: Array(repeating: 7, count: 32)) == -EINVAL)
        var intact = encoded
        #expect(decodeStatus(&intact, key: Array(repeating: 7, count: 32)) == 0)
    }

    @Test func aPlanOfOneLaunchIsNotEncoded() throws {
        // A network namespace fd, cgroup paths or a command belong to one launch.
        #expect(throws: (any Error).self) { try encodeSample(key: Array(repeating: 7, count: 32)) { $0.root.netns_fd = 5 } }
        #expect(throws: (any Error).self) { try encodeSample(key: Array(repeating: 7, count: 32)) { $0.root.cgroup_self_count = 1 } }
        #expect(throws: (any Error).self) { try encodeSample(key: Array(repeating: 7, count: 32)) { $0.plan.exec_candidate_count = 1 } }
    }

    @Test func fingerprintsSeeAChangedFileAndIdentityOnlyOnesSeeOnlyAnotherInode() throws {
        let temp = try HostTemp("fingerprint")
        defer { temp.remove() }
        let folder = URL(fileURLWithPath: temp.path)
        let file = folder.appendingPathComponent("profile.yaml").path
        try "a: 1\n".write(toFile: file, atomically: false, encoding: .utf8)
        // The fingerprints keep a pointer to their path: one that outlives them.
        let stablePath = strdup(file)!, stableMissing = strdup(folder.appendingPathComponent("later").path)!
        defer { free(stablePath); free(stableMissing) }
        var full = claunch_fingerprint(), identity = claunch_fingerprint()
        #expect(claunch_fingerprint_take(stablePath, 0, &full) == 0)
        #expect(claunch_fingerprint_take(stablePath, 0, &identity) == 0)
        identity.identity_only = 1
        #expect(claunch_fingerprint_matches(&full) == 1)
        usleep(20_000)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("b: 2\n".utf8))
        try handle.close()
        #expect(claunch_fingerprint_matches(&full) == 0)
        #expect(claunch_fingerprint_matches(&identity) == 1)
        // A symlink swapped in: neither matches. (A path that is only named
        // must still be the same kind of thing on the same inode; what is
        // in it is read at launch, as the CLI would read it.)
        try FileManager.default.removeItem(atPath: file)
        try FileManager.default.createSymbolicLink(atPath: file, withDestinationPath: "/etc/passwd")
        #expect(claunch_fingerprint_matches(&identity) == 0)
        #expect(claunch_fingerprint_matches(&full) == 0)
        // Absent then present.
        var absent = claunch_fingerprint()
        let missing = folder.appendingPathComponent("later").path
        #expect(claunch_fingerprint_take(stableMissing, 0, &absent) == 0)
        #expect(absent.present == 0)
        #expect(claunch_fingerprint_matches(&absent) == 1)
        try "x".write(toFile: missing, atomically: false, encoding: .utf8)
        #expect(claunch_fingerprint_matches(&absent) == 0)
    }

    @Test func execCandidatesFollowPathLikeExecvp() {
        #expect(LaunchPlan.execCandidates("ls", path: "/usr/bin:relative::/bin") == ["/usr/bin/ls", "/bin/ls"])
        #expect(LaunchPlan.execCandidates("./x", path: "/usr/bin") == ["./x"])
        #expect(LaunchPlan.execCandidates("ls", path: "relative") == [])
    }

    // MARK: - helpers

    private func encodeSample(key: [UInt8], change: (inout claunch_image) -> Void = { _ in }) throws -> [UInt8] {
        let texts: [String] = ["/usr", "/etc/passwd", "user:x:1000:1000::/:/bin/sh\n", "airlock", "/", "PATH=/usr/bin", "/usr/bin:/bin",
                               "1000 65534 1\n", "size=4194304,mode=0755", "/workspace"]
        let strings: [UnsafeMutablePointer<CChar>] = texts.map { strdup($0)! }
        defer { strings.forEach { free($0) } }
        var mounts = [
            cjail_mount(kind: Int32(CJAIL_MOUNT_BIND_RO.rawValue), source: UnsafePointer(strings[0]), target: UnsafePointer(strings[0]),
                        data: nil, data_len: 0, mode: 0, source_is_dir: 1),
            cjail_mount(kind: Int32(CJAIL_MOUNT_FILE.rawValue), source: nil, target: UnsafePointer(strings[1]), data: UnsafePointer(strings[2]),
                        data_len: strlen(strings[2]), mode: 0o444, source_is_dir: 0),
        ]
        var rules = [cjail_landlock_path_rule(path: UnsafePointer(strings[4]), allowed_access: 1)]
        var filter = [sock_filter(code: 0x20, jt: 0, jf: 0, k: 4), sock_filter(code: 0x06, jt: 0, jf: 0, k: 0x7fff_0000)]
        var envp: [UnsafeMutablePointer<CChar>?] = [strings[5], nil]
        var verdicts = [UInt8](repeating: 1, count: 16)
        var print = claunch_fingerprint()
        _ = claunch_fingerprint_take("/usr", 0, &print)
        print.path = UnsafePointer(strings[0])
        var result: [UInt8] = []
        var status: Int32 = 0
        mounts.withUnsafeMutableBufferPointer { mounts in
            rules.withUnsafeMutableBufferPointer { rules in
                filter.withUnsafeMutableBufferPointer { filter in
                    envp.withUnsafeMutableBufferPointer { envp in
                        verdicts.withUnsafeMutableBytes { verdicts in
                            withUnsafePointer(to: &print) { print in
                                var image = claunch_image()
                                image.root.uid = 1000
                                image.root.gid = 1000
                                image.root.uid_map = UnsafePointer(strings[7])
                                image.root.gid_map = UnsafePointer(strings[7])
                                image.root.netns_fd = -1
                                image.root.landlock_ruleset_fd = 9
                                image.root.base_tmpfs_options = UnsafePointer(strings[8])
                                image.root.mounts = UnsafePointer(mounts.baseAddress)
                                image.root.mount_count = 2
                                image.root.hostname = UnsafePointer(strings[3])
                                image.root.landlock_rules = UnsafePointer(rules.baseAddress)
                                image.root.landlock_rule_count = 1
                                image.plan.filter = UnsafePointer(filter.baseAddress)
                                image.plan.filter_len = 2
                                image.plan.workdir = UnsafePointer(strings[9])
                                image.plan.envp = UnsafePointer(envp.baseAddress)
                                image.exec_path = UnsafePointer(strings[6])
                                image.verdicts = UnsafeRawPointer(verdicts.baseAddress)
                                image.verdicts_length = UInt64(verdicts.count)
                                image.limits.wall_seconds = 2.5
                                image.fingerprints = print
                                image.fingerprint_count = 1
                                change(&image)
                                var bytes: UnsafeMutableRawPointer?
                                var length = 0
                                status = key.withUnsafeBufferPointer { key in
                                    secret.withUnsafeBufferPointer { claunch_image_encode(&image, key.baseAddress, $0.baseAddress, &bytes, &length) }
                                }
                                if status == 0, let bytes {
                                    result = Array(UnsafeRawBufferPointer(start: bytes, count: length))
                                    free(bytes)
                                }
                            }
                        }
                    }
                }
            }
        }
        guard status == 0 else { throw AirlockError(.setupFailed, "encode: \(status)") }
        return result
    }

    private let secret = [UInt8](repeating: 0x5a, count: 16)

    private func decodeStatus(_ bytes: inout [UInt8], key: [UInt8], secret: [UInt8]? = nil) -> Int32 {
        var image: UnsafePointer<claunch_image>?
        let secret = secret ?? self.secret
        return bytes.withUnsafeMutableBytes { raw in
            key.withUnsafeBufferPointer { key in
                secret.withUnsafeBufferPointer { claunch_image_decode(raw.baseAddress, raw.count, key.baseAddress, $0.baseAddress, &image) }
            }
        }
    }

    private func withCStringArray<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
