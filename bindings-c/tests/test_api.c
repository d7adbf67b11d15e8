/* The C API end to end: bad arguments and their statuses, errors, buffers and strides,
 * memory and callback sources, writing and signing (key and callback), atomic output,
 * editing, keys, and region reads from several threads.
 * Usage: test_api REPO_ROOT SCRATCH_DIR */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "scanx.h"
#include "sha256.h"

static int failures = 0;
static char root[2048], scratch[2048];

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            char msg_[2048] = "";                                                     \
            scanx_last_error_message(msg_, sizeof msg_, NULL);                        \
            fprintf(stderr, "FAIL %s:%d: %s [last error: %s]\n", __FILE__, __LINE__, #cond, \
                    msg_);                                                            \
            failures++;                                                               \
        }                                                                             \
    } while (0)
#define CHECK_STATUS(call, want) CHECK((call) == (want))

static void path_in(char *out, size_t len, const char *base, const char *rel) {
    snprintf(out, len, "%s/%s", base, rel);
}

static const int64_t TIME = 1772355600; /* 2026-03-01T09:00:00Z */

static const char *ATTRS_HIGH =
    "{\"name\":\"side high energy\",\"view\":\"side\",\"channel\":\"high-energy\","
    "\"pixel_spacing_mm\":[5.0,5.0],\"value_meaning\":\"transmission\","
    "\"rescale_slope\":0.5,\"rescale_intercept\":1.0,\"display_window\":{\"center\":0.5,\"width\":1.0}}";
static const char *ATTRS_LOW =
    "{\"name\":\"side low energy\",\"view\":\"side\",\"channel\":\"low-energy\","
    "\"pixel_spacing_mm\":[5.0,5.0],\"value_meaning\":\"transmission\"}";

static void test_version(void) {
    char want[64];
    snprintf(want, sizeof want, "%d.%d.%d", SCANX_VERSION_MAJOR, SCANX_VERSION_MINOR, SCANX_VERSION_PATCH);
    CHECK(strcmp(scanx_version(), want) == 0);
    CHECK(strcmp(scanx_status_name(SCANX_TRUNCATED), "TRUNCATED") == 0);
    CHECK(strcmp(scanx_status_name(SCANX_NULL_POINTER), "NULL_POINTER") == 0);
    CHECK(strcmp(scanx_status_name(12345), "UNKNOWN_ERROR") == 0);
}

static void test_null_arguments(void) {
    scanx_reader *r = (scanx_reader *)(uintptr_t)1; /* sentinel: must stay untouched */
    size_t n = 7;
    char path[4096];
    path_in(path, sizeof path, root, "spec/vectors/valid/dual-energy-two-views.scx");
    CHECK_STATUS(scanx_reader_open_path(NULL, NULL, &r), SCANX_NULL_POINTER);
    CHECK(r == (scanx_reader *)(uintptr_t)1);
    CHECK(scanx_last_error_code() == SCANX_NULL_POINTER);
    CHECK_STATUS(scanx_reader_open_path(path, NULL, NULL), SCANX_NULL_POINTER);
    CHECK_STATUS(scanx_reader_open_memory(NULL, 10, NULL, &r), SCANX_NULL_POINTER);
    CHECK_STATUS(scanx_reader_open_callbacks(NULL, NULL, NULL, NULL, &r), SCANX_NULL_POINTER);
    CHECK_STATUS(scanx_reader_plane_count(NULL, &n), SCANX_NULL_POINTER);
    CHECK(n == 7);
    CHECK_STATUS(scanx_verify_path(NULL, NULL, NULL), SCANX_NULL_POINTER);
    CHECK_STATUS(scanx_key_generate(NULL), SCANX_NULL_POINTER);
    CHECK_STATUS(scanx_writer_new(NULL, 5, NULL, 0, NULL), SCANX_NULL_POINTER);
    CHECK_STATUS(scanx_editor_open_path(NULL, NULL, NULL), SCANX_NULL_POINTER);
    CHECK_STATUS(scanx_trust_store_from_json(NULL, 1, NULL), SCANX_NULL_POINTER);
    /* every _free accepts NULL */
    CHECK_STATUS(scanx_reader_free(NULL), SCANX_OK);
    CHECK_STATUS(scanx_report_free(NULL), SCANX_OK);
    CHECK_STATUS(scanx_trust_store_free(NULL), SCANX_OK);
    CHECK_STATUS(scanx_writer_free(NULL), SCANX_OK);
    CHECK_STATUS(scanx_editor_free(NULL), SCANX_OK);
    CHECK_STATUS(scanx_key_free(NULL), SCANX_OK);
    CHECK_STATUS(scanx_signer_free(NULL), SCANX_OK);
    CHECK_STATUS(scanx_string_free(NULL), SCANX_OK);
    CHECK(scanx_last_error_code() == SCANX_OK); /* success clears the last error */
}

