/* Runs every conformance vector in spec/vectors/{valid,invalid} through the C API and
 * checks it against its expectation NAME.json. Usage: test_vectors VECTOR_DIR */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "scanx.h"
#include "sha256.h"

static int failures = 0;
static int checked = 0;

/* The vectors' expectations describe the reader with the integrity check off (a tampered
 * file whose structure is intact reads as altered pixels); the default, with the check
 * on, is checked against each vector's verification status in check_integrity. */
static const scanx_read_options NO_CHECK = {SCANX_READ_NO_DIGEST_CHECK, 0, 0, 0, 0, 0, 0, 0, 0};
static int refused = 0;

#define FAIL(name, ...)                                                  \
    do {                                                                 \
        fprintf(stderr, "FAIL %s: ", name);                              \
        fprintf(stderr, __VA_ARGS__);                                    \
        fprintf(stderr, "\n");                                           \
        failures++;                                                      \
    } while (0)

static const char *last_message(void) {
    static char buf[4096];
    if (scanx_last_error_message(buf, sizeof buf, NULL) != SCANX_OK) strcpy(buf, "(long message)");
    return buf;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *sample_name(scanx_sample_type t) {
    switch (t) {
    case SCANX_SAMPLE_U8: return "u8";
    case SCANX_SAMPLE_U16: return "u16";
    case SCANX_SAMPLE_U32: return "u32";
    case SCANX_SAMPLE_F32: return "f32";
    }
    return "?";
}

static const char *verify_name(scanx_verify_status s) {
    switch (s) {
    case SCANX_VERIFY_TRUSTED: return "TRUSTED";
    case SCANX_VERIFY_VALID_UNTRUSTED: return "VALID_UNTRUSTED";
    case SCANX_VERIFY_INVALID: return "INVALID";
    case SCANX_VERIFY_UNSIGNED: return "UNSIGNED";
    }
    return "?";
}

static size_t json_array_count(char *text) {
    json *j = json_parse(text);
    size_t n = j && j->kind == J_ARR ? json_len(j) : (size_t)-1;
    json_free(j);
    return n;
}

/* Verification: status and sorted distinct reasons. */
static void check_verify(const char *name, const char *path, const json *expect,
                         const scanx_trust_store *trust, size_t *signatures) {
    scanx_report *report = NULL;
    scanx_verify_status status;
    size_t count = 0, i, n = 0;
    const char **reasons;
    const json *want = json_get(expect, "verify");
    const json *want_reasons = json_get(want, "reasons");
    if (scanx_verify_path(path, trust, &report) != SCANX_OK) {
        FAIL(name, "verify failed: %s", last_message());
        return;
    }
    scanx_report_status(report, &status);
    if (strcmp(verify_name(status), json_get(want, "status")->str) != 0)
        FAIL(name, "verify status %s, expected %s", verify_name(status), json_get(want, "status")->str);
    scanx_report_problem_count(report, &count);
    reasons = calloc(count + 1, sizeof *reasons);
    for (i = 0; i < count; i++) {
        scanx_problem p;
        size_t k;
        int seen = 0;
        if (scanx_report_problem(report, i, &p) != SCANX_OK) FAIL(name, "problem %zu", i);
        for (k = 0; k < n; k++) seen |= !strcmp(reasons[k], p.reason_name);
        if (!seen) reasons[n++] = p.reason_name;
    }
    qsort(reasons, n, sizeof *reasons, cmp_str);
    if (n != json_len(want_reasons)) {
        FAIL(name, "%zu distinct reasons, expected %zu", n, json_len(want_reasons));
    } else {
        for (i = 0; i < n; i++)
            if (strcmp(reasons[i], json_at(want_reasons, i)->str) != 0)
                FAIL(name, "reason %s, expected %s", reasons[i], json_at(want_reasons, i)->str);
    }
    if (signatures) scanx_report_signature_count(report, signatures);
    free(reasons);
    scanx_report_free(report);
}

/* Opens `path` with the default options (integrity check on) and reads every plane, the
 * annotations and the events; the first failure, or SCANX_OK. */
static scanx_status read_all_checked(const char *path) {
    scanx_reader *r = NULL;
    scanx_status s = scanx_reader_open_path(path, NULL, &r);
    size_t planes = 0, i;
    char *text = NULL;
    if (s != SCANX_OK) return s;
    scanx_reader_plane_count(r, &planes);
    for (i = 0; i < planes && s == SCANX_OK; i++) {
        scanx_plane_info info;
        uint8_t *pixels;
        size_t size;
        scanx_reader_plane_info(r, (uint32_t)i, &info);
        size = (size_t)info.width * info.height * info.bytes_per_sample;
        pixels = malloc(size ? size : 1);
        s = scanx_reader_read_plane(r, (uint32_t)i, pixels, size, (size_t)info.width * info.bytes_per_sample);
        free(pixels);
    }
    if (s == SCANX_OK && (s = scanx_reader_annotations_json(r, &text)) == SCANX_OK) scanx_string_free(text);
    if (s == SCANX_OK && (s = scanx_reader_events_json(r, &text)) == SCANX_OK) scanx_string_free(text);
    scanx_reader_free(r);
    return s;
}

/* A file the vectors call valid, with the integrity check on (the default): one that
 * verification without a trust store finds INVALID (integrity, not a trust decision such
 * as a revoked key) fails the forward check with an integrity status (7xx); any other
 * reads in full through both readers. */
static void check_integrity(const char *name, const char *path) {
    scanx_report *report = NULL;
    scanx_verify_status status = SCANX_VERIFY_INVALID;
    int invalid;
    if (scanx_verify_path(path, NULL, &report) != SCANX_OK || scanx_report_status(report, &status) != SCANX_OK)
        FAIL(name, "verify without a trust store: %s", last_message());
    scanx_report_free(report);
    invalid = status == SCANX_VERIFY_INVALID;
    scanx_status forward = scanx_check_path(path, NULL);
    scanx_status random_access = read_all_checked(path);
    if (invalid) {
        if (forward < 700 || forward > 799)
            FAIL(name, "checked forward read gave %s, expected an integrity failure", scanx_status_name(forward));
        if (random_access != SCANX_OK && (random_access < 700 || random_access > 799))
            FAIL(name, "checked random access gave %s", scanx_status_name(random_access));
        refused += random_access != SCANX_OK;
    } else {
        if (forward != SCANX_OK) FAIL(name, "checked forward read failed: %s", last_message());
        if (random_access != SCANX_OK) FAIL(name, "checked random access failed: %s", last_message());
    }
}

static void check_valid(const char *name, const char *path, const json *e,
                        const scanx_trust_store *trust) {
    scanx_reader *r = NULL;
    uint8_t id[16];
    char hex[33], digest[65], version[16];
    uint16_t major, minor;
    size_t planes = 0, i, signatures = 0;
    bool personal;
    char *text = NULL;
    const json *want_planes = json_get(e, "planes");

    if (scanx_check_path(path, &NO_CHECK) != SCANX_OK) FAIL(name, "full read failed: %s", last_message());
    if (scanx_reader_open_path(path, &NO_CHECK, &r) != SCANX_OK) {
        FAIL(name, "open failed: %s", last_message());
        return;
    }
    scanx_reader_file_id(r, id, sizeof id);
    for (i = 0; i < 16; i++) sprintf(hex + 2 * i, "%02x", id[i]);
    if (strcmp(hex, json_get(e, "file_id")->str) != 0) FAIL(name, "file id %s", hex);
    scanx_reader_version(r, &major, &minor);
    sprintf(version, "%u.%u", (unsigned)major, (unsigned)minor);
    if (strcmp(version, json_get(e, "version")->str) != 0) FAIL(name, "version %s", version);
    if (scanx_reader_metadata_json(r, &text) == SCANX_OK) {
        sha256_hex(text, strlen(text), digest);
        if (strcmp(digest, json_get(e, "metadata_sha256")->str) != 0) FAIL(name, "metadata digest");
        scanx_string_free(text);
    } else FAIL(name, "metadata: %s", last_message());
    scanx_reader_has_personal_data(r, &personal);
    if ((int)personal != json_get(e, "personal_data")->boolean) FAIL(name, "personal data flag");
    if (personal) {
        if (scanx_reader_personal_data_json(r, &text) != SCANX_OK) FAIL(name, "personal data");
        else scanx_string_free(text);
    }
    if (scanx_reader_annotations_json(r, &text) == SCANX_OK) {
        if (json_array_count(text) != (size_t)json_get(e, "annotations")->num) FAIL(name, "annotations");
        scanx_string_free(text);
    } else FAIL(name, "annotations: %s", last_message());
    if (scanx_reader_events_json(r, &text) == SCANX_OK) {
        if (json_array_count(text) != (size_t)json_get(e, "events")->num) FAIL(name, "events");
        scanx_string_free(text);
    } else FAIL(name, "events: %s", last_message());

    scanx_reader_plane_count(r, &planes);
    if (planes != json_len(want_planes)) FAIL(name, "%zu planes, expected %zu", planes, json_len(want_planes));
    for (i = 0; i < planes && i < json_len(want_planes); i++) {
        const json *w = json_at(want_planes, i);
        scanx_plane_info info;
        size_t size;
        uint8_t *pixels;
        if (scanx_reader_plane_info(r, (uint32_t)i, &info) != SCANX_OK) {
            FAIL(name, "plane info %zu: %s", i, last_message());
            continue;
        }
        if (info.width != (uint32_t)json_get(w, "width")->num ||
            info.height != (uint32_t)json_get(w, "height")->num ||
            info.tile_width != (uint32_t)json_get(w, "tile_width")->num ||
            info.tile_height != (uint32_t)json_get(w, "tile_height")->num ||
            (int)info.personal != json_get(w, "personal")->boolean ||
            strcmp(sample_name(info.sample_type), json_get(w, "sample_type")->str) != 0)
            FAIL(name, "plane %zu description", i);
        size = (size_t)info.width * info.height * info.bytes_per_sample;
        pixels = malloc(size);
        if (scanx_reader_read_plane(r, (uint32_t)i, pixels, size, (size_t)info.width * info.bytes_per_sample) !=
            SCANX_OK) {
            FAIL(name, "read plane %zu: %s", i, last_message());
        } else {
            sha256_hex(pixels, size, digest);
            if (strcmp(digest, json_get(w, "pixels_sha256")->str) != 0) FAIL(name, "plane %zu pixels digest", i);
        }
        free(pixels);
    }
    scanx_reader_free(r);
    check_verify(name, path, e, trust, &signatures);
    if (signatures != (size_t)json_get(e, "signatures")->num) FAIL(name, "%zu signatures", signatures);
    check_integrity(name, path);
}

/* An invalid file: the full read stops with `code`; the random-access reader fails too. */
static void check_invalid(const char *name, const char *path, const json *e,
                          const scanx_trust_store *trust) {
    scanx_status want = (scanx_status)json_get(e, "code")->num;
    scanx_status got = scanx_check_path(path, &NO_CHECK);
    scanx_status random_access = SCANX_OK;
    const json *ra = json_get(e, "random_access_error");
    scanx_reader *r = NULL;
    if (got != want)
        FAIL(name, "full read gave %d (%s), expected %d: %s", (int)got, scanx_status_name(got), (int)want,
             last_message());
    random_access = scanx_reader_open_path(path, &NO_CHECK, &r);
    if (random_access == SCANX_OK) {
        size_t planes = 0, i;
        char *text = NULL;
        scanx_reader_plane_count(r, &planes);
        for (i = 0; i < planes && random_access == SCANX_OK; i++) {
            scanx_plane_info info;
            uint8_t *pixels;
            size_t size;
            scanx_reader_plane_info(r, (uint32_t)i, &info);
            size = (size_t)info.width * info.height * info.bytes_per_sample;
            pixels = malloc(size ? size : 1);
            random_access = scanx_reader_read_plane(r, (uint32_t)i, pixels, size,
                                                    (size_t)info.width * info.bytes_per_sample);
            free(pixels);
        }
        if (random_access == SCANX_OK && (random_access = scanx_reader_annotations_json(r, &text)) == SCANX_OK)
            scanx_string_free(text);
        if (random_access == SCANX_OK && (random_access = scanx_reader_events_json(r, &text)) == SCANX_OK)
            scanx_string_free(text);
        scanx_reader_free(r);
    }
    if (random_access == SCANX_OK) FAIL(name, "the random-access reader accepted it");
    else if (ra && ra->kind == J_STR && strcmp(scanx_status_name(random_access), ra->str) != 0)
        FAIL(name, "random access gave %s, expected %s", scanx_status_name(random_access), ra->str);
    check_verify(name, path, e, trust, NULL);
}

static void run_dir(const char *root, const char *kind, const scanx_trust_store *trust) {
    char dir[4096];
    DIR *d;
    struct dirent *ent;
    snprintf(dir, sizeof dir, "%s/%s", root, kind);
    d = opendir(dir);
    if (!d) {
        FAIL(dir, "cannot open");
        return;
    }
    while ((ent = readdir(d)) != NULL) {
        char json_path[8192], scx_path[8192], name[1024];
        size_t n = strlen(ent->d_name);
        char *text;
        json *e;
        if (n < 6 || strcmp(ent->d_name + n - 5, ".json") != 0) continue;
        snprintf(name, sizeof name, "%s/%.*s", kind, (int)(n - 5), ent->d_name);
        snprintf(json_path, sizeof json_path, "%s/%s", dir, ent->d_name);
        snprintf(scx_path, sizeof scx_path, "%s/%.*s.scx", dir, (int)(n - 5), ent->d_name);
        text = read_file(json_path, NULL);
        e = text ? json_parse(text) : NULL;
        free(text);
        if (!e || !json_get(e, "expect")) {
            FAIL(name, "unreadable expectation");
            json_free(e);
            continue;
        }
        if (!strcmp(json_get(e, "expect")->str, "valid")) check_valid(name, scx_path, e, trust);
        else check_invalid(name, scx_path, e, trust);
        checked++;
        json_free(e);
    }
    closedir(d);
}

int main(int argc, char **argv) {
    char path[4096];
    scanx_trust_store *trust = NULL;
    if (argc != 2) {
        fprintf(stderr, "usage: %s VECTOR_DIR\n", argv[0]);
        return 2;
    }
    snprintf(path, sizeof path, "%s/truststore.json", argv[1]);
    if (scanx_trust_store_load(path, &trust) != SCANX_OK) {
        fprintf(stderr, "trust store: %s\n", last_message());
        return 1;
    }
    run_dir(argv[1], "valid", trust);
    run_dir(argv[1], "invalid", trust);
    scanx_trust_store_free(trust);
    if (checked < 100) FAIL("vectors", "only %d vectors found", checked);
    if (refused == 0) FAIL("vectors", "the checked random-access reader refused no tampered vector");
    printf("%d vectors checked (%d tampered ones refused by the checked random-access reader), %d failures\n",
           checked, refused, failures);
    return failures ? 1 : 0;
}
