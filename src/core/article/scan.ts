/**
 * Byte-level scans of an article's UTF-8 source. They run over every byte of
 * every article, so they work on the bytes (no decoding, no regex, native
 * `indexOf` where possible); publishing 10,000 articles spent most of its time in
 * string-based versions of these.
 */

function isSpace (c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
}

/** ASCII letters and digits, and non-ASCII characters outside Latin-1 punctuation and the U+2010–U+2BFF punctuation and symbol blocks. */
function isWordChar (c: number): boolean {
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
  return !(c >= 0x2010 && c <= 0x2bff) && !(c >= 0xa0 && c <= 0xbf) && c !== 0xd7 && c !== 0xf7
}

const SPACE = 1
const WORD = 2
const MULTI = 3
/** Class of each byte: 0 other, SPACE, WORD, or MULTI (the lead byte of a multi-byte character). */
const CLASS = new Uint8Array(256).map((_, c) => c >= 128 ? MULTI : isSpace(c) ? SPACE : isWordChar(c) ? WORD : 0)

/** Class of the multi-byte character that starts at `bytes[i]`. */
function classOfMultiByte (bytes: Uint8Array, i: number): number {
  let c = bytes[i]
  if (c < 0xe0) c = ((c & 0x1f) << 6) | (bytes[i + 1] & 0x3f)
  else if (c < 0xf0) c = ((c & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f)
  else c = ((c & 0x07) << 18) | ((bytes[i + 1] & 0x3f) << 12) | ((bytes[i + 2] & 0x3f) << 6) | (bytes[i + 3] & 0x3f)
  return isSpace(c) ? SPACE : isWordChar(c) ? WORD : 0
}

/**
 * Counts words in `bytes[start:end]`: whitespace-separated tokens holding at least
 * one letter or digit (a lone "—" or "&" is not a word). Part of the bundle
 * format: changing it changes CIDs, so it only changes with the schema version.
 *
 * The state update is arithmetic, not branches: in real text whether the next
 * byte is a space is unpredictable, and mispredicted branches made this loop
 * three times slower (about 330 against 1,000 MB/s).
 */
export function countWords (bytes: Uint8Array, start = 0, end = bytes.length): number {
  // literals, not the module's constants, in the loop: V8 reloads those on every byte
  const table = CLASS
  let count = 0
  let token = 0 // 2 (WORD) once the current token holds a letter or digit, else 0
  let i = start
  while (i < end) {
    // runs of ASCII: a tight loop (decoding a multi-byte character in it halves its speed)
    for (; i < end; i++) {
      const k = table[bytes[i]]
      if (k === 3) break // MULTI
      count += (token >> 1) & k // a space (1) ends a token that held a word
      token = (k | token) & ((k & 1) - 1) & 2 // a space resets; a word character sets
    }
    if (i >= end) break
    const b = bytes[i]
    const k = classOfMultiByte(bytes, i)
    count += (token >> 1) & k
    token = (k | token) & ((k & 1) - 1) & 2
    i += b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4
  }
  return count + (token >> 1)
}

/** Where a `[Download IPFS](target)` link sits in the source: byte offsets of the whole link and of its target. */
export interface LinkSpan {
  start: number
  end: number
  targetStart: number
  targetEnd: number
}

const OPEN = Buffer.from('[Download IPFS](')
const CLOSE = 0x29 // ')'

/** Every `[Download IPFS](target)` link in the source, where the target has no whitespace or parentheses. */
export function findDownloadLinks (bytes: Uint8Array): LinkSpan[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out: LinkSpan[] = []
  let from = 0
  for (;;) {
    const start = buf.indexOf(OPEN, from)
    if (start === -1) return out
    const targetStart = start + OPEN.length
    let i = targetStart
    while (i < buf.length && buf[i] !== CLOSE && buf[i] !== 0x28 && buf[i] > 32) i++
    if (i < buf.length && buf[i] === CLOSE) {
      out.push({ start, end: i + 1, targetStart, targetEnd: i })
      from = i + 1
    } else {
      from = targetStart
    }
  }
}

/** The source with every link's target replaced by `target` (the same buffer when nothing changes). */
export function replaceLinkTargets (bytes: Uint8Array, links: LinkSpan[], target: string): Uint8Array {
  const t = Buffer.from(target)
  if (links.every(l => l.targetEnd - l.targetStart === t.length && Buffer.compare(t, bytes.subarray(l.targetStart, l.targetEnd)) === 0)) return bytes
  const parts: Uint8Array[] = []
  let pos = 0
  for (const l of links) {
    parts.push(bytes.subarray(pos, l.targetStart), t)
    pos = l.targetEnd
  }
  parts.push(bytes.subarray(pos))
  return Buffer.concat(parts)
}

/** Words of `bytes[start:]`, each link counting as a word separator (the link itself is not counted). */
export function countBodyWords (bytes: Uint8Array, start: number, links: LinkSpan[]): number {
  let count = 0
  let pos = start
  for (const l of links) {
    if (l.end <= pos) continue
    count += countWords(bytes, pos, Math.max(pos, l.start))
    pos = l.end
  }
  return count + countWords(bytes, pos)
}