static void test_errors(void) {
    char path[4096], small[8] = "xxxxxxx", buf[1024];
    size_t needed = 0;
    uint64_t offset = 0;
    scanx_reader *r = NULL;
    path_in(path, sizeof path, root, "spec/vectors/invalid/plane-flags-undefined.scx");
    CHECK(scanx_check_path(path, NULL) == SCANX_MALFORMED_CHUNK);
    CHECK(scanx_last_error_code() == SCANX_MALFORMED_CHUNK);
    CHECK_STATUS(scanx_last_error_message(NULL, 0, &needed), SCANX_BUFFER_TOO_SMALL);
    CHECK(needed > 20);
    CHECK_STATUS(scanx_last_error_message(small, sizeof small, &needed), SCANX_BUFFER_TOO_SMALL);
    CHECK(strcmp(small, "xxxxxxx") == 0); /* nothing written on failure */
    CHECK_STATUS(scanx_last_error_message(buf, sizeof buf, &needed), SCANX_OK);
    CHECK(strlen(buf) + 1 == needed);
    CHECK(strncmp(buf, "MALFORMED_CHUNK: ", 17) == 0);
    CHECK(strstr(buf, "chunk PLAN") != NULL && strstr(buf, "at byte") != NULL);
    CHECK_STATUS(scanx_last_error_offset(&offset), SCANX_OK);
    CHECK(offset > 0);
    CHECK_STATUS(scanx_last_error_message(buf, 0, NULL), SCANX_BUFFER_TOO_SMALL);
    /* a missing file */
    path_in(path, sizeof path, scratch, "no-such-file.scx");
    CHECK_STATUS(scanx_reader_open_path(path, NULL, &r), SCANX_IO);
    CHECK(r == NULL);
}

static char *plane_digest(const scanx_reader *r, uint32_t plane) {
    static char hex[65];
    scanx_plane_info info;
    size_t size;
    uint8_t *buf;
    if (scanx_reader_plane_info(r, plane, &info) != SCANX_OK) return NULL;
    size = (size_t)info.width * info.height * info.bytes_per_sample;
    buf = malloc(size);
    if (scanx_reader_read_plane(r, plane, buf, size, (size_t)info.width * info.bytes_per_sample) != SCANX_OK) {
        free(buf);
        return NULL;
    }
    sha256_hex(buf, size, hex);
    free(buf);
    return hex;
}

static void test_buffers_and_strides(void) {
    char path[4096], want[65];
    scanx_reader *r = NULL;
    scanx_plane_info info;
    uint8_t packed[12 * 8 * 2], strided[8 * 32], small[10];
    size_t count = 0, y;
    path_in(path, sizeof path, root, "spec/vectors/valid/dual-energy-two-views.scx");
    CHECK_STATUS(scanx_reader_open_path(path, NULL, &r), SCANX_OK);
    if (!r) return;
    CHECK_STATUS(scanx_reader_plane_count(r, &count), SCANX_OK);
    CHECK(count == 5);
    CHECK_STATUS(scanx_reader_plane_info(r, 0, &info), SCANX_OK);
    CHECK(info.width == 12 && info.height == 8 && info.bytes_per_sample == 2);
    CHECK(info.sample_type == SCANX_SAMPLE_U16 && !info.personal);
    CHECK(strcmp(info.view, "side") == 0 && info.name[0] != '\0');
    CHECK_STATUS(scanx_reader_plane_info(r, 5, &info), SCANX_NOT_FOUND);
    CHECK_STATUS(scanx_reader_plane_info(r, 70000, &info), SCANX_NOT_FOUND);
    CHECK_STATUS(scanx_reader_read_plane(r, 5, packed, sizeof packed, 24), SCANX_NOT_FOUND);
    CHECK_STATUS(scanx_reader_read_plane(r, 0, packed, sizeof packed, 24), SCANX_OK);
    strcpy(want, plane_digest(r, 0));
    /* short buffer, short stride, NULL buffer */
    CHECK_STATUS(scanx_reader_read_plane(r, 0, packed, sizeof packed - 1, 24), SCANX_INVALID_ARGUMENT);
    CHECK_STATUS(scanx_reader_read_plane(r, 0, packed, sizeof packed, 23), SCANX_INVALID_ARGUMENT);
    CHECK_STATUS(scanx_reader_read_plane(r, 0, NULL, sizeof packed, 24), SCANX_NULL_POINTER);
    CHECK_STATUS(scanx_reader_read_region(r, 0, 0, 0, 5, 1, small, sizeof small, 10), SCANX_OK);
    CHECK_STATUS(scanx_reader_read_region(r, 0, 0, 0, 6, 1, small, sizeof small, 12), SCANX_INVALID_ARGUMENT);
    CHECK_STATUS(scanx_reader_read_region(r, 0, 8, 0, 5, 1, small, sizeof small, 10), SCANX_REGION_OUT_OF_BOUNDS);
    CHECK_STATUS(scanx_reader_read_region(r, 0, 0, 0, 0, 1, small, sizeof small, 10), SCANX_REGION_OUT_OF_BOUNDS);
    /* a strided region read: rows land at their stride, padding untouched */
    memset(strided, 0xAB, sizeof strided);
    CHECK_STATUS(scanx_reader_read_region(r, 0, 2, 0, 10, 8, strided, sizeof strided, 32), SCANX_OK);
    for (y = 0; y < 8; y++) {
        CHECK(memcmp(strided + y * 32, packed + y * 24 + 4, 20) == 0);
        CHECK(strided[y * 32 + 20] == 0xAB && strided[y * 32 + 31] == 0xAB);
    }
    scanx_reader_free(r);
}

