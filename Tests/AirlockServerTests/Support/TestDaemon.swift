import AirlockCore
import AirlockServer
import Executor
import Foundation
import Logging

/// The catalog the transport tests use: real commands run by
/// `ProcessToolRunner` under the profile "test".
let testCatalogYAML = #"""
tools:
  - name: argv
    description: Prints each argument after the script as <arg>, so element boundaries are visible.
    inputSchema:
      type: object
      properties:
        value: { type: string }
      required: [value]
      additionalProperties: false
    command: ["/bin/sh", "-c", "for a; do printf '<%s>' \"$a\"; done", "argv", "--", "{{value}}"]
    profile: test
  - name: shell
    description: Runs sh -c.
    inputSchema:
      type: object
      properties:
        command: { type: string, minLength: 1 }
      required: [command]
    command: ["/bin/sh", "-c", "--", "{{command}}"]
    profile: test
  - name: sleep
    description: Sleeps.
    inputSchema:
      type: object
      properties:
        seconds: { type: integer, minimum: 0, maximum: 120 }
      required: [seconds]
    command: ["sleep", "{{seconds}}"]
    profile: test
  - name: cat
    description: Echoes stdin.
    inputSchema:
      type: object
      properties:
        text: { type: string }
    command: ["cat"]
    stdin: text
    profile: test
"""#

/// A daemon on a socket in a fresh temporary directory, with the process
/// runner and the hooks a test chose.
struct TestDaemon {
    let server: AgentServer
    let runner: ProcessToolRunner
    let directory: URL
    var socketPath: String { server.socketPath }

    static func makeDirectory() throws -> URL {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("airlock-test-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        chmod(directory.path, 0o755)
        return directory
    }

    static func start(hooks: PipelineHooks = .permissive(), extraYAML: String = "",
                      execution: ExecutionSettings = ExecutionSettings(),
                      adjust: (inout ServerSettings) -> Void = { _ in },
                      runner: ProcessToolRunner = ProcessToolRunner()) async throws -> TestDaemon {
        let directory = try makeDirectory()
        let config = try ConfigLoader.parse(yaml: extraYAML + "\n" + testCatalogYAML,
                                            file: directory.appendingPathComponent("airlock.yaml").path)
        var settings = config.server
        settings.socketPath = directory.appendingPathComponent("agent.sock").path
        adjust(&settings)
        let executor = try Executor(catalog: config.catalog, runner: runner, profiles: runner, hooks: hooks,
                                    execution: execution, logger: Logger(label: "test.executor"))
        let actors = config.actors.byUID.isEmpty && config.actors.defaultEntry == nil
            ? ActorDirectory(byUID: [getuid(): .init(name: "test-agent", roles: ["agent"], owner: "tester")])
            : config.actors
        let server = try await AgentServer.start(settings: settings, executor: executor, actors: actors,
                                                 logger: Logger(label: "test.server"))
        return TestDaemon(server: server, runner: runner, directory: directory)
    }

    func stop() async {
        await server.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    /// A connected, initialized client.
    func client() throws -> AgentClient {
        let client = try AgentClient(socketPath: socketPath)
        try client.initialize(clientName: "test")
        return client
    }
}

/// Runs blocking client code off the cooperative pool.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

/// `count` clients, each on its own thread and connection, make one call at
/// the same time; returns each client's result text by index.
func callsFromSeparateClients(path: String, count: Int, tool: String,
                              arguments: @escaping @Sendable (Int) -> [String: JSONValue]) async throws -> [Int: String] {
    try await withThrowingTaskGroup(of: (Int, String).self) { group in
        for i in 0..<count {
            group.addTask {
                try await blocking {
                    let client = try AgentClient(socketPath: path)
                    try client.initialize()
                    return (i, try client.call(tool, arguments(i)).toolText)
                }
            }
        }
        var texts: [Int: String] = [:]
        for try await (i, text) in group { texts[i] = text }
        return texts
    }
}

/// Polls `condition` until it holds or `seconds` pass; returns whether it held.
/// Used to wait for outside effects (a pid gone, a file present), never to assert timing.
func eventually(within seconds: Double = 20, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

/// `eventually` for conditions that must be awaited.
func eventuallyAsync(within seconds: Double = 20, _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}

extension AgentClient {
    func call(_ tool: String, _ arguments: [String: JSONValue], meta: [String: JSONValue]? = nil) throws -> JSONValue {
        var params: [String: JSONValue] = ["name": .string(tool), "arguments": .object(arguments)]
        if let meta { params["_meta"] = .object(meta) }
        return try request("tools/call", params: .object(params))
    }

    /// Sends raw bytes and returns the next line as JSON.
    func exchange(_ raw: String) throws -> JSONValue? {
        try write(Data(raw.utf8))
        return try readLine().map { try CanonicalJSON.parse($0) }
    }
}

extension JSONValue {
    /// The text content of a CallToolResult.
    var toolText: String { self["content"]?.arrayValue?.compactMap { $0["text"]?.stringValue }.joined() ?? "" }
}
