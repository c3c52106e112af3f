#include <stdlib.h>
#include <string.h>

#include "ctrfmt.h"
#include "log.h"
#include "utf8.h"

/*
 * How each code point from U+0080 up is shown: 0 zero width (combining marks, Hangul medial
 * vowels), 2 two columns (East Asian Wide and Fullwidth, unassigned CJK blocks), 3 escaped
 * (Cc, Cf, Zl, Zp: C1 controls, bidi controls, zero-width and invisible format characters;
 * surrogates); anything not listed takes one column. Made from Unicode 14.0 with Python's
 * unicodedata:
 *   esc = cat in (Cc, Cf, Zl, Zp) or surrogate; 0 = cat in (Mn, Me) or U+1160..U+11FF;
 *   2 = east_asian_width in (W, F), or cat Cn inside U+3400..U+4DBF, U+4E00..U+9FFF,
 *       U+F900..U+FAFF, U+20000..U+3FFFD.
 * The environment's locale is not used: tests and terminals must agree whatever LC_ALL says.
 */
enum { W_ZERO = 0, W_WIDE = 2, W_ESC = 3 };

static const struct range {
	uint32_t lo, hi;
	unsigned char cls;
} ranges[] = {
    {0x00080, 0x0009f, 3}, {0x000ad, 0x000ad, 3}, {0x00300, 0x0036f, 0}, {0x00483, 0x00489, 0},
    {0x00591, 0x005bd, 0}, {0x005bf, 0x005bf, 0}, {0x005c1, 0x005c2, 0}, {0x005c4, 0x005c5, 0},
    {0x005c7, 0x005c7, 0}, {0x00600, 0x00605, 3}, {0x00610, 0x0061a, 0}, {0x0061c, 0x0061c, 3},
    {0x0064b, 0x0065f, 0}, {0x00670, 0x00670, 0}, {0x006d6, 0x006dc, 0}, {0x006dd, 0x006dd, 3},
    {0x006df, 0x006e4, 0}, {0x006e7, 0x006e8, 0}, {0x006ea, 0x006ed, 0}, {0x0070f, 0x0070f, 3},
    {0x00711, 0x00711, 0}, {0x00730, 0x0074a, 0}, {0x007a6, 0x007b0, 0}, {0x007eb, 0x007f3, 0},
    {0x007fd, 0x007fd, 0}, {0x00816, 0x00819, 0}, {0x0081b, 0x00823, 0}, {0x00825, 0x00827, 0},
    {0x00829, 0x0082d, 0}, {0x00859, 0x0085b, 0}, {0x00890, 0x00891, 3}, {0x00898, 0x0089f, 0},
    {0x008ca, 0x008e1, 0}, {0x008e2, 0x008e2, 3}, {0x008e3, 0x00902, 0}, {0x0093a, 0x0093a, 0},
    {0x0093c, 0x0093c, 0}, {0x00941, 0x00948, 0}, {0x0094d, 0x0094d, 0}, {0x00951, 0x00957, 0},
    {0x00962, 0x00963, 0}, {0x00981, 0x00981, 0}, {0x009bc, 0x009bc, 0}, {0x009c1, 0x009c4, 0},
    {0x009cd, 0x009cd, 0}, {0x009e2, 0x009e3, 0}, {0x009fe, 0x009fe, 0}, {0x00a01, 0x00a02, 0},
    {0x00a3c, 0x00a3c, 0}, {0x00a41, 0x00a42, 0}, {0x00a47, 0x00a48, 0}, {0x00a4b, 0x00a4d, 0},
    {0x00a51, 0x00a51, 0}, {0x00a70, 0x00a71, 0}, {0x00a75, 0x00a75, 0}, {0x00a81, 0x00a82, 0},
    {0x00abc, 0x00abc, 0}, {0x00ac1, 0x00ac5, 0}, {0x00ac7, 0x00ac8, 0}, {0x00acd, 0x00acd, 0},
    {0x00ae2, 0x00ae3, 0}, {0x00afa, 0x00aff, 0}, {0x00b01, 0x00b01, 0}, {0x00b3c, 0x00b3c, 0},
    {0x00b3f, 0x00b3f, 0}, {0x00b41, 0x00b44, 0}, {0x00b4d, 0x00b4d, 0}, {0x00b55, 0x00b56, 0},
    {0x00b62, 0x00b63, 0}, {0x00b82, 0x00b82, 0}, {0x00bc0, 0x00bc0, 0}, {0x00bcd, 0x00bcd, 0},
    {0x00c00, 0x00c00, 0}, {0x00c04, 0x00c04, 0}, {0x00c3c, 0x00c3c, 0}, {0x00c3e, 0x00c40, 0},
    {0x00c46, 0x00c48, 0}, {0x00c4a, 0x00c4d, 0}, {0x00c55, 0x00c56, 0}, {0x00c62, 0x00c63, 0},
    {0x00c81, 0x00c81, 0}, {0x00cbc, 0x00cbc, 0}, {0x00cbf, 0x00cbf, 0}, {0x00cc6, 0x00cc6, 0},
    {0x00ccc, 0x00ccd, 0}, {0x00ce2, 0x00ce3, 0}, {0x00d00, 0x00d01, 0}, {0x00d3b, 0x00d3c, 0},
    {0x00d41, 0x00d44, 0}, {0x00d4d, 0x00d4d, 0}, {0x00d62, 0x00d63, 0}, {0x00d81, 0x00d81, 0},
    {0x00dca, 0x00dca, 0}, {0x00dd2, 0x00dd4, 0}, {0x00dd6, 0x00dd6, 0}, {0x00e31, 0x00e31, 0},
    {0x00e34, 0x00e3a, 0}, {0x00e47, 0x00e4e, 0}, {0x00eb1, 0x00eb1, 0}, {0x00eb4, 0x00ebc, 0},
    {0x00ec8, 0x00ecd, 0}, {0x00f18, 0x00f19, 0}, {0x00f35, 0x00f35, 0}, {0x00f37, 0x00f37, 0},
    {0x00f39, 0x00f39, 0}, {0x00f71, 0x00f7e, 0}, {0x00f80, 0x00f84, 0}, {0x00f86, 0x00f87, 0},
    {0x00f8d, 0x00f97, 0}, {0x00f99, 0x00fbc, 0}, {0x00fc6, 0x00fc6, 0}, {0x0102d, 0x01030, 0},
    {0x01032, 0x01037, 0}, {0x01039, 0x0103a, 0}, {0x0103d, 0x0103e, 0}, {0x01058, 0x01059, 0},
    {0x0105e, 0x01060, 0}, {0x01071, 0x01074, 0}, {0x01082, 0x01082, 0}, {0x01085, 0x01086, 0},
    {0x0108d, 0x0108d, 0}, {0x0109d, 0x0109d, 0}, {0x01100, 0x0115f, 2}, {0x01160, 0x011ff, 0},
    {0x0135d, 0x0135f, 0}, {0x01712, 0x01714, 0}, {0x01732, 0x01733, 0}, {0x01752, 0x01753, 0},
    {0x01772, 0x01773, 0}, {0x017b4, 0x017b5, 0}, {0x017b7, 0x017bd, 0}, {0x017c6, 0x017c6, 0},
    {0x017c9, 0x017d3, 0}, {0x017dd, 0x017dd, 0}, {0x0180b, 0x0180d, 0}, {0x0180e, 0x0180e, 3},
    {0x0180f, 0x0180f, 0}, {0x01885, 0x01886, 0}, {0x018a9, 0x018a9, 0}, {0x01920, 0x01922, 0},
    {0x01927, 0x01928, 0}, {0x01932, 0x01932, 0}, {0x01939, 0x0193b, 0}, {0x01a17, 0x01a18, 0},
    {0x01a1b, 0x01a1b, 0}, {0x01a56, 0x01a56, 0}, {0x01a58, 0x01a5e, 0}, {0x01a60, 0x01a60, 0},
    {0x01a62, 0x01a62, 0}, {0x01a65, 0x01a6c, 0}, {0x01a73, 0x01a7c, 0}, {0x01a7f, 0x01a7f, 0},
    {0x01ab0, 0x01ace, 0}, {0x01b00, 0x01b03, 0}, {0x01b34, 0x01b34, 0}, {0x01b36, 0x01b3a, 0},
    {0x01b3c, 0x01b3c, 0}, {0x01b42, 0x01b42, 0}, {0x01b6b, 0x01b73, 0}, {0x01b80, 0x01b81, 0},
    {0x01ba2, 0x01ba5, 0}, {0x01ba8, 0x01ba9, 0}, {0x01bab, 0x01bad, 0}, {0x01be6, 0x01be6, 0},
    {0x01be8, 0x01be9, 0}, {0x01bed, 0x01bed, 0}, {0x01bef, 0x01bf1, 0}, {0x01c2c, 0x01c33, 0},
    {0x01c36, 0x01c37, 0}, {0x01cd0, 0x01cd2, 0}, {0x01cd4, 0x01ce0, 0}, {0x01ce2, 0x01ce8, 0},
    {0x01ced, 0x01ced, 0}, {0x01cf4, 0x01cf4, 0}, {0x01cf8, 0x01cf9, 0}, {0x01dc0, 0x01dff, 0},
    {0x0200b, 0x0200f, 3}, {0x02028, 0x0202e, 3}, {0x02060, 0x02064, 3}, {0x02066, 0x0206f, 3},
    {0x020d0, 0x020f0, 0}, {0x0231a, 0x0231b, 2}, {0x02329, 0x0232a, 2}, {0x023e9, 0x023ec, 2},
    {0x023f0, 0x023f0, 2}, {0x023f3, 0x023f3, 2}, {0x025fd, 0x025fe, 2}, {0x02614, 0x02615, 2},
    {0x02648, 0x02653, 2}, {0x0267f, 0x0267f, 2}, {0x02693, 0x02693, 2}, {0x026a1, 0x026a1, 2},
    {0x026aa, 0x026ab, 2}, {0x026bd, 0x026be, 2}, {0x026c4, 0x026c5, 2}, {0x026ce, 0x026ce, 2},
    {0x026d4, 0x026d4, 2}, {0x026ea, 0x026ea, 2}, {0x026f2, 0x026f3, 2}, {0x026f5, 0x026f5, 2},
    {0x026fa, 0x026fa, 2}, {0x026fd, 0x026fd, 2}, {0x02705, 0x02705, 2}, {0x0270a, 0x0270b, 2},
    {0x02728, 0x02728, 2}, {0x0274c, 0x0274c, 2}, {0x0274e, 0x0274e, 2}, {0x02753, 0x02755, 2},
    {0x02757, 0x02757, 2}, {0x02795, 0x02797, 2}, {0x027b0, 0x027b0, 2}, {0x027bf, 0x027bf, 2},
    {0x02b1b, 0x02b1c, 2}, {0x02b50, 0x02b50, 2}, {0x02b55, 0x02b55, 2}, {0x02cef, 0x02cf1, 0},
    {0x02d7f, 0x02d7f, 0}, {0x02de0, 0x02dff, 0}, {0x02e80, 0x02e99, 2}, {0x02e9b, 0x02ef3, 2},
    {0x02f00, 0x02fd5, 2}, {0x02ff0, 0x02ffb, 2}, {0x03000, 0x03029, 2}, {0x0302a, 0x0302d, 0},
    {0x0302e, 0x0303e, 2}, {0x03041, 0x03096, 2}, {0x03099, 0x0309a, 0}, {0x0309b, 0x030ff, 2},
    {0x03105, 0x0312f, 2}, {0x03131, 0x0318e, 2}, {0x03190, 0x031e3, 2}, {0x031f0, 0x0321e, 2},
    {0x03220, 0x03247, 2}, {0x03250, 0x04dbf, 2}, {0x04e00, 0x0a48c, 2}, {0x0a490, 0x0a4c6, 2},
    {0x0a66f, 0x0a672, 0}, {0x0a674, 0x0a67d, 0}, {0x0a69e, 0x0a69f, 0}, {0x0a6f0, 0x0a6f1, 0},
    {0x0a802, 0x0a802, 0}, {0x0a806, 0x0a806, 0}, {0x0a80b, 0x0a80b, 0}, {0x0a825, 0x0a826, 0},
    {0x0a82c, 0x0a82c, 0}, {0x0a8c4, 0x0a8c5, 0}, {0x0a8e0, 0x0a8f1, 0}, {0x0a8ff, 0x0a8ff, 0},
    {0x0a926, 0x0a92d, 0}, {0x0a947, 0x0a951, 0}, {0x0a960, 0x0a97c, 2}, {0x0a980, 0x0a982, 0},
    {0x0a9b3, 0x0a9b3, 0}, {0x0a9b6, 0x0a9b9, 0}, {0x0a9bc, 0x0a9bd, 0}, {0x0a9e5, 0x0a9e5, 0},
    {0x0aa29, 0x0aa2e, 0}, {0x0aa31, 0x0aa32, 0}, {0x0aa35, 0x0aa36, 0}, {0x0aa43, 0x0aa43, 0},
    {0x0aa4c, 0x0aa4c, 0}, {0x0aa7c, 0x0aa7c, 0}, {0x0aab0, 0x0aab0, 0}, {0x0aab2, 0x0aab4, 0},
    {0x0aab7, 0x0aab8, 0}, {0x0aabe, 0x0aabf, 0}, {0x0aac1, 0x0aac1, 0}, {0x0aaec, 0x0aaed, 0},
    {0x0aaf6, 0x0aaf6, 0}, {0x0abe5, 0x0abe5, 0}, {0x0abe8, 0x0abe8, 0}, {0x0abed, 0x0abed, 0},
    {0x0ac00, 0x0d7a3, 2}, {0x0d800, 0x0dfff, 3}, {0x0f900, 0x0faff, 2}, {0x0fb1e, 0x0fb1e, 0},
    {0x0fe00, 0x0fe0f, 0}, {0x0fe10, 0x0fe19, 2}, {0x0fe20, 0x0fe2f, 0}, {0x0fe30, 0x0fe52, 2},
    {0x0fe54, 0x0fe66, 2}, {0x0fe68, 0x0fe6b, 2}, {0x0feff, 0x0feff, 3}, {0x0ff01, 0x0ff60, 2},
    {0x0ffe0, 0x0ffe6, 2}, {0x0fff9, 0x0fffb, 3}, {0x101fd, 0x101fd, 0}, {0x102e0, 0x102e0, 0},
    {0x10376, 0x1037a, 0}, {0x10a01, 0x10a03, 0}, {0x10a05, 0x10a06, 0}, {0x10a0c, 0x10a0f, 0},
    {0x10a38, 0x10a3a, 0}, {0x10a3f, 0x10a3f, 0}, {0x10ae5, 0x10ae6, 0}, {0x10d24, 0x10d27, 0},
    {0x10eab, 0x10eac, 0}, {0x10f46, 0x10f50, 0}, {0x10f82, 0x10f85, 0}, {0x11001, 0x11001, 0},
    {0x11038, 0x11046, 0}, {0x11070, 0x11070, 0}, {0x11073, 0x11074, 0}, {0x1107f, 0x11081, 0},
    {0x110b3, 0x110b6, 0}, {0x110b9, 0x110ba, 0}, {0x110bd, 0x110bd, 3}, {0x110c2, 0x110c2, 0},
    {0x110cd, 0x110cd, 3}, {0x11100, 0x11102, 0}, {0x11127, 0x1112b, 0}, {0x1112d, 0x11134, 0},
    {0x11173, 0x11173, 0}, {0x11180, 0x11181, 0}, {0x111b6, 0x111be, 0}, {0x111c9, 0x111cc, 0},
    {0x111cf, 0x111cf, 0}, {0x1122f, 0x11231, 0}, {0x11234, 0x11234, 0}, {0x11236, 0x11237, 0},
    {0x1123e, 0x1123e, 0}, {0x112df, 0x112df, 0}, {0x112e3, 0x112ea, 0}, {0x11300, 0x11301, 0},
    {0x1133b, 0x1133c, 0}, {0x11340, 0x11340, 0}, {0x11366, 0x1136c, 0}, {0x11370, 0x11374, 0},
    {0x11438, 0x1143f, 0}, {0x11442, 0x11444, 0}, {0x11446, 0x11446, 0}, {0x1145e, 0x1145e, 0},
    {0x114b3, 0x114b8, 0}, {0x114ba, 0x114ba, 0}, {0x114bf, 0x114c0, 0}, {0x114c2, 0x114c3, 0},
    {0x115b2, 0x115b5, 0}, {0x115bc, 0x115bd, 0}, {0x115bf, 0x115c0, 0}, {0x115dc, 0x115dd, 0},
    {0x11633, 0x1163a, 0}, {0x1163d, 0x1163d, 0}, {0x1163f, 0x11640, 0}, {0x116ab, 0x116ab, 0},
    {0x116ad, 0x116ad, 0}, {0x116b0, 0x116b5, 0}, {0x116b7, 0x116b7, 0}, {0x1171d, 0x1171f, 0},
    {0x11722, 0x11725, 0}, {0x11727, 0x1172b, 0}, {0x1182f, 0x11837, 0}, {0x11839, 0x1183a, 0},
    {0x1193b, 0x1193c, 0}, {0x1193e, 0x1193e, 0}, {0x11943, 0x11943, 0}, {0x119d4, 0x119d7, 0},
    {0x119da, 0x119db, 0}, {0x119e0, 0x119e0, 0}, {0x11a01, 0x11a0a, 0}, {0x11a33, 0x11a38, 0},
    {0x11a3b, 0x11a3e, 0}, {0x11a47, 0x11a47, 0}, {0x11a51, 0x11a56, 0}, {0x11a59, 0x11a5b, 0},
    {0x11a8a, 0x11a96, 0}, {0x11a98, 0x11a99, 0}, {0x11c30, 0x11c36, 0}, {0x11c38, 0x11c3d, 0},
    {0x11c3f, 0x11c3f, 0}, {0x11c92, 0x11ca7, 0}, {0x11caa, 0x11cb0, 0}, {0x11cb2, 0x11cb3, 0},
    {0x11cb5, 0x11cb6, 0}, {0x11d31, 0x11d36, 0}, {0x11d3a, 0x11d3a, 0}, {0x11d3c, 0x11d3d, 0},
    {0x11d3f, 0x11d45, 0}, {0x11d47, 0x11d47, 0}, {0x11d90, 0x11d91, 0}, {0x11d95, 0x11d95, 0},
    {0x11d97, 0x11d97, 0}, {0x11ef3, 0x11ef4, 0}, {0x13430, 0x13438, 3}, {0x16af0, 0x16af4, 0},
    {0x16b30, 0x16b36, 0}, {0x16f4f, 0x16f4f, 0}, {0x16f8f, 0x16f92, 0}, {0x16fe0, 0x16fe3, 2},
    {0x16fe4, 0x16fe4, 0}, {0x16ff0, 0x16ff1, 2}, {0x17000, 0x187f7, 2}, {0x18800, 0x18cd5, 2},
    {0x18d00, 0x18d08, 2}, {0x1aff0, 0x1aff3, 2}, {0x1aff5, 0x1affb, 2}, {0x1affd, 0x1affe, 2},
    {0x1b000, 0x1b122, 2}, {0x1b150, 0x1b152, 2}, {0x1b164, 0x1b167, 2}, {0x1b170, 0x1b2fb, 2},
    {0x1bc9d, 0x1bc9e, 0}, {0x1bca0, 0x1bca3, 3}, {0x1cf00, 0x1cf2d, 0}, {0x1cf30, 0x1cf46, 0},
    {0x1d167, 0x1d169, 0}, {0x1d173, 0x1d17a, 3}, {0x1d17b, 0x1d182, 0}, {0x1d185, 0x1d18b, 0},
    {0x1d1aa, 0x1d1ad, 0}, {0x1d242, 0x1d244, 0}, {0x1da00, 0x1da36, 0}, {0x1da3b, 0x1da6c, 0},
    {0x1da75, 0x1da75, 0}, {0x1da84, 0x1da84, 0}, {0x1da9b, 0x1da9f, 0}, {0x1daa1, 0x1daaf, 0},
    {0x1e000, 0x1e006, 0}, {0x1e008, 0x1e018, 0}, {0x1e01b, 0x1e021, 0}, {0x1e023, 0x1e024, 0},
    {0x1e026, 0x1e02a, 0}, {0x1e130, 0x1e136, 0}, {0x1e2ae, 0x1e2ae, 0}, {0x1e2ec, 0x1e2ef, 0},
    {0x1e8d0, 0x1e8d6, 0}, {0x1e944, 0x1e94a, 0}, {0x1f004, 0x1f004, 2}, {0x1f0cf, 0x1f0cf, 2},
    {0x1f18e, 0x1f18e, 2}, {0x1f191, 0x1f19a, 2}, {0x1f200, 0x1f202, 2}, {0x1f210, 0x1f23b, 2},
    {0x1f240, 0x1f248, 2}, {0x1f250, 0x1f251, 2}, {0x1f260, 0x1f265, 2}, {0x1f300, 0x1f320, 2},
    {0x1f32d, 0x1f335, 2}, {0x1f337, 0x1f37c, 2}, {0x1f37e, 0x1f393, 2}, {0x1f3a0, 0x1f3ca, 2},
    {0x1f3cf, 0x1f3d3, 2}, {0x1f3e0, 0x1f3f0, 2}, {0x1f3f4, 0x1f3f4, 2}, {0x1f3f8, 0x1f43e, 2},
    {0x1f440, 0x1f440, 2}, {0x1f442, 0x1f4fc, 2}, {0x1f4ff, 0x1f53d, 2}, {0x1f54b, 0x1f54e, 2},
    {0x1f550, 0x1f567, 2}, {0x1f57a, 0x1f57a, 2}, {0x1f595, 0x1f596, 2}, {0x1f5a4, 0x1f5a4, 2},
    {0x1f5fb, 0x1f64f, 2}, {0x1f680, 0x1f6c5, 2}, {0x1f6cc, 0x1f6cc, 2}, {0x1f6d0, 0x1f6d2, 2},
    {0x1f6d5, 0x1f6d7, 2}, {0x1f6dd, 0x1f6df, 2}, {0x1f6eb, 0x1f6ec, 2}, {0x1f6f4, 0x1f6fc, 2},
    {0x1f7e0, 0x1f7eb, 2}, {0x1f7f0, 0x1f7f0, 2}, {0x1f90c, 0x1f93a, 2}, {0x1f93c, 0x1f945, 2},
    {0x1f947, 0x1f9ff, 2}, {0x1fa70, 0x1fa74, 2}, {0x1fa78, 0x1fa7c, 2}, {0x1fa80, 0x1fa86, 2},
    {0x1fa90, 0x1faac, 2}, {0x1fab0, 0x1faba, 2}, {0x1fac0, 0x1fac5, 2}, {0x1fad0, 0x1fad9, 2},
    {0x1fae0, 0x1fae7, 2}, {0x1faf0, 0x1faf6, 2}, {0x20000, 0x3fffd, 2}, {0xe0001, 0xe0001, 3},
    {0xe0020, 0xe007f, 3}, {0xe0100, 0xe01ef, 0},
};

