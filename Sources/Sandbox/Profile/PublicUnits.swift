/// The profile language's units, for command-line flags that take the same
/// values (`--memory 512M`, `--timeout 1.5s`).
public enum Units {
    /// "512M", "1G", "4096" → bytes.
    public static func bytes(_ text: String) -> UInt64? { ProfileUnits.parseSize(text) }
    /// "1.5s", "200ms", "2m", "10" (seconds) → seconds.
    public static func seconds(_ text: String) -> Double? { ProfileUnits.parseDuration(text) }

}
