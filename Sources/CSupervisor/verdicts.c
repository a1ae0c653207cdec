// The listener's answer for a trapped syscall (see csup_verdicts.h).
#include "csup_verdicts.h"

#include <errno.h>
#include <string.h>

// The format is these exact sizes, with no padding: a table written by one
// build is read by another (Swift's and the C front end's).
_Static_assert(sizeof(struct csup_verdict_table) == 24, "verdict table header is 24 bytes");
_Static_assert(sizeof(struct csup_verdict_entry) == 20, "verdict entry is 20 bytes");

/// Bit 30 of a syscall number selects the x32 ABI on x86_64: its numbers
/// mean something else to the kernel than the filter's native ones.
static const uint32_t x32_syscall_bit = 0x40000000u;
/// The largest errno the kernel passes back from a listener's answer.
static const int32_t max_errno = 4095;

// Readers copy each field out: the table may sit at any address (a Data's
// bytes, a slice of a file), so no pointer into it is ever dereferenced as
// a struct.

static struct csup_verdict_table read_header(const void *table)
{
    struct csup_verdict_table header;
    memcpy(&header, table, sizeof header);
    return header;
}

static struct csup_verdict_entry read_entry(const void *table, uint32_t index)
{
    struct csup_verdict_entry entry;
    const unsigned char *at = (const unsigned char *)table + sizeof(struct csup_verdict_table)
        + (size_t)index * sizeof entry;
    memcpy(&entry, at, sizeof entry);
    return entry;
}

static uint32_t read_request(const void *table, uint32_t entry_count, uint32_t index)
{
    uint32_t request;
    const unsigned char *at = (const unsigned char *)table + sizeof(struct csup_verdict_table)
        + (size_t)entry_count * sizeof(struct csup_verdict_entry) + (size_t)index * sizeof request;
    memcpy(&request, at, sizeof request);
    return request;
}

static int is_errno(int32_t error)
{
    return error >= 1 && error <= max_errno;
}

int csup_verdict_table_check(const void *table, size_t length)
{
    if (!table || length < sizeof(struct csup_verdict_table)) return -EINVAL;
    struct csup_verdict_table header = read_header(table);
    if (memcmp(header.magic, CSUP_VERDICT_TABLE_MAGIC, sizeof header.magic) != 0) return -EINVAL;
    if (!is_errno(header.unknown_errno)) return -EINVAL;
    // In 64 bits, so no count can wrap the sum around to a small length.
    uint64_t expected = sizeof header + (uint64_t)header.entry_count * sizeof(struct csup_verdict_entry)
        + (uint64_t)header.request_count * sizeof(uint32_t);
    if (expected != length) return -EINVAL;

    for (uint32_t i = 0; i < header.entry_count; i++) {
        struct csup_verdict_entry entry = read_entry(table, i);
        // Strictly ascending: the lookup is a binary search, and a number
        // listed twice would have two answers.
        if (i > 0 && read_entry(table, i - 1).nr >= entry.nr) return -EINVAL;
        switch (entry.kind) {
        case CSUP_VERDICT_CONTINUE_AND_RECORD:
            if (entry.error != 0 || entry.first_request != 0 || entry.request_count != 0) return -EINVAL;
            break;
        case CSUP_VERDICT_DENY:
            if (!is_errno(entry.error) || entry.first_request != 0 || entry.request_count != 0) return -EINVAL;
            break;
        case CSUP_VERDICT_DENY_REQUESTS:
            if (!is_errno(entry.error)) return -EINVAL;
            // Written so that neither side can overflow.
            if (entry.first_request > header.request_count
                || entry.request_count > header.request_count - entry.first_request) return -EINVAL;
            break;
        default:
            return -EINVAL;
        }
    }
    return 0;
}

/// The index of `nr`'s entry, or -1 when the table does not list it.
static int64_t find_entry(const void *table, uint32_t entry_count, int32_t nr)
{
    uint32_t low = 0, high = entry_count;   // the entry, if any, is in [low, high)
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        int32_t found = read_entry(table, middle).nr;
        if (found == nr) return middle;
        if (found < nr) low = middle + 1;
        else high = middle;
    }
    return -1;
}

int csup_verdict_answer(const void *table, int32_t nr, uint32_t arch, uint64_t arg1, int32_t *error)
{
    struct csup_verdict_table header = read_header(table);
    *error = 0;
    // The table's numbers are the native architecture's: anything else
    // would be looked up under the wrong meaning.
    if (arch != header.native_arch || ((uint32_t)nr & x32_syscall_bit) != 0) return CSUP_ANSWER_KILL_FOREIGN;

    int64_t index = find_entry(table, header.entry_count, nr);
    if (index < 0) {
        *error = header.unknown_errno;
        return CSUP_ANSWER_DENY;
    }
    struct csup_verdict_entry entry = read_entry(table, (uint32_t)index);
    switch (entry.kind) {
    case CSUP_VERDICT_CONTINUE_AND_RECORD:
        return CSUP_ANSWER_CONTINUE_RECORDED;
    case CSUP_VERDICT_DENY:
        *error = entry.error;
        return CSUP_ANSWER_DENY;
    case CSUP_VERDICT_DENY_REQUESTS: {
        // The kernel reads an ioctl request as 32 bits: high bits set in
        // the register must not disguise a listed request.
        uint32_t request = (uint32_t)arg1;
        for (uint32_t i = 0; i < entry.request_count; i++) {
            if (read_request(table, header.entry_count, entry.first_request + i) == request) {
                *error = entry.error;
                return CSUP_ANSWER_DENY;
            }
        }
        return CSUP_ANSWER_CONTINUE_UNRECORDED;
    }
    default:
        // A checked table has no other kind; an unchecked one fails closed.
        *error = ENOSYS;
        return CSUP_ANSWER_DENY;
    }
}
