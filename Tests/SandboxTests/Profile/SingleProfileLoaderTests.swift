import AirlockCore
import Foundation
import Testing
@testable import Sandbox

/// `ProfileCatalog.resolveOnly`, the one-profile path of `airlock exec`:
/// whatever it returns or throws is what the full catalog would.
@Suite("Resolving one profile without the catalog")
struct SingleProfileLoaderTests {
    static let files = [
        "root": "abstract: true\n" + ProfileFixtures.runnable,
        "leaf": "extends: root\nnetwork: none\nlimits: { memory: 64M }\n",
        "broken": "extends: root\nlimits: { memory: lots }\n",
        "orphan": "extends: nowhere\n",
    ]

    @Test("every shipped profile resolves as in the catalog", arguments: ["strict", "shell", "network", "base"])
    func shippedProfilesMatchTheCatalog(name: String) throws {
        let directory = try ShippedProfiles.directory()
        #expect(try outcome { try ProfileCatalog.resolveOnly(nameOrFile: name, directory: directory) }
                == outcome { try ProfileCatalog.load(directory: directory).resolve(nameOrFile: name) })
    }

    @Test("a name, its errors and abstract or unknown profiles behave as in the catalog",
          arguments: ["leaf", "root", "broken", "orphan", "lef", "no-such"])
    func namesMatchTheCatalog(name: String) throws {
        let fixtures = try ProfileFixtures(Self.files)
        let directory = fixtures.directory.path
        #expect(try outcome { try ProfileCatalog.resolveOnly(nameOrFile: name, directory: directory) }
                == outcome { try fixtures.catalog().resolve(nameOrFile: name) })
    }

    @Test("a file finds its parent beside it first, then in the directory")
    func filesMatchTheCatalog() throws {
        let fixtures = try ProfileFixtures(Self.files)
        let elsewhere = try ProfileFixtures([
            "mine": "extends: leaf\nlimits: { memory: 32M }\n",
            "shadow": "extends: root\n",
            "root": "abstract: true\nseccomp:\n  allow: [\"@default\"]\n",
        ])
        let directory = fixtures.directory.path
        for file in [elsewhere.path("mine"), elsewhere.path("shadow"), elsewhere.path("missing"), fixtures.path("leaf")] {
            #expect(try outcome { try ProfileCatalog.resolveOnly(nameOrFile: file, directory: directory) }
                    == outcome { try fixtures.catalog().resolve(nameOrFile: file) }, "\(file)")
        }
    }

    @Test("an unreadable directory is the catalog's error")
    func missingDirectory() throws {
        #expect(try outcome { try ProfileCatalog.resolveOnly(nameOrFile: "strict", directory: "/nonexistent/profiles") }
                == outcome { try ProfileCatalog.load(directory: "/nonexistent/profiles").resolve(nameOrFile: "strict") })
    }

    /// The profile, or the error's code and message.
    private func outcome(_ body: () throws -> SandboxProfile) throws -> Outcome {
        do {
            return .profile(try body())
        } catch let error as AirlockError {
            return .error(error.code, error.message)
        }
    }

    enum Outcome: Equatable {
        case profile(SandboxProfile)
        case error(AirlockError.Code, String)
    }
}