/* A file in memory, reached through callbacks. */
typedef struct {
    const uint8_t *data;
    size_t len;
    int fail;
} memfile;

static int mem_read_at(void *user, uint64_t offset, uint8_t *buf, size_t len) {
    const memfile *m = (const memfile *)user;
    if (m->fail) return 5;
    if (offset > m->len || len > m->len - offset) return SCANX_READ_PAST_END;
    memcpy(buf, m->data + offset, len);
    return 0;
}

static int mem_size(void *user, uint64_t *out) {
    *out = ((const memfile *)user)->len;
    return 0;
}

static void test_sources(void) {
    char path[4096], want[65];
    size_t len = 0;
    char *bytes;
    scanx_reader *r = NULL;
    memfile m;
    path_in(path, sizeof path, root, "spec/vectors/valid/dual-energy-two-views.scx");
    CHECK_STATUS(scanx_reader_open_path(path, NULL, &r), SCANX_OK);
    strcpy(want, plane_digest(r, 4));
    scanx_reader_free(r);
    bytes = read_file(path, &len);
    r = NULL;
    CHECK_STATUS(scanx_reader_open_memory((const uint8_t *)bytes, len, NULL, &r), SCANX_OK);
    CHECK(r && strcmp(plane_digest(r, 4), want) == 0);
    scanx_reader_free(r);
    r = NULL;
    CHECK(scanx_reader_open_memory((const uint8_t *)bytes, len / 2, NULL, &r) != SCANX_OK);
    CHECK(r == NULL);
    m.data = (const uint8_t *)bytes;
    m.len = len;
    m.fail = 0;
    r = NULL;
    CHECK_STATUS(scanx_reader_open_callbacks(mem_read_at, mem_size, &m, NULL, &r), SCANX_OK);
    CHECK(r && strcmp(plane_digest(r, 4), want) == 0);
    scanx_reader_free(r);
    m.fail = 1;
    r = NULL;
    CHECK_STATUS(scanx_reader_open_callbacks(mem_read_at, mem_size, &m, NULL, &r), SCANX_IO);
    CHECK(r == NULL);
    m.fail = 0;
    m.len = 40;
    CHECK(scanx_reader_open_callbacks(mem_read_at, mem_size, &m, NULL, &r) != SCANX_OK);
    CHECK_STATUS(scanx_check_memory((const uint8_t *)bytes, len, NULL), SCANX_OK);
    CHECK_STATUS(scanx_check_memory((const uint8_t *)bytes, 30, NULL), SCANX_LENGTH_OVERFLOW);
    free(bytes);
}

/* Integrity on by default: a tampered tile fails to read, the rest of the file reads;
 * SCANX_READ_NO_DIGEST_CHECK reads it as altered pixels; the editor refuses the file
 * unless told otherwise; limits in the options apply. */
