import Foundation

/// The one time format of the audit trail: UTC, ISO 8601, fixed width with
/// microseconds (`2026-11-21T09:30:00.123456Z`). Fixed width makes the text
/// sort like the instant it names, so `--since`/`--until` filters are plain
/// string comparisons on an index, and the hashed bytes never depend on a
/// locale or on how a formatter trims trailing zeros.
public enum AuditTime {
    public static func format(_ date: Date) -> String {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded(.down)
        var seconds = time_t(floor(micros / 1_000_000))
        let fraction = Int(micros - Double(seconds) * 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), fraction)
    }

    /// Parses the fixed format, and also accepts any ISO 8601 date-time with
    /// or without fractional seconds or just a date, as typed on a command line.
    public static func parse(_ text: String) -> Date? {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: text) { return date }
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return day.date(from: text)
    }
}
