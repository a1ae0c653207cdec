// swift-tools-version:6.0
//
// Airlock's package. The folders mirror ../shared/DESIGN.md: leaves
// (Sandbox, Guardrails, Approvals, Credentials, Audit) depend only on
// AirlockCore; Executor composes them; AirlockServer puts a socket in front;
// the executables are thin.
import PackageDescription

let package = Package(
    name: "Airlock",
    platforms: [.macOS(.v14)],
    products: [
        // `airlock` itself is the C front end (Sources/airlock, built with cc
        // by scripts/build-front.sh: no Swift runtime to load); it runs
        // `airlock exec` from launch images and hands all else to this CLI.
        .executable(name: "airlock-cli", targets: ["airlock-cli"]),
        .executable(name: "airlockd", targets: ["airlockd"]),
        .executable(name: "airlock-bench", targets: ["airlock-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Shared value types; no I/O.
        // Optimized even in debug builds: every frame, argument and audit
        // field passes through its JSON parser and encoder.
        .target(name: "AirlockCore", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),

        // The child side of a launch (fork → execve) and thin syscall shims
        // that Swift's Glibc module hides. Raw syscalls only: -fno-builtin
        // keeps the compiler from turning the child's copy loops into calls
        // to libc's memcpy and strlen.
        .target(name: "CJail", cSettings: [.unsafeFlags(["-O2", "-fno-stack-protector", "-fno-builtin"])]),
        .systemLibrary(name: "CSeccomp", path: "Sources/CSeccomp"),
        // The parent's poll loop over a running sandbox, the listener's
        // verdict table and the outcome rules, shared by the in-process
        // engine and the C `airlock exec` front end.
        .target(name: "CSupervisor", dependencies: ["CJail"], cSettings: [.unsafeFlags(["-O2"])]),
        // Launch images: a planned launch saved for the front end, its key
        // and the fingerprints it rests on (Sandbox writes, the front end reads).
        .target(name: "CLaunchImage", dependencies: ["CJail"], cSettings: [.unsafeFlags(["-O2"])]),

        // Leaves.
        .target(name: "Sandbox", dependencies: [
            "AirlockCore", "CJail", "CSupervisor", "CLaunchImage", "CSeccomp", "Yams",
        ]),
        .target(name: "Guardrails", dependencies: ["AirlockCore", "Yams"]),
        .target(name: "Approvals", dependencies: [
            "AirlockCore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .target(name: "Credentials", dependencies: [
            "AirlockCore",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .target(name: "Audit", dependencies: [
            "AirlockCore",
            .product(name: "GRDB", package: "GRDB.swift"),
            // SQLite's C API, for the verifier's zero-copy row scan.
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),

        // Composition.
        .target(name: "Executor", dependencies: [
            "AirlockCore", "Sandbox", "Guardrails", "Approvals", "Credentials", "Audit", "Yams",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "AirlockServer", dependencies: [
            "AirlockCore", "Executor", "Approvals",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Executables.
        .executableTarget(name: "airlockd", dependencies: [
            "AirlockServer", "Executor", "Audit", "Credentials", "Sandbox",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "airlock-cli", dependencies: [
            "AirlockCore", "Sandbox", "Guardrails", "Approvals", "Credentials", "Audit", "Executor", "AirlockServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], linkerSettings: [
            // The static runtime links with --export-dynamic, which puts
            // every symbol in the dynamic table; the runtime's start-up
            // dladdr then scans all of them (milliseconds on every
            // `airlock exec`). Nothing loads code against this executable.
            .unsafeFlags(["-Xlinker", "--no-export-dynamic"]),
        ]),
        // Hostile code for the sandbox tests: raw-syscall escape attempts
        // that the tests run inside a confined child (see Tests/SandboxTests/Attacks).
        .executableTarget(name: "airlock-attack", path: "Sources/airlock-attack",
                         linkerSettings: [.unsafeFlags(["-static-executable"])]),
        .executableTarget(name: "airlock-bench", dependencies: [
            "AirlockCore", "Sandbox", "Guardrails", "Audit", "Executor", "AirlockServer", "CJail", "Approvals",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Tests, one target per module.
        .testTarget(name: "AirlockCoreTests", dependencies: ["AirlockCore"]),
        // Starts host commands with posix_spawn for the tests that need a
        // real child process: Foundation's Process.run() can crash once the
        // test process has many descriptors open (see HostCommand.swift).
        .target(name: "CHostSpawn", path: "Tests/CHostSpawn"),
        .target(name: "HostCommandSupport", dependencies: ["CHostSpawn"], path: "Tests/HostCommandSupport"),
        .testTarget(name: "SandboxTests", dependencies: [
            "Sandbox", "AirlockCore", "CJail", "CSupervisor", "CHostSpawn", "airlock-attack", "airlock-cli", "CLaunchImage", "HostCommandSupport",
        ]),
        .testTarget(name: "GuardrailsTests", dependencies: ["Guardrails", "AirlockCore"], exclude: ["Corpus"]),
        // A local HTTP receiver standing in for Slack, shared by the
        // approvals tests and the composed-daemon tests.
        .target(name: "WebhookTestSupport", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], path: "Tests/WebhookTestSupport"),
        .testTarget(name: "ApprovalsTests", dependencies: ["Approvals", "AirlockCore", "WebhookTestSupport",
                                                         "HostCommandSupport"]),
        .testTarget(name: "CredentialsTests", dependencies: [
            "Credentials", "AirlockCore", "HostCommandSupport",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "AuditTests", dependencies: ["Audit", "AirlockCore", "HostCommandSupport"], exclude: ["Corpus"]),
        .testTarget(name: "AirlockServerTests", dependencies: [
            "AirlockServer", "Executor", "Sandbox", "AirlockCore", "Approvals", "Credentials", "WebhookTestSupport",
            "airlockd", "airlock-cli",
            "HostCommandSupport",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
    ]
)