static void test_integrity(void) {
    char path[4096], good[4096], saved[4096];
    scanx_read_options no_check;
    scanx_read_options limits;
    scanx_reader *r = NULL;
    scanx_editor *e = NULL;
    uint8_t pixels[8 * 6 * 2];
    size_t len = 0, good_len = 0;
    char *bytes, *good_bytes;
    memset(&no_check, 0, sizeof no_check);
    no_check.flags = SCANX_READ_NO_DIGEST_CHECK;
    path_in(path, sizeof path, root, "spec/vectors/valid/tampered-byte-flip-in-tile.scx");
    path_in(good, sizeof good, root, "spec/vectors/valid/dual-energy-two-views.scx");

    /* default: opens (the tampered chunk is a tile), the altered tile fails as it is read */
    CHECK_STATUS(scanx_reader_open_path(path, NULL, &r), SCANX_OK);
    CHECK_STATUS(scanx_reader_read_plane(r, 0, pixels, sizeof pixels, 16), SCANX_DIGEST_MISMATCH);
    CHECK(scanx_last_error_code() == SCANX_DIGEST_MISMATCH);
    {
        char msg[1024];
        CHECK_STATUS(scanx_last_error_message(msg, sizeof msg, NULL), SCANX_OK);
        CHECK(strstr(msg, "DIGEST_MISMATCH") != NULL && strstr(msg, "TILE") != NULL);
    }
    /* the untouched top-left tile still reads */
    CHECK_STATUS(scanx_reader_read_region(r, 0, 0, 0, 4, 3, pixels, sizeof pixels, 8), SCANX_OK);
    scanx_reader_free(r);
    r = NULL;
    CHECK_STATUS(scanx_check_path(path, NULL), SCANX_DIGEST_MISMATCH);

    /* the check off: the altered pixels read */
    CHECK_STATUS(scanx_reader_open_path(path, &no_check, &r), SCANX_OK);
    CHECK_STATUS(scanx_reader_read_plane(r, 0, pixels, sizeof pixels, 16), SCANX_OK);
    scanx_reader_free(r);
    r = NULL;
    CHECK_STATUS(scanx_check_path(path, &no_check), SCANX_OK);

    /* the same from memory and through callbacks */
    bytes = read_file(path, &len);
    CHECK_STATUS(scanx_check_memory((const uint8_t *)bytes, len, NULL), SCANX_DIGEST_MISMATCH);
    CHECK_STATUS(scanx_check_memory((const uint8_t *)bytes, len, &no_check), SCANX_OK);
    CHECK_STATUS(scanx_reader_open_memory((const uint8_t *)bytes, len, NULL, &r), SCANX_OK);
    CHECK_STATUS(scanx_reader_read_plane(r, 0, pixels, sizeof pixels, 16), SCANX_DIGEST_MISMATCH);
    scanx_reader_free(r);
    r = NULL;
    {
        memfile m;
        m.data = (const uint8_t *)bytes;
        m.len = len;
        m.fail = 0;
        CHECK_STATUS(scanx_reader_open_callbacks(mem_read_at, mem_size, &m, NULL, &r), SCANX_OK);
        CHECK_STATUS(scanx_reader_read_plane(r, 0, pixels, sizeof pixels, 16), SCANX_DIGEST_MISMATCH);
        scanx_reader_free(r);
        r = NULL;
        CHECK_STATUS(scanx_reader_open_callbacks(mem_read_at, mem_size, &m, &no_check, &r), SCANX_OK);
        CHECK_STATUS(scanx_reader_read_plane(r, 0, pixels, sizeof pixels, 16), SCANX_OK);
        scanx_reader_free(r);
        r = NULL;
    }

    /* an unknown flag is refused, and nothing is written */
    no_check.flags = 0x80;
    CHECK_STATUS(scanx_reader_open_path(path, &no_check, &r), SCANX_INVALID_ARGUMENT);
    CHECK(r == NULL);
    CHECK_STATUS(scanx_check_path(path, &no_check), SCANX_INVALID_ARGUMENT);
    CHECK_STATUS(scanx_editor_open_path(path, &no_check, &e), SCANX_INVALID_ARGUMENT);
    CHECK(e == NULL);
    no_check.flags = SCANX_READ_NO_DIGEST_CHECK;

    /* the editor refuses the tampered file by default, edits it when told to */
    CHECK_STATUS(scanx_editor_open_path(path, NULL, &e), SCANX_DIGEST_MISMATCH);
    CHECK(e == NULL);
    CHECK_STATUS(scanx_editor_open_memory((const uint8_t *)bytes, len, NULL, &e), SCANX_DIGEST_MISMATCH);
    CHECK(e == NULL);
    CHECK_STATUS(scanx_editor_open_path(path, &no_check, &e), SCANX_OK);
    CHECK(e != NULL);
    CHECK_STATUS(scanx_editor_save(e, path), SCANX_INVALID_ARGUMENT);
    path_in(saved, sizeof saved, scratch, "tampered-edited.scx");
    CHECK_STATUS(scanx_editor_save(e, saved), SCANX_OK);
    scanx_editor_free(e);
    e = NULL;
    {
        scanx_report *rep = NULL;
        scanx_verify_status st = SCANX_VERIFY_TRUSTED;
        CHECK_STATUS(scanx_verify_path(saved, NULL, &rep), SCANX_OK);
        CHECK_STATUS(scanx_report_status(rep, &st), SCANX_OK);
        CHECK(st == SCANX_VERIFY_INVALID);
        scanx_report_free(rep);
    }
    CHECK_STATUS(scanx_editor_open_path(saved, NULL, &e), SCANX_DIGEST_MISMATCH);
    CHECK_STATUS(scanx_editor_open_memory((const uint8_t *)bytes, len, &no_check, &e), SCANX_OK);
    CHECK(e != NULL);
    scanx_editor_free(e);
    e = NULL;
    free(bytes);

    /* an editor over memory: the caller's buffer may go right after the call */
    good_bytes = read_file(good, &good_len);
    CHECK_STATUS(scanx_editor_open_memory(NULL, 10, NULL, &e), SCANX_NULL_POINTER);
    CHECK_STATUS(scanx_editor_open_memory((const uint8_t *)good_bytes, good_len, NULL, NULL), SCANX_NULL_POINTER);
    CHECK(scanx_editor_open_memory((const uint8_t *)good_bytes, good_len / 2, NULL, &e) != SCANX_OK);
    CHECK(e == NULL);
    CHECK_STATUS(scanx_editor_open_memory((const uint8_t *)good_bytes, good_len, NULL, &e), SCANX_OK);
    free(good_bytes);
    path_in(saved, sizeof saved, scratch, "memory-edited.scx");
    CHECK_STATUS(scanx_editor_save(e, saved), SCANX_OK);
    scanx_editor_free(e);
    e = NULL;
    CHECK_STATUS(scanx_check_path(saved, NULL), SCANX_OK);

    /* limits: the two-view vector has more planes than one */
    memset(&limits, 0, sizeof limits);
    CHECK_STATUS(scanx_reader_open_path(good, &limits, &r), SCANX_OK);
    scanx_reader_free(r);
    r = NULL;
    limits.max_planes = 1;
    CHECK_STATUS(scanx_reader_open_path(good, &limits, &r), SCANX_LIMIT_EXCEEDED);
    CHECK(r == NULL);
    CHECK_STATUS(scanx_check_path(good, &limits), SCANX_LIMIT_EXCEEDED);
    CHECK_STATUS(scanx_editor_open_path(good, &limits, &e), SCANX_LIMIT_EXCEEDED);
    CHECK(e == NULL);
    limits.max_planes = UINT64_MAX;
    limits.max_metadata_bytes = 16;
    CHECK_STATUS(scanx_check_path(good, &limits), SCANX_LIMIT_EXCEEDED);
    limits.max_metadata_bytes = 0;
    limits.max_decoded_bytes = 100; /* a plane holds 192 bytes */
    CHECK_STATUS(scanx_check_path(good, &limits), SCANX_LIMIT_EXCEEDED);
    CHECK_STATUS(scanx_reader_open_path(good, &limits, &r), SCANX_LIMIT_EXCEEDED);
    CHECK(r == NULL);
}

