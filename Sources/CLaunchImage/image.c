// Saving a planned launch to bytes and reading it back (see claunch_image.h).
//
// The bytes are the structs themselves, laid out one after another, with
// every pointer stored as an offset from the start and listed in a
// relocation table. Reading back is then one pass over that table; only
// this file knows which fields are pointers, and it writes them all.
#define _GNU_SOURCE
#include "claunch_image.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char image_magic[8] = {'A', 'I', 'R', 'L', 'I', 'M', 'G', 1};

struct image_header {
    char magic[8];
    uint32_t layout;
    uint32_t reserved;
    uint64_t length;
    unsigned char key[32];
    uint64_t seal;               // SipHash of the whole image with this field zero (see mac.c)
    char boot_id[40];
    uint64_t image_offset;
    uint64_t relocations_offset;
    uint64_t relocation_count;
};

/// Changes whenever a struct an image holds changes size, so an image
/// written by another build is refused rather than misread. (The front end
/// and the CLI are built together; an older image is simply a miss.)
static uint32_t layout_signature(void)
{
    uint32_t sizes[] = {
        sizeof(struct image_header), sizeof(struct claunch_image), sizeof(struct cjail_root_plan),
        sizeof(struct cjail_plan), sizeof(struct cjail_mount), sizeof(struct cjail_rlimit),
        sizeof(struct cjail_landlock_path_rule), sizeof(struct claunch_fingerprint),
        sizeof(struct claunch_cgroup_folder), sizeof(struct claunch_cgroup_write), sizeof(struct claunch_cgroup_counter),
        5, // the format's own version
    };
    uint32_t signature = 2166136261u;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) signature = (signature ^ sizes[i]) * 16777619u;
    return signature;
}

// ---------------------------------------------------------------------------
// Writing.

struct builder {
    unsigned char *bytes;
    size_t length, capacity;
    uint64_t *relocations;
    size_t relocation_count, relocation_capacity;
    int failed;
};

/// Appends `size` bytes (zeros when `data` is NULL) at an 8-byte boundary;
/// returns their offset. Offsets, never pointers: the buffer moves as it grows.
static size_t append(struct builder *b, const void *data, size_t size)
{
    size_t offset = (b->length + 7) & ~(size_t)7;
    if (b->failed) return 0;
    if (offset + size > b->capacity) {
        size_t wanted = b->capacity ? b->capacity : 4096;
        while (wanted < offset + size) wanted *= 2;
        unsigned char *grown = realloc(b->bytes, wanted);
        if (!grown) {
            b->failed = 1;
            return 0;
        }
        b->bytes = grown;
        b->capacity = wanted;
    }
    memset(b->bytes + b->length, 0, offset - b->length);
    if (data) memcpy(b->bytes + offset, data, size);
    else memset(b->bytes + offset, 0, size);
    b->length = offset + size;
    return offset;
}

/// Stores `target` (an offset, 0 for NULL) in the pointer at `slot`, and
/// lists the slot for relocation when it points somewhere.
static void set_pointer(struct builder *b, size_t slot, size_t target)
{
    if (b->failed) return;
    uint64_t value = target;
    memcpy(b->bytes + slot, &value, sizeof value);
    if (target == 0) return;
    if (b->relocation_count == b->relocation_capacity) {
        size_t wanted = b->relocation_capacity ? 2 * b->relocation_capacity : 64;
        uint64_t *grown = realloc(b->relocations, wanted * sizeof *grown);
        if (!grown) {
            b->failed = 1;
            return;
        }
        b->relocations = grown;
        b->relocation_capacity = wanted;
    }
    b->relocations[b->relocation_count++] = slot;
}

static size_t put_string(struct builder *b, const char *s) { return s ? append(b, s, strlen(s) + 1) : 0; }

/// `size` bytes and a NUL after them (file contents are read as bytes, a
/// tmpfs's options as a string: either way the copy ends in a NUL).
static size_t put_bytes(struct builder *b, const void *data, size_t size)
{
    if (!data) return 0;
    size_t offset = append(b, NULL, size + 1);
    if (!b->failed) memcpy(b->bytes + offset, data, size);
    return offset;
}

static size_t put_string_array(struct builder *b, char *const *strings)
{
    if (!strings) return 0;
    size_t count = 0;
    while (strings[count]) count++;
    size_t array = append(b, NULL, (count + 1) * sizeof(char *));
    for (size_t i = 0; i < count; i++) set_pointer(b, array + i * sizeof(char *), put_string(b, strings[i]));
    return array;
}

/// Appends `count` records of `size` bytes, then the string each names at
/// the offsets in `fields` (its `const char *` members), pointed to from it.
static size_t put_records(struct builder *b, const void *records, int count, size_t size, const size_t *fields, int field_count)
{
    if (!records || count <= 0) return 0;
    size_t array = append(b, records, (size_t)count * size);
    for (int i = 0; i < count; i++) {
        const char *record = (const char *)records + (size_t)i * size;
        for (int f = 0; f < field_count; f++) {
            const char *text;
            memcpy(&text, record + fields[f], sizeof text);
            set_pointer(b, array + (size_t)i * size + fields[f], put_string(b, text));
        }
    }
    return array;
}

