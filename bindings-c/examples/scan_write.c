/* scan_write: builds a two-plane dual-energy scan from buffers (a 16-bit high-energy and
 * a 16-bit low-energy channel), records its capture, signs it with a PEM key as the
 * scanner, and writes it atomically.
 *
 *   scan_write METADATA_FROM.scx SCANNER_KEY.pem OUT.scx
 *
 * The scan metadata (site, scanner, declaration ...) is taken from an existing file so
 * the example stays short; a real scanner builds that JSON itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanx.h"

#define WIDTH 600
#define HEIGHT 200

static int fail(const char *what) {
    char message[2048];
    if (scanx_last_error_message(message, sizeof message, NULL) != SCANX_OK) message[0] = '\0';
    fprintf(stderr, "error: %s: %s\n", what, message);
    return 1;
}

static const char *HIGH =
    "{\"name\":\"side high energy (6 MeV)\",\"view\":\"side\",\"channel\":\"high-energy\","
    "\"pixel_spacing_mm\":[5.0,5.0],\"value_meaning\":\"transmission\",\"rescale_slope\":1.52587890625e-05}";
static const char *LOW =
    "{\"name\":\"side low energy (4 MeV)\",\"view\":\"side\",\"channel\":\"low-energy\","
    "\"pixel_spacing_mm\":[5.0,5.0],\"value_meaning\":\"transmission\",\"rescale_slope\":1.52587890625e-05}";

int main(int argc, char **argv) {
    static uint16_t high[WIDTH * HEIGHT], low[WIDTH * HEIGHT];
    scanx_reader *source = NULL;
    scanx_writer *writer = NULL;
    scanx_key *key = NULL;
    scanx_signer *signer = NULL;
    scanx_plane_spec spec;
    scanx_stamp stamp;
    char *metadata = NULL;
    int x, y, rc = 1;

    if (argc != 4) {
        fprintf(stderr, "usage: %s METADATA_FROM.scx SCANNER_KEY.pem OUT.scx\n", argv[0]);
        return 2;
    }
    /* A container: bright air around a darker box with a denser block inside. */
    for (y = 0; y < HEIGHT; y++) {
        for (x = 0; x < WIDTH; x++) {
            int inside = x > 50 && x < 550 && y > 30 && y < 180;
            int block = x > 250 && x < 320 && y > 90 && y < 150;
            high[y * WIDTH + x] = (uint16_t)(inside ? (block ? 9000 : 30000) : 60000) + (uint16_t)(x % 7);
            low[y * WIDTH + x] = (uint16_t)(inside ? (block ? 5000 : 22000) : 58000) + (uint16_t)(y % 5);
        }
    }
    if (scanx_reader_open_path(argv[1], NULL, &source) != SCANX_OK) return fail("open the metadata source");
    if (scanx_reader_metadata_json(source, &metadata) != SCANX_OK) {
        rc = fail("metadata");
        goto done;
    }
    if (scanx_key_load_pem(argv[2], &key) != SCANX_OK || scanx_signer_from_key(key, &signer) != SCANX_OK) {
        rc = fail("key");
        goto done;
    }
    if (scanx_writer_new((const uint8_t *)metadata, strlen(metadata), NULL, 0, &writer) != SCANX_OK) {
        rc = fail("writer");
        goto done;
    }
    memset(&spec, 0, sizeof spec);
    spec.sample_type = SCANX_SAMPLE_U16;
    spec.width = WIDTH;
    spec.height = HEIGHT;
    spec.tile_width = 256;
    spec.tile_height = 256;
    if (scanx_writer_add_plane(writer, (const uint8_t *)HIGH, strlen(HIGH), &spec, NULL) != SCANX_OK ||
        scanx_writer_add_plane(writer, (const uint8_t *)LOW, strlen(LOW), &spec, NULL) != SCANX_OK) {
        rc = fail("add plane");
        goto done;
    }
    if (scanx_writer_write_plane(writer, 0, (const uint8_t *)high, sizeof high, WIDTH * 2) != SCANX_OK ||
        scanx_writer_write_plane(writer, 1, (const uint8_t *)low, sizeof low, WIDTH * 2) != SCANX_OK) {
        rc = fail("write plane");
        goto done;
    }
    memset(&stamp, 0, sizeof stamp);
    stamp.role = SCANX_ROLE_SCANNER;
    stamp.agency_country = "BE";
    stamp.agency_name = "General Administration of Customs and Excise";
    stamp.time = 1772355600; /* 2026-03-01T09:00:00Z */
    if (scanx_writer_add_capture(writer, signer, &stamp) != SCANX_OK) {
        rc = fail("capture");
        goto done;
    }
    if (scanx_writer_finish_path(writer, argv[3]) != SCANX_OK) {
        rc = fail("finish");
        goto done;
    }
    printf("wrote %s: 2 planes of %dx%d, signed as scanner\n", argv[3], WIDTH, HEIGHT);
    rc = 0;
done:
    scanx_string_free(metadata);
    scanx_writer_free(writer);
    scanx_signer_free(signer);
    scanx_key_free(key);
    scanx_reader_free(source);
    return rc;
}
