/// Where the store sends each signed checkpoint once it is durable, to be
/// kept outside the database (`AnchorFile`, a log line, a remote service).
/// It runs on the store's commit thread; throwing makes the store refuse
/// further appends until a retry succeeds.
public typealias CheckpointPublisher = @Sendable (AuditCheckpoint) throws -> Void
