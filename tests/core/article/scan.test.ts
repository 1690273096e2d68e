import { describe, expect, it } from 'vitest'
import { countBodyWords, countWords, findDownloadLinks, replaceLinkTargets } from '../../../src/core/article/scan.js'

const enc = (s: string): Buffer => Buffer.from(s)

describe('countWords', () => {
  it.each([
    ['', 0],
    ['one', 1],
    ['  two   words ', 2],
    ['a — b & c', 3],
    ['“We have a plan,” he said.', 6],
    ['Zürich Kraków naïve Łódź', 4],
    ['tab\tnew\nline\r\nnbsp\u00a0split', 5],
    ['2025 numbers 3.5 count', 4],
    ['emoji 🎉 alone', 3]
  ])('counts %j as %i', (text, n) => {
    expect(countWords(enc(text))).toBe(n)
  })
})

// The rule written over decoded text, as the schema states it: an independent check of the byte-level scanner.
const SPACE_RE = /^[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u
const NOT_WORD_RE = /^[\u0000-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007f\u00a0-\u00bf\u00d7\u00f7\u2010-\u2bff]$/u
function referenceCount (text: string): number {
  let count = 0
  for (const token of text.split(/[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u)) {
    if ([...token].some(ch => !SPACE_RE.test(ch) && !NOT_WORD_RE.test(ch))) count++
  }
  return count
}

describe('countWords against the rule over decoded text', () => {
  it('agrees on random mixes of ASCII, Latin, CJK, emoji, punctuation and Unicode spaces', () => {
    const alphabet = ['a', 'Z', '7', ' ', '  ', '\t', '\n', '\r\n', '.', ',', '—', '–', '&', '“', '”', '«', '¿', '×', '÷', 'é', 'ß', 'Ł', '中', '文', '🎉', '𝒳', '\u00a0', '\u3000', '\u2028', '\u2009', '\u1680', '\u202f', '\u200b', '→', '…', '€', '#', '\u0301']
    let seed = 12345
    const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n }
    for (let round = 0; round < 2000; round++) {
      let text = ''
      const len = rand(60)
      for (let i = 0; i < len; i++) text += alphabet[rand(alphabet.length)]
      expect(countWords(enc(text)), JSON.stringify(text)).toBe(referenceCount(text))
    }
  })

  it('counts only inside [start, end)', () => {
    const text = 'skip this — count these three words — not these'
    const b = enc(text)
    const start = b.indexOf('count')
    const end = b.indexOf(' —', start)
    expect(countWords(b, start, end)).toBe(4)
  })
})

describe('download links', () => {
  it('finds links and their targets', () => {
    const b = enc('x [Download IPFS](#) y [Download IPFS](https://a.b/c?d=e&f) z [Download IPFS](bad target)')
    const links = findDownloadLinks(b)
    expect(links.map(l => b.subarray(l.targetStart, l.targetEnd).toString())).toEqual(['#', 'https://a.b/c?d=e&f'])
  })

  it('replaces targets and returns the same buffer when nothing changes', () => {
    const b = enc('a [Download IPFS](#)\n')
    expect(replaceLinkTargets(b, findDownloadLinks(b), '#')).toBe(b)
    const c = enc('a [Download IPFS](https://x/y) b')
    expect(Buffer.from(replaceLinkTargets(c, findDownloadLinks(c), '#')).toString()).toBe('a [Download IPFS](#) b')
  })

  it('does not count the link as words', () => {
    const b = enc('## T\n\nBody has four words.\n\n[Download IPFS](#)')
    expect(countBodyWords(b, 5, findDownloadLinks(b))).toBe(4)
  })
})
