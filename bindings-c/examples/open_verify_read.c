/* open_verify_read: verifies a file against a trust store, opens it and decodes every
 * plane into one buffer, through the C API (timed against open_verify_read.rs, the same
 * through the Rust library).
 *
 *   open_verify_read FILE.scx TRUSTSTORE.json
 */
#include <stdio.h>
#include <stdlib.h>

#include "scanx.h"

int main(int argc, char **argv) {
    scanx_trust_store *trust = NULL;
    scanx_report *report = NULL;
    scanx_reader *reader = NULL;
    scanx_verify_status status = SCANX_VERIFY_INVALID;
    size_t planes = 0, i, total = 0;
    unsigned long check = 0;
    if (argc != 3) return 2;
    if (scanx_trust_store_load(argv[2], &trust) != SCANX_OK ||
        scanx_verify_path(argv[1], trust, &report) != SCANX_OK ||
        scanx_report_status(report, &status) != SCANX_OK ||
        scanx_reader_open_path(argv[1], NULL, &reader) != SCANX_OK ||
        scanx_reader_plane_count(reader, &planes) != SCANX_OK)
        return 1;
    for (i = 0; i < planes; i++) {
        scanx_plane_info p;
        size_t size;
        uint8_t *buf;
        if (scanx_reader_plane_info(reader, (uint32_t)i, &p) != SCANX_OK) return 1;
        size = (size_t)p.width * p.height * p.bytes_per_sample;
        buf = malloc(size);
        if (!buf || scanx_reader_read_plane(reader, (uint32_t)i, buf, size, (size_t)p.width * p.bytes_per_sample) !=
                        SCANX_OK)
            return 1;
        check += buf[size / 2];
        total += size;
        free(buf);
    }
    printf("status %d, %zu planes, %zu bytes of samples (check %lu)\n", (int)status, planes, total, check);
    scanx_reader_free(reader);
    scanx_report_free(report);
    scanx_trust_store_free(trust);
    return status == SCANX_VERIFY_TRUSTED ? 0 : 1;
}
