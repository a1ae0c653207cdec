import ArgumentParser

/// What every hidden approvals test helper is pointed at.
struct ApprovalHelperOptions: ParsableArguments {
    @Option(help: "The approval database file.")
    var db: String
}