static scanx_key *load_key(const char *name) {
    char path[4096];
    scanx_key *k = NULL;
    snprintf(path, sizeof path, "%s/spec/vectors/keys/%s.private.pem", root, name);
    CHECK_STATUS(scanx_key_load_pem(path, &k), SCANX_OK);
    return k;
}

static int sign_with_key(void *user, const uint8_t *msg, size_t len, uint8_t *sig, size_t sig_len) {
    return scanx_key_sign((const scanx_key *)user, msg, len, sig, sig_len) == SCANX_OK ? 0 : 1;
}

static int sign_garbage(void *user, const uint8_t *msg, size_t len, uint8_t *sig, size_t sig_len) {
    (void)user; (void)msg; (void)len;
    memset(sig, 0x11, sig_len);
    return 0;
}

static int sign_refuse(void *user, const uint8_t *msg, size_t len, uint8_t *sig, size_t sig_len) {
    (void)user; (void)msg; (void)len; (void)sig; (void)sig_len;
    return 42;
}

static char *metadata_json(void) {
    char path[4096], *json = NULL;
    scanx_reader *r = NULL;
    path_in(path, sizeof path, root, "spec/vectors/valid/dual-energy-two-views.scx");
    if (scanx_reader_open_path(path, NULL, &r) == SCANX_OK) scanx_reader_metadata_json(r, &json);
    scanx_reader_free(r);
    return json;
}

/* A writer holding a two-plane scan (u16 with default encoding, u8 in stored tiles). */
static scanx_writer *make_writer(const uint16_t *high, const uint8_t *low, int personal) {
    char *meta = metadata_json();
    const char *pers = "{\"registration_plates\":[\"1-ABC-234\"],\"driver_name\":\"J. Doe\"}";
    scanx_writer *w = NULL;
    scanx_plane_spec spec;
    uint32_t index = 99;
    CHECK(meta != NULL);
    CHECK_STATUS(scanx_writer_new((const uint8_t *)meta, strlen(meta), personal ? (const uint8_t *)pers : NULL,
                                  personal ? strlen(pers) : 0, &w),
                 SCANX_OK);
    scanx_string_free(meta);
    if (!w) return NULL;
    memset(&spec, 0, sizeof spec);
    spec.sample_type = SCANX_SAMPLE_U16;
    spec.width = 40;
    spec.height = 30;
    spec.tile_width = 16;
    spec.tile_height = 16;
    CHECK_STATUS(scanx_writer_add_plane(w, (const uint8_t *)ATTRS_HIGH, strlen(ATTRS_HIGH), &spec, &index), SCANX_OK);
    CHECK(index == 0);
    spec.sample_type = SCANX_SAMPLE_U8;
    spec.custom_encoding = true;
    spec.codec = SCANX_CODEC_DEFLATE;
    spec.filters[0] = SCANX_FILTER_DELTA;
    spec.filter_count = 1;
    CHECK_STATUS(scanx_writer_add_plane(w, (const uint8_t *)ATTRS_LOW, strlen(ATTRS_LOW), &spec, &index), SCANX_OK);
    CHECK(index == 1);
    spec.codec = 77;
    CHECK_STATUS(scanx_writer_add_plane(w, (const uint8_t *)ATTRS_LOW, strlen(ATTRS_LOW), &spec, NULL),
                 SCANX_INVALID_ARGUMENT);
    spec.sample_type = 9;
    CHECK_STATUS(scanx_writer_add_plane(w, (const uint8_t *)ATTRS_LOW, strlen(ATTRS_LOW), &spec, NULL),
                 SCANX_INVALID_ARGUMENT);
    CHECK_STATUS(scanx_writer_add_plane(w, (const uint8_t *)"{", 1, &spec, NULL), SCANX_INVALID_JSON);
    /* short buffer and short stride leave the writer usable */
    CHECK_STATUS(scanx_writer_write_plane(w, 0, (const uint8_t *)high, 40 * 30 * 2 - 1, 80), SCANX_INVALID_ARGUMENT);
    CHECK_STATUS(scanx_writer_write_plane(w, 0, (const uint8_t *)high, 40 * 30 * 2, 79), SCANX_INVALID_ARGUMENT);
    CHECK_STATUS(scanx_writer_write_plane(w, 2, low, 40 * 30, 40), SCANX_NOT_FOUND);
    CHECK_STATUS(scanx_writer_write_plane(w, 0, (const uint8_t *)high, 40 * 30 * 2, 80), SCANX_OK);
    CHECK_STATUS(scanx_writer_write_plane(w, 1, low, 40 * 30, 40), SCANX_OK);
    return w;
}

