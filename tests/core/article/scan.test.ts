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