static size_t put_mounts(struct builder *b, const struct cjail_mount *mounts, int count)
{
    if (!mounts || count <= 0) return 0;
    size_t array = append(b, mounts, (size_t)count * sizeof *mounts);
    for (int i = 0; i < count; i++) {
        size_t slot = array + (size_t)i * sizeof *mounts;
        const struct cjail_mount *m = &mounts[i];
        set_pointer(b, slot + offsetof(struct cjail_mount, source), put_string(b, m->source));
        set_pointer(b, slot + offsetof(struct cjail_mount, target), put_string(b, m->target));
        // A file's contents are bytes (maybe none, maybe with NULs); other
        // kinds' data is a string (a tmpfs's options).
        size_t data = m->kind == CJAIL_MOUNT_FILE ? put_bytes(b, m->data, m->data_len) : put_string(b, m->data);
        set_pointer(b, slot + offsetof(struct cjail_mount, data), data);
    }
    return array;
}

static void put_root(struct builder *b, size_t slot, const struct cjail_root_plan *root)
{
    set_pointer(b, slot + offsetof(struct cjail_root_plan, uid_map), put_string(b, root->uid_map));
    set_pointer(b, slot + offsetof(struct cjail_root_plan, gid_map), put_string(b, root->gid_map));
    set_pointer(b, slot + offsetof(struct cjail_root_plan, base_tmpfs_options), put_string(b, root->base_tmpfs_options));
    set_pointer(b, slot + offsetof(struct cjail_root_plan, mounts), put_mounts(b, root->mounts, root->mount_count));
    set_pointer(b, slot + offsetof(struct cjail_root_plan, hostname), put_string(b, root->hostname));
    static const size_t rule_fields[] = { offsetof(struct cjail_landlock_path_rule, path) };
    size_t rules = put_records(b, root->landlock_rules, root->landlock_rule_count, sizeof *root->landlock_rules, rule_fields, 1);
    set_pointer(b, slot + offsetof(struct cjail_root_plan, landlock_rules), rules);
    set_pointer(b, slot + offsetof(struct cjail_root_plan, cgroup_procs_paths), 0);
    set_pointer(b, slot + offsetof(struct cjail_root_plan, cgroup_self_paths), 0);
    set_pointer(b, slot + offsetof(struct cjail_root_plan, seal), 0);
}

static void put_plan(struct builder *b, size_t slot, const struct cjail_plan *plan)
{
    set_pointer(b, slot + offsetof(struct cjail_plan, late_mounts), put_mounts(b, plan->late_mounts, plan->late_mount_count));
    size_t rlimits = plan->rlimits && plan->rlimit_count > 0
        ? append(b, plan->rlimits, (size_t)plan->rlimit_count * sizeof *plan->rlimits) : 0;
    set_pointer(b, slot + offsetof(struct cjail_plan, rlimits), rlimits);
    size_t filter = plan->filter && plan->filter_len > 0
        ? append(b, plan->filter, (size_t)plan->filter_len * sizeof *plan->filter) : 0;
    set_pointer(b, slot + offsetof(struct cjail_plan, filter), filter);
    set_pointer(b, slot + offsetof(struct cjail_plan, workdir), put_string(b, plan->workdir));
    set_pointer(b, slot + offsetof(struct cjail_plan, exec_candidates), 0);
    set_pointer(b, slot + offsetof(struct cjail_plan, argv), 0);
    set_pointer(b, slot + offsetof(struct cjail_plan, envp), put_string_array(b, plan->envp));
}

/// What no front end may run: state of one launch (fds, cgroup paths, a
/// command), or a root that seals itself (its command plan is inside it).
static int encodable(const struct claunch_image *image)
{
    const struct cjail_root_plan *root = &image->root;
    const struct cjail_plan *plan = &image->plan;
    if (root->seal || root->netns_fd >= 0 || root->cgroup_procs_count || root->cgroup_self_count) return 0;
    if (plan->argv || plan->exec_candidates || plan->exec_candidate_count) return 0;
    if (!plan->filter || plan->filter_len == 0 || !image->verdicts || image->verdicts_length == 0) return 0;
    if (!image->exec_path || !plan->workdir || !plan->envp) return 0;
    return 1;
}