static void fill(uint16_t *high, uint8_t *low) {
    int i;
    for (i = 0; i < 40 * 30; i++) {
        high[i] = (uint16_t)(i * 37 % 65521);
        low[i] = (uint8_t)(i * 7);
    }
}

static scanx_verify_status verify_status(const char *path, const scanx_trust_store *trust) {
    scanx_report *rep = NULL;
    scanx_verify_status s = SCANX_VERIFY_INVALID;
    if (scanx_verify_path(path, trust, &rep) == SCANX_OK) scanx_report_status(rep, &s);
    scanx_report_free(rep);
    return s;
}

static int file_exists(const char *path) {
    return access(path, F_OK) == 0;
}

typedef struct {
    uint8_t *data;
    size_t len, cap;
} membuf;

static int mem_write(void *user, const uint8_t *buf, size_t len) {
    membuf *m = (membuf *)user;
    if (m->len + len > m->cap) {
        size_t cap = (m->len + len) * 2;
        uint8_t *grown = realloc(m->data, cap);
        if (!grown) return 1;
        m->data = grown;
        m->cap = cap;
    }
    memcpy(m->data + m->len, buf, len);
    m->len += len;
    return 0;
}

static void test_write_sign_edit(const scanx_trust_store *trust) {
    static uint16_t high[40 * 30];
    static uint8_t low[40 * 30], back[40 * 30];
    char out[4096], edited[4096], failed[4096], pk_hex[65];
    scanx_key *scanner = load_key("scanner"), *agency = load_key("agency");
    scanx_signer *by_key = NULL, *by_callback = NULL, *bad = NULL, *refusing = NULL, *agency_signer = NULL;
    scanx_writer *w;
    scanx_reader *r = NULL;
    scanx_editor *e = NULL;
    scanx_stamp stamp;
    scanx_report *rep = NULL;
    uint8_t pub[32];
    char *text = NULL;
    membuf mem = {NULL, 0, 0};
    size_t count = 0;
    scanx_region region = {0, 0, 0, 16, 16};
    scanx_plane_info info;
    (void)pk_hex;
    fill(high, low);
    CHECK_STATUS(scanx_key_public_key(scanner, pub, sizeof pub), SCANX_OK);
    CHECK_STATUS(scanx_key_public_key(scanner, pub, 31), SCANX_INVALID_ARGUMENT);
    CHECK_STATUS(scanx_signer_from_key(scanner, &by_key), SCANX_OK);
    CHECK_STATUS(scanx_signer_from_callback(pub, sizeof pub, sign_with_key, scanner, &by_callback), SCANX_OK);
    CHECK_STATUS(scanx_signer_from_callback(pub, sizeof pub, sign_garbage, NULL, &bad), SCANX_OK);
    CHECK_STATUS(scanx_signer_from_callback(pub, sizeof pub, sign_refuse, NULL, &refusing), SCANX_OK);
    CHECK_STATUS(scanx_signer_from_callback(pub, 31, sign_refuse, NULL, &refusing), SCANX_INVALID_ARGUMENT);
    CHECK_STATUS(scanx_signer_from_key(agency, &agency_signer), SCANX_OK);

    memset(&stamp, 0, sizeof stamp);
    stamp.role = SCANX_ROLE_SCANNER;
    stamp.agency_country = "BE";
    stamp.agency_name = "General Administration of Customs and Excise";
    stamp.time = TIME;

    /* signed with a key, with the capture event: trusted */
    path_in(out, sizeof out, scratch, "written-key.scx");
    w = make_writer(high, low, 1);
    CHECK_STATUS(scanx_writer_add_capture(w, by_key, &stamp), SCANX_OK);
    CHECK_STATUS(scanx_writer_add_signature(w, by_key, 99, TIME), SCANX_INVALID_ARGUMENT);
    CHECK_STATUS(scanx_writer_finish_path(w, out), SCANX_OK);
    CHECK_STATUS(scanx_writer_finish_path(w, out), SCANX_INVALID_STATE);
    scanx_writer_free(w);
    CHECK(verify_status(out, trust) == SCANX_VERIFY_TRUSTED);
    CHECK(verify_status(out, NULL) == SCANX_VERIFY_VALID_UNTRUSTED);
    CHECK_STATUS(scanx_verify_strict_path(out, trust, NULL), SCANX_OK);
    CHECK_STATUS(scanx_verify_strict_path(out, NULL, NULL), SCANX_NULL_POINTER);
    CHECK_STATUS(scanx_reader_open_path(out, NULL, &r), SCANX_OK);
    CHECK_STATUS(scanx_reader_plane_info(r, 0, &info), SCANX_OK);
    CHECK(info.rescale_slope == 0.5 && info.rescale_intercept == 1.0 && info.has_window);
    CHECK(info.tile_width == 16 && info.width == 40);
    CHECK_STATUS(scanx_reader_read_plane(r, 1, back, sizeof back, 40), SCANX_OK);
    CHECK(memcmp(back, low, sizeof low) == 0);
    CHECK_STATUS(scanx_reader_personal_data_json(r, &text), SCANX_OK);
    CHECK(text && strstr(text, "1-ABC-234") != NULL);
    scanx_string_free(text);
    text = NULL;
    CHECK_STATUS(scanx_reader_events_json(r, &text), SCANX_OK);
    CHECK(text && strstr(text, "capture") != NULL);
    scanx_string_free(text);
    scanx_reader_free(r);
    r = NULL;

    /* signed through a callback, finished to a write callback: trusted */
    w = make_writer(high, low, 0);
    CHECK_STATUS(scanx_writer_add_capture(w, by_callback, &stamp), SCANX_OK);
    CHECK_STATUS(scanx_writer_finish_callback(w, mem_write, &mem), SCANX_OK);
    scanx_writer_free(w);
    CHECK_STATUS(scanx_verify_memory(mem.data, mem.len, trust, &rep), SCANX_OK);
    {
        scanx_verify_status s;
        scanx_signature_info sig;
        const char *json = NULL;
        CHECK_STATUS(scanx_report_status(rep, &s), SCANX_OK);
        CHECK(s == SCANX_VERIFY_TRUSTED);
        CHECK_STATUS(scanx_report_signature_count(rep, &count), SCANX_OK);
        CHECK(count == 1);
        CHECK_STATUS(scanx_report_signature(rep, 0, &sig), SCANX_OK);
        CHECK(sig.valid && sig.role == SCANX_ROLE_SCANNER && strcmp(sig.key_id, "ed1985951bd1dd401c63b9a5b80dd390") == 0);
        CHECK(sig.trust && strcmp(sig.trust, "TRUSTED") == 0);
        CHECK(strcmp(sig.time, "2026-03-01T09:00:00Z") == 0);
        CHECK_STATUS(scanx_report_signature(rep, 1, &sig), SCANX_NOT_FOUND);
        CHECK_STATUS(scanx_report_json(rep, &json), SCANX_OK);
        CHECK(json && strstr(json, "\"TRUSTED\"") != NULL);
    }
    scanx_report_free(rep);
    rep = NULL;
    CHECK_STATUS(scanx_verify_strict_memory(mem.data, mem.len, trust, &rep), SCANX_OK);
    scanx_report_free(rep);
    rep = NULL;
    free(mem.data);

    /* a failed write leaves nothing at the destination */
    path_in(failed, sizeof failed, scratch, "failed.scx");
    unlink(failed);
    w = make_writer(high, low, 0);
    CHECK_STATUS(scanx_writer_add_signature(w, bad, SCANX_ROLE_SCANNER, TIME), SCANX_OK);
    CHECK_STATUS(scanx_writer_finish_path(w, failed), SCANX_SIGNER_FAILED);
    CHECK(!file_exists(failed));
    scanx_writer_free(w);
    w = make_writer(high, low, 0);
    CHECK_STATUS(scanx_writer_add_signature(w, refusing, SCANX_ROLE_SCANNER, TIME), SCANX_OK);
    CHECK_STATUS(scanx_writer_finish_path(w, failed), SCANX_SIGNER_FAILED);
    CHECK(!file_exists(failed));
    scanx_writer_free(w);
    w = make_writer(high, low, 0);
    path_in(failed, sizeof failed, scratch, "no-such-dir/out.scx");
    CHECK_STATUS(scanx_writer_finish_path(w, failed), SCANX_IO);
    scanx_writer_free(w);

    /* edit: redact personal data and the top-left tile, transfer, countersign */
    CHECK_STATUS(scanx_editor_open_path(out, NULL, &e), SCANX_OK);
    stamp.role = SCANX_ROLE_AGENCY;
    stamp.event_id = "0b7e4f1a-3c2d-4e5f-8a9b-0c1d2e3f4a5b";
    CHECK_STATUS(scanx_editor_redact(e, agency_signer, &stamp, "export", true, &region, 1), SCANX_OK);
    CHECK_STATUS(scanx_editor_redact(e, agency_signer, &stamp, "export", false, NULL, 1), SCANX_NULL_POINTER);
    stamp.event_id = NULL;
    CHECK_STATUS(scanx_editor_transfer(e, agency_signer, &stamp, "BE", "General Administration of Customs and Excise",
                                       "NL", "Douane Nederland"),
                 SCANX_OK);
    CHECK_STATUS(scanx_editor_countersign(e, agency_signer, &stamp, "released for export"), SCANX_OK);
    CHECK_STATUS(scanx_editor_save(e, out), SCANX_INVALID_ARGUMENT);
    path_in(edited, sizeof edited, scratch, "edited.scx");
    CHECK_STATUS(scanx_editor_save(e, edited), SCANX_OK);
    scanx_editor_free(e);
    CHECK(verify_status(out, trust) == SCANX_VERIFY_TRUSTED);
    CHECK(verify_status(edited, trust) == SCANX_VERIFY_TRUSTED);
    CHECK_STATUS(scanx_verify_path(edited, trust, &rep), SCANX_OK);
    CHECK_STATUS(scanx_report_redaction_count(rep, &count), SCANX_OK);
    CHECK(count == 1);
    {
        scanx_redaction_info red;
        CHECK_STATUS(scanx_report_redaction(rep, 0, &red), SCANX_OK);
        CHECK(red.removed_count == 2 && strcmp(red.reason, "export") == 0 && red.signed_by_actor);
    }
    scanx_report_free(rep);
    rep = NULL;
    CHECK_STATUS(scanx_reader_open_path(edited, NULL, &r), SCANX_OK);
    CHECK_STATUS(scanx_reader_personal_data_json(r, &text), SCANX_NOT_FOUND);
    {
        static uint16_t plane[40 * 30];
        int x, y, ok = 1;
        CHECK_STATUS(scanx_reader_read_plane(r, 0, (uint8_t *)plane, sizeof plane, 80), SCANX_OK);
        for (y = 0; y < 30; y++)
            for (x = 0; x < 40; x++)
                ok &= (x < 16 && y < 16) ? plane[y * 40 + x] == 0 : plane[y * 40 + x] == high[y * 40 + x];
        CHECK(ok);
    }
    scanx_reader_free(r);

    scanx_signer_free(by_key);
    scanx_signer_free(by_callback);
    scanx_signer_free(bad);
    scanx_signer_free(refusing);
    scanx_signer_free(agency_signer);
    scanx_key_free(scanner);
    scanx_key_free(agency);
}

