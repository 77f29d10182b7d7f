/* CRC-64/NVME (the checksum S3 computes for x-amz-checksum-crc64nvme), slice-by-8. moto computes it
 * only with awscrt, which no package registry here serves for its Python, and otherwise returns a
 * CRC32 under that header, which every client that checks the response then refuses. */
#include <stddef.h>
#include <stdint.h>

static uint64_t table[8][256];

static void fill(void) {
  for (int n = 0; n < 256; n++) {
    uint64_t crc = (uint64_t)n;
    for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0x9a6c9329ac4bc9b5ULL & (0 - (crc & 1)));
    table[0][n] = crc;
  }
  for (int n = 0; n < 256; n++)
    for (int k = 1; k < 8; k++) table[k][n] = (table[k - 1][n] >> 8) ^ table[0][table[k - 1][n] & 0xff];
}

/* Continues `crc` (0 to start) over `size` bytes, so a caller can feed an object part by part. */
uint64_t crc64nvme(const unsigned char *data, size_t size, uint64_t crc) {
  if (!table[0][1]) fill();
  crc = ~crc;
  for (; size >= 8; data += 8, size -= 8) {
    uint64_t word = crc ^ ((uint64_t)data[0] | (uint64_t)data[1] << 8 | (uint64_t)data[2] << 16 | (uint64_t)data[3] << 24 |
                           (uint64_t)data[4] << 32 | (uint64_t)data[5] << 40 | (uint64_t)data[6] << 48 | (uint64_t)data[7] << 56);
    crc = table[7][word & 0xff] ^ table[6][(word >> 8) & 0xff] ^ table[5][(word >> 16) & 0xff] ^ table[4][(word >> 24) & 0xff] ^
          table[3][(word >> 32) & 0xff] ^ table[2][(word >> 40) & 0xff] ^ table[1][(word >> 48) & 0xff] ^ table[0][word >> 56];
  }
  while (size--) crc = (crc >> 8) ^ table[0][(crc ^ *data++) & 0xff];
  return ~crc;
}
