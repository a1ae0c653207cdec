import Testing
@testable import Audit

/// The masker's triggers depend on this search finding every occurrence
/// the old slice comparison found; a miss would skip a detector.
@Suite("Audit masking: byte search")
struct ByteSearchTests {
    @Test(arguments: [
        ("abc", "abc", true), ("xxabc", "abc", true), ("abcxx", "abc", true), ("aaab", "aab", true),
        ("ababac", "abac", true), ("ab", "abc", false), ("", "a", false), ("abc", "", true),
        ("abd abd ab", "abc", false), ("postgres://u:p@h", "://", true), ("é漢🙂", "漢", true),
    ])
    func findsEveryOccurrence(_ haystack: String, _ needle: String, _ expected: Bool) {
        #expect(ByteSearch.contains(Array(haystack.utf8), needle) == expected)
    }
}
