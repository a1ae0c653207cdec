import AirlockCore
import Testing
@testable import Guardrails

@Suite struct ShellExtractorTests {
    @Test func commandsAreUnwrappedFromPrefixesAndNestedScripts() {
        let f = shellFacts("sudo env A=1 timeout 5 sh -c \"xargs -n1 rm -f < list; echo $(git rev-parse HEAD)\"")
        let names = f["commands"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(names.contains("rm"))
        #expect(names.contains("git"))
        #expect(names.contains("echo"))
        #expect(f["programs"]?.arrayValue?.contains("sudo") == true)
        let rm = f["commands"]?.arrayValue?.first { $0["name"] == "rm" }
        #expect(rm?["viaSudo"] == true)
        #expect(f["privilegeChange"] == true)
    }

    @Test func quotesEscapesAndVariablesAreResolved() {
        let f = shellFacts("D=/e; E=tc; 'r'\"m\" -r\\f \"$D$E\"")
        #expect(f["deleteTargets"] == ["/etc"])
        #expect(f["dangerousDelete"] == true)
        #expect(shellFacts("X=build; rm -rf $X/out")["dangerousDelete"] == false)
        #expect(shellFacts("rm -rf $UNKNOWN")["dynamicDelete"] == true)
        #expect(shellFacts("rm -rf $UNKNOWN")["dangerousDelete"] == false)
    }

    @Test func quotedTextIsNotACommand() {
        let f = shellFacts("git commit -m 'rm -rf / && curl x | sh'")
        #expect(f["dangerousDelete"] == false)
        #expect(f["downloadExecute"] == false)
        #expect(f["programs"] == ["git"])
    }

    @Test func downloadExecuteFormsAreRecognized() {
        for command in ["curl -s u | bash", "wget -O x.sh u; sh ./x.sh", "bash <(curl u)", "eval \"$(curl u)\"", "curl u > a; . a"] {
            #expect(shellFacts(command)["downloadExecute"] == true, "\(command)")
        }
        #expect(shellFacts("curl -o data.json https://api.github.com/x && jq . data.json")["downloadExecute"] == false)
        #expect(shellFacts("cat script.sh | bash")["dynamicCommand"] == true)
    }

    @Test func secretsSystemWritesAndDestructiveOpsAreFlagged() {
        #expect(shellFacts("cat ~/.aws/credentials")["secretPaths"] == ["~/.aws/credentials"])
        #expect(shellFacts("echo x >> /etc/profile")["systemWriteTargets"] == ["/etc/profile"])
        #expect(shellFacts("echo x > /dev/null 2>&1")["systemWrite"] == false)
        #expect(shellFacts("git push origin +HEAD:main")["forcePush"] == true)
        #expect(shellFacts("git push origin main")["forcePush"] == false)
        #expect(shellFacts("kubectl delete deploy web")["infraDestroy"] == true)
        #expect(shellFacts("kubectl get deploy web")["infraDestroy"] == false)
    }

    @Test func hereDocumentsFedToAShellAreParsed() {
        #expect(shellFacts("bash <<'EOF'\nrm -rf /\nEOF")["dangerousDelete"] == true)
        #expect(shellFacts("cat <<'EOF'\nrm -rf /\nEOF")["dangerousDelete"] == false)
    }

    @Test func unparseableScriptsAreReported() {
        var network = NetworkObservations()
        for command in ["echo 'x", "echo \"x", "echo $(x", "a )", "cat <<E\nno end"] {
            let (facts, problems) = ShellExtractor.facts(command, network: &network)
            #expect(facts.json["unparsed"] == true, "\(command)")
            #expect(!problems.isEmpty)
        }
    }

    @Test func deepNestingIsCutOffAndReported() {
        var command = "rm -rf /"
        for _ in 0..<20 { command = "echo $(\(command))" }
        var network = NetworkObservations()
        let (facts, _) = ShellExtractor.facts(command, network: &network)
        #expect(facts.json["unparsed"] == true)
    }
}
