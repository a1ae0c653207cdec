// One machine-readable line per attack, so the Swift tests can parse what
// happened inside the sandbox without guessing from free text:
//   RESULT <attack> ok [key=value...]
//   RESULT <attack> errno=<NAME>
#pragma once

/// Prints "RESULT name ok" (ret >= 0) or "RESULT name errno=NAME" (ret < 0,
/// reading errno). Returns ret unchanged.
long report(const char *name, long ret);

/// Prints "RESULT name " followed by the formatted text.
void report_text(const char *name, const char *format, ...) __attribute__((format(printf, 2, 3)));

/// "EPERM" for EPERM; the number when glibc has no name for it.
const char *errno_name(int error);

/// Parses a decimal argument or exits with status 2 and a message.
long parse_number(const char *text);
