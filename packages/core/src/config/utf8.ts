/**
 * Where UTF-8 goes wrong, checked byte by byte (RFC 3629, table 3-7 of the Unicode standard).
 * Decoding leniently and re-encoding cannot find it: U+FFFD re-encodes as EF BF BD, so a broken
 * sequence starting EF BF would match for two bytes and be reported one character late.
 *
 * @module
 */

/**
 * The index of the first byte that is not part of valid UTF-8, `bytes.length` when all of it is.
 * A sequence that breaks off (a missing continuation byte, an overlong form, a surrogate, a code
 * point past U+10FFFF, or the end of the bytes) is reported at its lead byte; a byte that can never
 * start a character (a stray continuation byte, C0, C1, F5 to FF) at itself.
 */
export const firstInvalidUtf8Byte = (bytes: Uint8Array): number => {
  let i = 0
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0
    if (lead < 0x80) {
      i++
      continue
    }
    // The length of the sequence and the range its second byte must fall in: the narrower ranges
    // refuse overlong forms (E0, F0), surrogates U+D800-U+DFFF (ED) and code points past U+10FFFF (F4).
    let size: number
    let low = 0x80
    let high = 0xbf
    if (lead >= 0xc2 && lead <= 0xdf) size = 2
    else if (lead >= 0xe0 && lead <= 0xef) {
      size = 3
      if (lead === 0xe0) low = 0xa0
      else if (lead === 0xed) high = 0x9f
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      size = 4
      if (lead === 0xf0) low = 0x90
      else if (lead === 0xf4) high = 0x8f
    } else return i
    if (i + size > bytes.length) return i
    const second = bytes[i + 1] ?? 0
    if (second < low || second > high) return i
    for (let k = 2; k < size; k++) {
      const next = bytes[i + k] ?? 0
      if (next < 0x80 || next > 0xbf) return i
    }
    i += size
  }
  return bytes.length
}
