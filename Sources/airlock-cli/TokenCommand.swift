import AirlockCore
import ArgumentParser
import Credentials
import Foundation

/// `airlock token`: the downstream side of action tokens. `jwks` publishes
/// the daemon's public keys; `verify` is what a service that receives a
/// token runs before acting on it.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Export signing keys and verify action tokens.",
        subcommands: [JWKSCommand.self, VerifyCommand.self]
    )

    struct JWKSCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "jwks", abstract: "Print the daemon's public signing keys as a JWK Set.")

        @Option(help: "The daemon's key directory.")
        var keys: String = SigningKeyRing.defaultDirectory

        func run() throws {
            print(try SigningKeyRing.publicKeySet(directory: keys).jsonText)
        }
    }

    struct VerifyCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Verify an action token; exit 0 only when signature, time, audience and action all match.",
            discussion: "Pass - as TOKEN to read it from standard input (argv is visible to other users).")

        @Argument(help: "The compact JWS token, or - for standard input.")
        var token: String

        @Option(name: .customLong("action-digest"), help: "sha256 of the canonical tool + arguments you are about to act on.")
        var actionDigest: String?

        @Option(help: "The tool name the token must be for.")
        var audience: String?

        @Option(help: "A JWK Set file to verify against (default: the public keys in --keys).")
        var jwks: String?

        @Option(help: "The daemon's key directory, used when --jwks is not given.")
        var keys: String = SigningKeyRing.defaultDirectory

        @Option(name: .customLong("used-db"), help: "The daemon's used-token database; refuses tokens already used.")
        var usedDB: String?

        @Flag(help: "Record the token as used in --used-db (atomically), so it is accepted once: what a service that acts on it should pass.")
        var consume = false

        @Option(help: "Seconds this host's clock may differ from the daemon's.")
        var leeway: Double = 5

        @Option(name: .customLong("max-lifetime"), help: "The longest validity (exp - iat, seconds) a token may claim; the daemon mints at most its max_token_lifetime_seconds.")
        var maxLifetime: Double = 3600

        func validate() throws {
            if consume && usedDB == nil { throw ValidationError("--consume needs --used-db: the registry the use is recorded in") }
            guard leeway.isFinite, leeway >= 0, leeway <= 300 else { throw ValidationError("--leeway must be 0 to 300 seconds") }
            guard maxLifetime.isFinite, maxLifetime >= 1, maxLifetime <= 86_400 else {
                throw ValidationError("--max-lifetime must be 1 to 86400 seconds")
            }
        }

        func run() throws {
            // Both bindings are required: a token checked without them proves
            // only that the daemon signed *something*.
            guard let actionDigest else { throw refusal("--action-digest is required: a token is valid for one action only") }
            guard let audience else { throw refusal("--audience is required: a token is valid for one tool only") }
            let keySet: JWKSet
            if let jwks {
                guard let data = FileManager.default.contents(atPath: jwks) else { throw refusal("cannot read \(jwks)") }
                keySet = try JWKSet(json: data)
            } else {
                keySet = try SigningKeyRing.publicKeySet(directory: keys)
            }
            // A mistyped path must not silently open an empty registry that
            // accepts every used token.
            if let usedDB, !FileManager.default.fileExists(atPath: usedDB) {
                throw refusal("used-token database \(usedDB) does not exist")
            }
            let used = try usedDB.map { try UsedTokenRegistry(path: $0) }
            do {
                let verifier = try TokenVerifier(jwks: keySet, leeway: .milliseconds(Int64(leeway * 1000)),
                                                 maxLifetime: .milliseconds(Int64(maxLifetime * 1000)))
                let claims = try verifier.verify(try readToken(), audience: audience,
                                                                    actionDigest: actionDigest, usedTokens: used)
                // Checked and recorded in one write: two services racing with
                // the same token, one of them is refused.
                if consume, let used, try !used.markUsed(claims) { throw TokenRejection.alreadyUsed(jti: claims.jti) }
                print(CanonicalJSON.encode(try JSONValue(encoding: claims)))
            } catch let rejection as TokenRejection {
                throw refusal(rejection.description)
            }
        }

        private func readToken() throws -> String {
            guard token == "-" else { return token }
            let data = FileHandle.standardInput.readDataToEndOfFile()
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        private func refusal(_ message: String) -> ExitCode {
            FileHandle.standardError.write(Data("airlock token verify: refused: \(message)\n".utf8))
            return ExitCode(1)
        }
    }
}