static void test_keys(void) {
    scanx_key *k = NULL, *k2 = NULL, *k3 = NULL;
    char *pem = NULL, *id = NULL, *id2 = NULL, *pub = NULL, path[4096];
    uint8_t sig[64];
    CHECK_STATUS(scanx_key_generate(&k), SCANX_OK);
    CHECK_STATUS(scanx_key_private_pem(k, &pem), SCANX_OK);
    CHECK(pem && strstr(pem, "BEGIN PRIVATE KEY") != NULL);
    CHECK_STATUS(scanx_key_from_pem((const uint8_t *)pem, strlen(pem), &k2), SCANX_OK);
    CHECK_STATUS(scanx_key_from_pem((const uint8_t *)"junk", 4, &k3), SCANX_BAD_KEY);
    CHECK(k3 == NULL);
    CHECK_STATUS(scanx_key_id(k, &id), SCANX_OK);
    CHECK_STATUS(scanx_key_id(k2, &id2), SCANX_OK);
    CHECK(id && id2 && strlen(id) == 32 && strcmp(id, id2) == 0);
    CHECK_STATUS(scanx_key_public_pem(k, &pub), SCANX_OK);
    CHECK(pub && strstr(pub, "BEGIN PUBLIC KEY") != NULL);
    path_in(path, sizeof path, scratch, "key.pem");
    CHECK_STATUS(scanx_key_save_pem(k, path), SCANX_OK);
    CHECK_STATUS(scanx_key_load_pem(path, &k3), SCANX_OK);
    CHECK_STATUS(scanx_key_sign(k3, (const uint8_t *)"hi", 2, sig, sizeof sig), SCANX_OK);
    CHECK_STATUS(scanx_key_sign(k3, (const uint8_t *)"hi", 2, sig, 63), SCANX_INVALID_ARGUMENT);
    scanx_string_free(pem);
    scanx_string_free(id);
    scanx_string_free(id2);
    scanx_string_free(pub);
    scanx_key_free(k);
    scanx_key_free(k2);
    scanx_key_free(k3);
}

