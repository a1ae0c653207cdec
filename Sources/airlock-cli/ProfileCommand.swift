import AirlockCore
import ArgumentParser
import Foundation
import Sandbox

/// `airlock profile list|show|lint|explain`: offline tools for the admins
/// who write `Profiles/*.yaml`. Everything here is a thin layer over
/// `Sandbox`'s `ProfileCatalog`; nothing runs a command.
struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "List, show, lint and explain sandbox profiles.",
        subcommands: [List.self, Show.self, Lint.self, Explain.self]
    )

    /// Where profiles are read from (default: the repository's Profiles/).
    struct CatalogOptions: ParsableArguments {
        @Option(name: .customLong("profiles-dir"), help: "Folder of profile .yaml files (default: $AIRLOCK_PROFILES_DIR, then the shipped Profiles/).")
        var directory: String?

        func catalog() throws -> ProfileCatalog {
            try directory.map { try ProfileCatalog.load(directory: $0) } ?? ProfileCatalog.shipped()
        }
    }

    /// One profile to act on, by name or file, and the output format.
    struct ProfileSelection: ParsableArguments {
        @OptionGroup var options: CatalogOptions
        @Argument(help: "A profile name, or a path to a profile .yaml file.") var profile: String
        @Flag(help: "Print JSON.") var json = false
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the profiles and what each is for.")

        @OptionGroup var options: CatalogOptions
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let catalog = try options.catalog()
            let rows = try catalog.names.map { name -> (name: String, abstract: Bool, description: String, valid: Bool) in
                let report = try catalog.report(name: name)
                return (name, report.isAbstract, report.profile?.description ?? "", report.errors.isEmpty)
            }
            if json {
                let value = JSONValue.array(rows.map {
                    ["name": .string($0.name), "abstract": .bool($0.abstract), "description": .string($0.description), "valid": .bool($0.valid)]
                })
                print(value.canonicalText)
                return
            }
            let width = rows.map(\.name.count).max() ?? 0
            for row in rows {
                let note = !row.valid ? " [invalid: run `airlock profile lint \(row.name)`]" : row.abstract ? " [abstract]" : ""
                print(row.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + row.description + note)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Print a resolved profile (extends merged, groups expanded) as profile YAML, or JSON with its digest.")

        @OptionGroup var selection: ProfileSelection

        func run() throws {
            let report = try selection.options.catalog().report(nameOrFile: selection.profile)
            guard let resolved = report.profile else {
                // The argument as given, for the lint hint: a file's name alone is not a profile name.
                throw ProfileValidationError(profile: selection.profile, diagnostics: report.errors).airlockError
            }
            let digest = ProfileDigest.of(resolved)
            if selection.json {
                let value: JSONValue = ["profile": try JSONValue(encoding: resolved), "digest": .string(digest),
                                        "chain": .array(report.chain.map { .string($0) }), "abstract": .bool(report.isAbstract)]
                print(value.canonicalText)
            } else {
                print("# profile \(report.name), resolved from \(report.chain.joined(separator: " → "))")
                print("# digest sha256:\(digest)")
                print(try ProfileYAMLWriter.render(resolved), terminator: "")
            }
        }
    }

    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lint",
            abstract: "Validate profiles and warn about weak settings; exits 1 when any profile has an error.")

        @OptionGroup var options: CatalogOptions
        @Argument(help: "Profile names or .yaml files (default: every profile in the folder).") var profiles: [String] = []

        func run() throws {
            let catalog = try options.catalog()
            var failed = false
            for target in profiles.isEmpty ? catalog.names : profiles {
                let report: ProfileReport
                do {
                    report = try catalog.report(nameOrFile: target)
                } catch let error as AirlockError {
                    print("\(target): \(error.message)")
                    failed = true
                    continue
                }
                for diagnostic in report.diagnostics { print(diagnostic.description) }
                let summary = report.errors.isEmpty ? "ok" : "invalid"
                print("\(report.name): \(summary) (\(count(report.errors.count, "error")), \(count(report.warnings.count, "warning")))")
                failed = failed || !report.errors.isEmpty
            }
            if failed { throw ExitCode.failure }
        }

        private func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "explain",
            abstract: "Explain each protection of a profile in plain words, and what it will be on this host.")

        @OptionGroup var selection: ProfileSelection

        func run() throws {
            let resolved = try selection.options.catalog().resolve(nameOrFile: selection.profile)
            let explanation = ProfileExplanation(resolved, host: .current)
            if selection.json {
                print(try JSONValue(encoding: explanation).canonicalText)
                return
            }
            print("profile \(explanation.profile) (sha256:\(explanation.digest))")
            for protection in explanation.protections {
                print("\n\(protection.name)")
                print("  profile:      \(protection.profile)")
                print("  on this host: \(protection.onThisHost)")
            }
        }
    }
}
