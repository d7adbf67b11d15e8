/* SHA-256 (FIPS 180-4), public domain; for the tests only. */
#ifndef SCANX_TEST_SHA256_H
#define SCANX_TEST_SHA256_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t state[8];
    uint64_t length;
    uint8_t block[64];
    size_t used;
} sha256_ctx;

void sha256_init(sha256_ctx *ctx);
void sha256_update(sha256_ctx *ctx, const void *data, size_t len);
void sha256_final(sha256_ctx *ctx, uint8_t digest[32]);
/* Lower-case hex of the digest of `len` bytes at `data` into `hex` (65 bytes). */
void sha256_hex(const void *data, size_t len, char hex[65]);
#endif
