/* scan_info: opens a scanx file, verifies it against a trust store, prints its metadata,
 * planes, signatures and provenance timeline, and writes the first plane as raw
 * little-endian samples.
 *
 *   scan_info FILE.scx TRUSTSTORE.json [PLANE0.raw]
 */
#include <stdio.h>
#include <stdlib.h>

#include "scanx.h"

static int fail(const char *what) {
    char message[2048];
    if (scanx_last_error_message(message, sizeof message, NULL) != SCANX_OK) message[0] = '\0';
    fprintf(stderr, "error: %s: %s\n", what, message);
    return 1;
}

static const char *status_text(scanx_verify_status s) {
    switch (s) {
    case SCANX_VERIFY_TRUSTED: return "TRUSTED";
    case SCANX_VERIFY_VALID_UNTRUSTED: return "VALID_UNTRUSTED";
    case SCANX_VERIFY_INVALID: return "INVALID";
    case SCANX_VERIFY_UNSIGNED: return "UNSIGNED";
    }
    return "?";
}

static const char *role_text(scanx_role r) {
    switch (r) {
    case SCANX_ROLE_SCANNER: return "scanner";
    case SCANX_ROLE_AGENCY: return "agency";
    case SCANX_ROLE_RECIPIENT: return "recipient";
    case SCANX_ROLE_ANALYST: return "analyst";
    case SCANX_ROLE_UNKNOWN: break;
    }
    return "unknown";
}

int main(int argc, char **argv) {
    scanx_trust_store *trust = NULL;
    scanx_report *report = NULL;
    scanx_reader *reader = NULL;
    scanx_verify_status status;
    char *json = NULL;
    uint8_t id[16];
    uint16_t major, minor;
    size_t count = 0, i;
    int rc = 0;

    if (argc < 3) {
        fprintf(stderr, "usage: %s FILE.scx TRUSTSTORE.json [PLANE0.raw]\n", argv[0]);
        return 2;
    }
    if (scanx_trust_store_load(argv[2], &trust) != SCANX_OK) return fail("trust store");
    if (scanx_verify_path(argv[1], trust, &report) != SCANX_OK) {
        scanx_trust_store_free(trust);
        return fail("verify");
    }
    scanx_report_status(report, &status);
    printf("verification: %s\n", status_text(status));
    scanx_report_problem_count(report, &count);
    for (i = 0; i < count; i++) {
        scanx_problem p;
        scanx_report_problem(report, i, &p);
        printf("  problem: %s: %s\n", p.reason_name, p.message);
    }
    scanx_report_signature_count(report, &count);
    for (i = 0; i < count; i++) {
        scanx_signature_info s;
        scanx_report_signature(report, i, &s);
        printf("signature %zu: generation %u, key %s as %s at %s, %s, trust %s%s%s\n", i + 1, s.generation,
               s.key_id, role_text(s.role), s.time, s.valid ? "valid" : "NOT VALID", s.trust ? s.trust : "-",
               s.agency ? ", " : "", s.agency ? s.agency : "");
    }

    if (scanx_reader_open_path(argv[1], NULL, &reader) != SCANX_OK) {
        rc = fail("open");
        goto done;
    }
    scanx_reader_file_id(reader, id, sizeof id);
    scanx_reader_version(reader, &major, &minor);
    printf("file id: ");
    for (i = 0; i < 16; i++) printf("%02x", id[i]);
    printf(", scanx %u.%u\n", (unsigned)major, (unsigned)minor);
    if (scanx_reader_metadata_json(reader, &json) == SCANX_OK) {
        printf("metadata: %s\n", json);
        scanx_string_free(json);
    }
    scanx_reader_plane_count(reader, &count);
    for (i = 0; i < count; i++) {
        scanx_plane_info p;
        scanx_reader_plane_info(reader, (uint32_t)i, &p);
        printf("plane %u: %s (%s, %s) %ux%u, %u-byte samples, tiles %ux%u, %.3g x %.3g mm%s\n", (unsigned)p.index,
               p.name, p.view, p.channel, p.width, p.height, p.bytes_per_sample, p.tile_width, p.tile_height,
               p.spacing_mm[0], p.spacing_mm[1], p.personal ? ", personal" : "");
    }
    /* The provenance timeline, as the verifier saw it. */
    {
        size_t events = 0;
        scanx_report_event_count(report, &events);
        printf("provenance (%zu events):\n", events);
        for (i = 0; i < events; i++) {
            scanx_event_info e;
            scanx_report_event(report, i, &e);
            printf("  %s  generation %u  %-11s by %s (%s)%s: %s\n", e.time, e.generation, e.action, e.actor_key_id,
                   role_text(e.actor_role), e.signed_by_actor ? "" : " NOT SIGNED BY ACTOR", e.summary);
        }
    }
    if (argc > 3 && count > 0) {
        scanx_plane_info p;
        size_t size;
        uint8_t *pixels;
        FILE *out;
        scanx_reader_plane_info(reader, 0, &p);
        size = (size_t)p.width * p.height * p.bytes_per_sample;
        pixels = malloc(size);
        if (!pixels) {
            rc = 1;
        } else if (scanx_reader_read_plane(reader, 0, pixels, size, (size_t)p.width * p.bytes_per_sample) !=
                   SCANX_OK) {
            rc = fail("read plane 0");
        } else if (!(out = fopen(argv[3], "wb")) || fwrite(pixels, 1, size, out) != size || fclose(out) != 0) {
            fprintf(stderr, "error: cannot write %s\n", argv[3]);
            rc = 1;
        } else {
            printf("plane 0: %zu bytes of little-endian samples written to %s\n", size, argv[3]);
        }
        free(pixels);
    }
done:
    scanx_reader_free(reader);
    scanx_report_free(report);
    scanx_trust_store_free(trust);
    return rc;
}