static unsigned cp_class(uint32_t cp)
{
	size_t lo = 0, hi = sizeof(ranges) / sizeof(ranges[0]);

	if (cp < 0x80)
		return cp < 0x20 || cp == 0x7f ? W_ESC : 1;
	if (cp < 0xa0)
		return W_ESC;
	if (cp < 0x300)
		return cp == 0xad ? W_ESC : 1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cp < ranges[mid].lo)
			hi = mid;
		else if (cp > ranges[mid].hi)
			lo = mid + 1;
		else
			return ranges[mid].cls;
	}
	return 1;
}

void buf_grow(struct buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 256;
	char *p;

	while (cap - b->len < more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		die("out of memory");
	b->p = p;
	b->cap = cap;
}

void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static const char hex[] = "0123456789abcdef";

/* ---- table cells ---- */

void cell_begin(struct cell *c, struct buf *b, unsigned limit)
{
	c->b = b;
	c->w = 0;
	c->limit = limit;
	c->mark_len = b->len;
	c->mark_w = 0;
	c->full = false;
}

/* The value is too wide: go back to the last place that leaves room for the mark. */
static void cell_cut(struct cell *c)
{
	c->b->len = c->mark_len;
	c->w = c->mark_w;
	buf_put(c->b, "\xe2\x80\xa6", 3); /* U+2026 HORIZONTAL ELLIPSIS */
	c->w++;
	c->full = true;
}

/* One unit that must not be split: a character, or an escape such as \x1b. */
static void cell_unit(struct cell *c, const char *s, size_t n, unsigned w)
{
	if (c->full)
		return;
	if (c->limit && c->w + w > c->limit) {
		cell_cut(c);
		return;
	}
	buf_put(c->b, s, n);
	c->w += w;
	if (c->limit && c->w < c->limit) {
		c->mark_len = c->b->len;
		c->mark_w = c->w;
	}
}

/* A run of printable ASCII: one column a byte. */
static void cell_run(struct cell *c, const char *s, size_t n)
{
	if (c->full || !n)
		return;
	if (c->limit && c->w + n > c->limit) {
		if (c->w < c->limit) {
			size_t k = c->limit - 1 - c->w;

			buf_put(c->b, s, k);
			c->w += (unsigned)k;
			c->mark_len = c->b->len;
			c->mark_w = c->w;
		}
		cell_cut(c);
		return;
	}
	buf_put(c->b, s, n);
	c->w += (unsigned)n;
	if (!c->limit)
		return;
	if (c->w < c->limit) {
		c->mark_len = c->b->len;
		c->mark_w = c->w;
	} else {
		c->mark_len = c->b->len - 1;
		c->mark_w = c->limit - 1;
	}
}

static void cell_byte_esc(struct cell *c, unsigned char b)
{
	char e[4] = {'\\', 'x', hex[b >> 4], hex[b & 15]};

	cell_unit(c, e, 4, 4);
}

/* A code point; src holds its UTF-8 bytes, or NULL when it came from a \u escape. */
static void cell_cp(struct cell *c, uint32_t cp, const char *src, size_t n)
{
	char tmp[10];
	unsigned cls;

	if (cp == '\\') {
		cell_unit(c, "\\\\", 2, 2);
		return;
	}
	if (cp < 0x20 || cp == 0x7f) {
		cell_byte_esc(c, (unsigned char)cp);
		return;
	}
	if (cp < 0x80) {
		tmp[0] = (char)cp;
		cell_unit(c, tmp, 1, 1);
		return;
	}
	cls = cp_class(cp);
	if (cls == W_ESC) {
		if (cp > 0xffff) {
			tmp[0] = '\\';
			tmp[1] = 'U';
			for (int k = 0; k < 8; k++)
				tmp[2 + k] = hex[cp >> (28 - 4 * k) & 15];
			cell_unit(c, tmp, 10, 10);
		} else {
			tmp[0] = '\\';
			tmp[1] = 'u';
			for (int k = 0; k < 4; k++)
				tmp[2 + k] = hex[cp >> (12 - 4 * k) & 15];
			cell_unit(c, tmp, 6, 6);
		}
		return;
	}
	if (!src) {
		n = utf8_encode(tmp, cp);
		src = tmp;
	}
	cell_unit(c, src, n, cls);
}

static bool plain(unsigned char b)
{
	return b >= 0x20 && b < 0x7f && b != '\\';
}

/*
 * A JSON escape at s[0] == '\\': its code point, and the bytes it takes in *used. A surrogate
 * pair becomes one code point; a lone surrogate stays itself (and is shown escaped).
 */
static uint32_t json_unescape(const char *s, size_t n, size_t *used)
{
	long cp, lo;

	*used = 2;
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

static void cell_walk(struct cell *c, const char *s, size_t n, bool json)
{
	size_t i = 0;

	while (i < n && !c->full) {
		size_t run = i, k;
		unsigned char b;

		while (run < n && plain((unsigned char)s[run]))
			run++;
		cell_run(c, s + i, run - i);
		i = run;
		if (i >= n)
			break;
		b = (unsigned char)s[i];
		if (b == '\\' && json) {
			uint32_t cp = json_unescape(s + i, n - i, &k);

			cell_cp(c, cp, NULL, 0);
			i += k;
		} else if (b < 0x80) {
			cell_cp(c, b, NULL, 0);
			i++;
		} else if ((k = utf8_valid_len(s + i, n - i))) {
			cell_cp(c, utf8_decode(s + i, k), s + i, k);
			i += k;
		} else {
			cell_byte_esc(c, b);
			i++;
		}
	}
}

void cell_text(struct cell *c, const char *s, size_t n)
{
	cell_walk(c, s, n, false);
}

void cell_json(struct cell *c, const char *body, size_t n)
{
	cell_walk(c, body, n, true);
}

unsigned text_width(const char *s, size_t n)
{
	struct buf b = {0};
	struct cell c;

	cell_begin(&c, &b, 0);
	cell_text(&c, s, n);
	buf_free(&b);
	return c.w;
}

/* ---- JSON ---- */

static void put_u_escape(struct buf *b, uint32_t u)
{
	char e[6] = {'\\', 'u', hex[u >> 12 & 15], hex[u >> 8 & 15], hex[u >> 4 & 15], hex[u & 15]};

	buf_put(b, e, sizeof(e));
}

/*
 * Escape what a terminal could act on; JSON gives it the same meaning either way. A control
 * byte becomes \u00XX and a byte that is not valid UTF-8 becomes U+FFFD, the rule jsonw.h
 * states (a record's strings hold neither: the reader rejects them; this is the safety net).
 * In a whole line (line true), control bytes can only be whitespace between tokens: they
 * become spaces, so a \r cannot move the cursor.
 */
static void safe_json_walk(struct buf *o, const char *s, size_t n, bool line)
{
	size_t i = 0;

	while (i < n) {
		size_t run = i + ascii_run(s + i, n - i, '\\', 0x7f), k;
		unsigned char b;

		if (run > i)
			buf_put(o, s + i, run - i);
		i = run;
		if (i >= n)
			break;
		b = (unsigned char)s[i];
		if (b == '\\') {
			long cp = n - i >= 6 && s[i + 1] == 'u' ? hex4(s + i + 2, n - i - 2) : -1;

			k = 2;
			if (cp >= 0xd800 && cp < 0xe000) {
				json_unescape(s + i, n - i, &k);
				if (k != 12) {
					buf_put(o, "\\ufffd",
						6); /* a lone surrogate: no character */
					i += 6;
					continue;
				}
			} else if (cp >= 0) {
				k = 6;
			}
			if (k > n - i)
				k = n - i;
			buf_put(o, s + i, k);
			i += k;
		} else if (b < 0x20) {
			if (line)
				buf_put(o, " ", 1);
			else
				put_u_escape(o, b);
			i++;
		} else if (b == 0x7f) {
			put_u_escape(o, b);
			i++;
		} else if (!(k = utf8_valid_len(s + i, n - i))) {
			buf_put(o, "\xef\xbf\xbd", 3);
			i++;
		} else {
			uint32_t cp = utf8_decode(s + i, k);

			if (cp_class(cp) != W_ESC) {
				buf_put(o, s + i, k);
			} else if (cp > 0xffff) {
				put_u_escape(o, 0xd800 + ((cp - 0x10000) >> 10));
				put_u_escape(o, 0xdc00 + ((cp - 0x10000) & 0x3ff));
			} else {
				put_u_escape(o, cp);
			}
			i += k;
		}
	}
}

void safe_json_body(struct buf *o, const char *body, size_t n)
{
	buf_put(o, "\"", 1);
	safe_json_walk(o, body, n, false);
	buf_put(o, "\"", 1);
}

void safe_json_line(struct buf *o, const char *line, size_t n)
{
	safe_json_walk(o, line, n, true);
	buf_put(o, "\n", 1);
}