int claunch_image_encode(const struct claunch_image *image, const unsigned char key[32], const unsigned char secret[16],
                         void **bytes, size_t *length)
{
    if (!encodable(image)) return -EINVAL;
    struct image_header header;
    memset(&header, 0, sizeof header);
    memcpy(header.magic, image_magic, sizeof image_magic);
    header.layout = layout_signature();
    memcpy(header.key, key, 32);
    int rc = claunch_boot_id(header.boot_id);
    if (rc < 0) return rc;

    struct builder b = {0};
    append(&b, &header, sizeof header);
    size_t top = append(&b, image, sizeof *image);
    if (!b.failed) {
        struct claunch_image *copy = (struct claunch_image *)(b.bytes + top);
        copy->root.landlock_ruleset_fd = -1;
    }
    put_root(&b, top + offsetof(struct claunch_image, root), &image->root);
    put_plan(&b, top + offsetof(struct claunch_image, plan), &image->plan);
    set_pointer(&b, top + offsetof(struct claunch_image, exec_path), put_string(&b, image->exec_path));

    static const size_t folder_fields[] = { offsetof(struct claunch_cgroup_folder, parent) };
    static const size_t write_fields[] = { offsetof(struct claunch_cgroup_write, file), offsetof(struct claunch_cgroup_write, value) };
    static const size_t counter_fields[] = { offsetof(struct claunch_cgroup_counter, file), offsetof(struct claunch_cgroup_counter, key) };
    static const size_t print_fields[] = { offsetof(struct claunch_fingerprint, path) };
    set_pointer(&b, top + offsetof(struct claunch_image, cgroup_folders),
                put_records(&b, image->cgroup_folders, image->cgroup_folder_count, sizeof *image->cgroup_folders, folder_fields, 1));
    set_pointer(&b, top + offsetof(struct claunch_image, cgroup_writes),
                put_records(&b, image->cgroup_writes, image->cgroup_write_count, sizeof *image->cgroup_writes, write_fields, 2));
    set_pointer(&b, top + offsetof(struct claunch_image, cgroup_counters),
                put_records(&b, image->cgroup_counters, image->cgroup_counter_count, sizeof *image->cgroup_counters, counter_fields, 2));
    set_pointer(&b, top + offsetof(struct claunch_image, verdicts), put_bytes(&b, image->verdicts, image->verdicts_length));
    size_t prints = put_records(&b, image->fingerprints, image->fingerprint_count, sizeof *image->fingerprints, print_fields, 1);
    set_pointer(&b, top + offsetof(struct claunch_image, fingerprints), prints);

    size_t relocations = append(&b, b.relocations, b.relocation_count * sizeof(uint64_t));
    if (b.failed) {
        free(b.bytes);
        free(b.relocations);
        return -ENOMEM;
    }
    struct image_header *written = (struct image_header *)b.bytes;
    written->length = b.length;
    written->image_offset = top;
    written->relocations_offset = relocations;
    written->relocation_count = b.relocation_count;
    written->seal = 0;
    written->seal = claunch_siphash(secret, b.bytes, b.length);
    free(b.relocations);
    *bytes = b.bytes;
    *length = b.length;
    return 0;
}

// ---------------------------------------------------------------------------
// Reading.

int claunch_image_decode(void *bytes, size_t length, const unsigned char key[32], const unsigned char secret[16],
                         const struct claunch_image **image)
{
    unsigned char *base = bytes;
    struct image_header header;
    if (length < sizeof header + sizeof(struct claunch_image)) return -EINVAL;
    memcpy(&header, base, sizeof header);
    if (memcmp(header.magic, image_magic, sizeof image_magic) != 0 || header.layout != layout_signature()) return -EINVAL;
    if (header.length != length) return -EINVAL;
    // The seal first: nothing else in an image is believed before it.
    uint64_t zero = 0;
    memcpy(base + offsetof(struct image_header, seal), &zero, sizeof zero);
    uint64_t seal = claunch_siphash(secret, base, length);
    memcpy(base + offsetof(struct image_header, seal), &header.seal, sizeof header.seal);
    if (seal != header.seal) return -EINVAL;
    if (memcmp(header.key, key, 32) != 0) return -ESTALE;
    char boot[40];
    if (claunch_boot_id(boot) < 0 || memcmp(boot, header.boot_id, 37) != 0) return -ESTALE;

    if (header.image_offset < sizeof header || header.image_offset > length - sizeof(struct claunch_image) ||
        header.image_offset % 8 != 0) {
        return -EINVAL;
    }
    if (header.relocations_offset > length || header.relocation_count > (length - header.relocations_offset) / 8) return -EINVAL;
    const unsigned char *table = base + header.relocations_offset;
    for (uint64_t i = 0; i < header.relocation_count; i++) {
        uint64_t slot, target;
        memcpy(&slot, table + 8 * i, 8);
        if (slot < sizeof header || slot > length - 8 || slot % 8 != 0) return -EINVAL;
        memcpy(&target, base + slot, 8);
        if (target < sizeof header || target >= length) return -EINVAL;
        uintptr_t pointer = (uintptr_t)(base + target);
        memcpy(base + slot, &pointer, sizeof pointer);
    }
    *image = (const struct claunch_image *)(base + header.image_offset);
    return 0;
}
