/* sha1.c - SHA-1 (sha1.h), one message at a time. */
#include <stdint.h>
#include <string.h>

#include "core/sha1.h"

static uint32_t rol(uint32_t v, int n)
{
	return (v << n) | (v >> (32 - n));
}

/* One 64-byte block into the state h. */
static void compress(uint32_t h[5], const unsigned char *blk)
{
	uint32_t w[80];

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)blk[4 * i] << 24 | (uint32_t)blk[4 * i + 1] << 16 | (uint32_t)blk[4 * i + 2] << 8 |
		       blk[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
	for (int i = 0; i < 80; i++) {
		uint32_t f, k;
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		uint32_t t = rol(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol(b, 30);
		b = a;
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

void sha1_hex(const void *p, size_t len, char out[SHA1_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint32_t h[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 };
	const unsigned char *m = p;
	unsigned char tail[128];
	size_t full = len / 64 * 64, rest = len - full;

	for (size_t i = 0; i < full; i += 64)
		compress(h, m + i);
	/* the rest, a 1 bit, zeros, and the length in bits: one or two blocks */
	memset(tail, 0, sizeof(tail));
	if (rest)
		memcpy(tail, m + full, rest);
	tail[rest] = 0x80;
	size_t tlen = rest < 56 ? 64 : 128;
	uint64_t bits = (uint64_t)len * 8;
	for (int i = 0; i < 8; i++)
		tail[tlen - 1 - i] = (unsigned char)(bits >> (8 * i));
	for (size_t i = 0; i < tlen; i += 64)
		compress(h, tail + i);
	for (int i = 0; i < 5; i++)
		for (int k = 0; k < 4; k++) {
			unsigned char byte = (unsigned char)(h[i] >> (24 - 8 * k));
			out[8 * i + 2 * k] = hex[byte >> 4];
			out[8 * i + 2 * k + 1] = hex[byte & 15];
		}
	out[SHA1_HEX_LEN] = '\0';
}
