/* UTF-8 validation and encoding, and the hex digits of \uXXXX escapes, for the JSON code. */
#ifndef CTRWATCH_UTF8_H
#define CTRWATCH_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Length (2 to 4) of the valid UTF-8 sequence that starts at s (whose first byte is >= 0x80),
 * or 0 when it is not valid: a stray continuation byte, an overlong form, a surrogate, a code
 * point above U+10FFFF, or a sequence cut by the end of the buffer.
 */
size_t utf8_valid_len(const char *s, size_t avail);

/* Decode the valid sequence of length n at s (as returned by utf8_valid_len). */
uint32_t utf8_decode(const char *s, size_t n);

/*
 * How many bytes at the start of s[0, n) are ASCII from 0x20 to 0x7f and neither stop1 nor
 * stop2: the bytes JSON code can pass on without a second look, found 16 a step. The JSON
 * reader and writer stop at '"' and '\\' (bytes plain inside a string); ctrfmt at '\\' and
 * 0x7f (bytes a terminal takes as they are).
 */
size_t ascii_run(const char *s, size_t n, char stop1, char stop2);

/* The value of hex digit c, or -1. */
int hex_digit(char c);

/* The 16-bit value of the four hex digits at s (n bytes available: "\uXXXX" escapes), or -1. */
long hex4(const char *s, size_t n);

/*
 * The JSON escape at s[0] == '\\' (n bytes available): its code point, and the bytes it takes
 * in *used. A surrogate pair is one code point; a lone surrogate comes back as itself. An escape
 * cut short or with bad hex digits gives the backslash, *used covering it and the next byte.
 */
uint32_t json_unescape(const char *s, size_t n, size_t *used);

/*
 * The same escape as UTF-8 in o[0..4), for text that becomes a C string: a lone surrogate (no
 * UTF-8 form) and \u0000 (it would cut the string short) are U+FFFD. Returns its length, never
 * more than *used: unescaping never grows a string.
 */
size_t json_unescape_utf8(const char *s, size_t n, char *o, size_t *used);

/*
 * True for a code point that must never reach a terminal as it is, on stdout or stderr: a C0
 * or C1 control or DEL (a terminal acts on them), a Unicode format (Cf), line or paragraph
 * separator (Zl, Zp): bidi controls such as U+202E reorder the text around them, zero-width and
 * invisible characters hide text; and a surrogate. The one terminal-safe rule: diagnostics
 * (log_quote) and terminal output escape exactly these (Unicode 14.0).
 */
bool utf8_unsafe(uint32_t cp);

/* Encode code point cp (at most U+10FFFF, not a surrogate) into o[0..4); returns its length. */
size_t utf8_encode(char *o, uint32_t cp);

#endif