typedef struct {
    const scanx_reader *reader;
    int ok;
} thread_arg;

static void *read_regions(void *p) {
    thread_arg *a = (thread_arg *)p;
    uint8_t buf[6 * 4 * 2], first[6 * 4 * 2];
    int i;
    a->ok = scanx_reader_read_region(a->reader, 0, 3, 2, 6, 4, first, sizeof first, 12) == SCANX_OK;
    for (i = 0; i < 200 && a->ok; i++) {
        a->ok = scanx_reader_read_region(a->reader, 0, 3, 2, 6, 4, buf, sizeof buf, 12) == SCANX_OK &&
                memcmp(buf, first, sizeof buf) == 0;
    }
    return NULL;
}

static void test_threads(void) {
    char path[4096];
    scanx_reader *r = NULL;
    pthread_t t[4];
    thread_arg a[4];
    int i;
    path_in(path, sizeof path, root, "spec/vectors/valid/dual-energy-two-views.scx");
    CHECK_STATUS(scanx_reader_open_path(path, NULL, &r), SCANX_OK);
    for (i = 0; i < 4; i++) {
        a[i].reader = r;
        a[i].ok = 0;
        pthread_create(&t[i], NULL, read_regions, &a[i]);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK(a[i].ok);
    }
    scanx_reader_free(r);
}

int main(int argc, char **argv) {
    char path[4096];
    scanx_trust_store *trust = NULL;
    if (argc != 3) {
        fprintf(stderr, "usage: %s REPO_ROOT SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    snprintf(root, sizeof root, "%s", argv[1]);
    snprintf(scratch, sizeof scratch, "%s", argv[2]);
    path_in(path, sizeof path, root, "spec/vectors/truststore.json");
    CHECK_STATUS(scanx_trust_store_load(path, &trust), SCANX_OK);
    test_version();
    test_null_arguments();
    test_errors();
    test_buffers_and_strides();
    test_sources();
    test_integrity();
    test_write_sign_edit(trust);
    test_keys();
    test_threads();
    scanx_trust_store_free(trust);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("test_api: all checks passed\n");
    return 0;
}
