#include <stdbool.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "utf8.h"

size_t utf8_valid_len(const char *s, size_t avail)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char c = p[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (avail < n)
		return 0;
	/* The second byte's range rules out overlong forms, surrogates and > U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

uint32_t utf8_decode(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;

	switch (n) {
	case 2:
		return ((uint32_t)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
	case 3:
		return ((uint32_t)(p[0] & 0x0f) << 12) | ((uint32_t)(p[1] & 0x3f) << 6) |
		       (p[2] & 0x3f);
	case 4:
		cp = ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3f) << 12);
		return cp | ((uint32_t)(p[2] & 0x3f) << 6) | (p[3] & 0x3f);
	default:
		return p[0];
	}
}

size_t utf8_encode(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

bool utf8_unsafe(uint32_t cp)
{
	/* Cf, Zl and Zp from U+00A0 up, and the surrogates: from Python's unicodedata 14.0. */
	static const struct {
		uint32_t lo, hi;
	} esc[] = {
	    {0x000ad, 0x000ad}, {0x00600, 0x00605}, {0x0061c, 0x0061c}, {0x006dd, 0x006dd},
	    {0x0070f, 0x0070f}, {0x00890, 0x00891}, {0x008e2, 0x008e2}, {0x0180e, 0x0180e},
	    {0x0200b, 0x0200f}, {0x02028, 0x0202e}, {0x02060, 0x02064}, {0x02066, 0x0206f},
	    {0x0d800, 0x0dfff}, {0x0feff, 0x0feff}, {0x0fff9, 0x0fffb}, {0x110bd, 0x110bd},
	    {0x110cd, 0x110cd}, {0x13430, 0x13438}, {0x1bca0, 0x1bca3}, {0x1d173, 0x1d17a},
	    {0xe0001, 0xe0001}, {0xe0020, 0xe007f},
	};
	size_t lo = 0, hi = sizeof(esc) / sizeof(esc[0]);

	if (cp < 0xa0)
		return cp < 0x20 || cp >= 0x7f;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cp < esc[mid].lo)
			hi = mid;
		else if (cp > esc[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long hex4(const char *s, size_t n)
{
	long v = 0;

	if (n < 4)
		return -1;
	for (int k = 0; k < 4; k++) {
		int d = hex_digit(s[k]);

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/*
 * 8 bytes at once without SSE2. A byte below 0x20 borrows in the subtraction and sets its top
 * bit, and so does a zero byte of x ^ stop; a borrow only flags bytes above a real hit, so a
 * "none" answer is exact.
 */
static bool none8(const char *s, uint64_t stop1, uint64_t stop2)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t x, a, b;

	memcpy(&x, s, sizeof(x));
	a = x ^ stop1;
	b = x ^ stop2;
	return !((((x - ones * 0x20) | x) & highs) || ((a - ones) & ~a & highs) ||
		 ((b - ones) & ~b & highs));
}

size_t ascii_run(const char *s, size_t n, char stop1, char stop2)
{
	const uint64_t ones = 0x0101010101010101u;
	size_t i = 0;

#ifdef __SSE2__
	/* Signed bytes: both control bytes and bytes from 0x80 up are below ' '. */
	const __m128i a = _mm_set1_epi8(stop1), b = _mm_set1_epi8(stop2),
		      space = _mm_set1_epi8(' ');

	for (; n - i >= 16; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, a), _mm_cmpeq_epi8(v, b)),
					   _mm_cmplt_epi8(v, space));
		unsigned m = (unsigned)_mm_movemask_epi8(hit);

		if (m)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	while (n - i >= 8 && none8(s + i, ones * (unsigned char)stop1, ones * (unsigned char)stop2))
		i += 8;
	while (i < n && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x80 &&
	       s[i] != stop1 && s[i] != stop2)
		i++;
	return i;
}

uint32_t json_unescape(const char *s, size_t n, size_t *used)
{
	long cp, lo;

	*used = n < 2 ? n : 2;
	if (n < 2)
		return '\\';
	switch (s[1]) {
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	case 'u':
		break;
	default:
		return (unsigned char)s[1]; /* '"', '\\', '/' */
	}
	cp = hex4(s + 2, n - 2);
	if (cp < 0)
		return '\\';
	*used = 6;
	if (cp >= 0xd800 && cp < 0xdc00 && n >= 12 && s[6] == '\\' && s[7] == 'u' &&
	    (lo = hex4(s + 8, n - 8)) >= 0xdc00 && lo < 0xe000) {
		*used = 12;
		return 0x10000 + (uint32_t)((cp - 0xd800) << 10) + (uint32_t)(lo - 0xdc00);
	}
	return (uint32_t)cp;
}

size_t json_unescape_utf8(const char *s, size_t n, char *o, size_t *used)
{
	uint32_t cp = json_unescape(s, n, used);

	if ((cp >= 0xd800 && cp < 0xe000) || cp == 0)
		cp = 0xfffd;
	return utf8_encode(o, cp);
}
