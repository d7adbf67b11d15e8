/* Links libscanx.a beside the host's libzstd and calls both: the host's ZSTD_* symbols
 * must be the host's (its version matches its header), and libscanx must still decode its
 * own zstd tiles. Usage: test_static_zstd FILE.scx */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "scanx.h"

int main(int argc, char **argv) {
    char src[4096], comp[8192], back[4096];
    size_t c, d, i, n = 0;
    scanx_reader *r = NULL;
    unsigned long sum = 0;
    for (i = 0; i < sizeof src; i++) src[i] = (char)(i % 17);
    printf("host zstd: header %d, library %u\n", ZSTD_VERSION_NUMBER, ZSTD_versionNumber());
    if (ZSTD_versionNumber() != ZSTD_VERSION_NUMBER) {
        fprintf(stderr, "ZSTD_versionNumber resolved to another zstd than the host's\n");
        return 1;
    }
    c = ZSTD_compress(comp, sizeof comp, src, sizeof src, 3);
    d = ZSTD_decompress(back, sizeof back, comp, c);
    if (ZSTD_isError(c) || d != sizeof src || memcmp(src, back, d) != 0) {
        fprintf(stderr, "host zstd round trip failed\n");
        return 1;
    }
    if (argc != 2 || scanx_reader_open_path(argv[1], NULL, &r) != SCANX_OK) return 1;
    scanx_reader_plane_count(r, &n);
    for (i = 0; i < n; i++) {
        scanx_plane_info p;
        size_t size, k;
        uint8_t *buf;
        if (scanx_reader_plane_info(r, (uint32_t)i, &p) != SCANX_OK) return 1;
        size = (size_t)p.width * p.height * p.bytes_per_sample;
        buf = malloc(size);
        if (!buf || scanx_reader_read_plane(r, (uint32_t)i, buf, size, (size_t)p.width * p.bytes_per_sample) != SCANX_OK) {
            fprintf(stderr, "libscanx could not decode plane %zu\n", i);
            return 1;
        }
        for (k = 0; k < size; k++) sum += buf[k];
        free(buf);
    }
    scanx_reader_free(r);
    printf("libscanx decoded %zu zstd planes (byte sum %lu) beside the host's zstd\n", n, sum);
    return n > 0 ? 0 : 1;
}
