import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { buildBundle, METADATA_SCHEMA } from '../../../src/core/article/bundle.js'
import { SAMPLE } from '../../helpers/cli.js'

describe('buildBundle', () => {
  const source = readFileSync(SAMPLE)

  it('builds article.txt and metadata.json', () => {
    const b = buildBundle(source, 'us-joins-ukraine-peace-force-talks.txt')
    expect(b.files.map(f => f.name)).toEqual(['article.txt', 'metadata.json'])
    const meta = JSON.parse(Buffer.from(b.files[1].bytes).toString())
    expect(meta).toEqual({
      schema: METADATA_SCHEMA,
      title: 'US Joins Ukraine Peace Force Talks, Plans Ready to Act',
      date: '2025-07-11',
      categories: ['Defence & Security'],
      slug: 'us-joins-ukraine-peace-force-talks-plans-ready-to-act',
      wordCount: 495,
      file: { name: 'article.txt', bytes: source.byteLength, mediaType: 'text/plain; charset=utf-8', sha256: createHash('sha256').update(source).digest('hex') }
    })
  })

  it('depends only on content: not on the file name, and not on the link target', () => {
    const a = buildBundle(source, 'a.txt')
    const b = buildBundle(source, 'elsewhere/other-name.txt')
    expect(Buffer.compare(a.files[1].bytes, b.files[1].bytes)).toBe(0)
    const linked = Buffer.from(source.toString().replace('[Download IPFS](#)', '[Download IPFS](https://bafy.ipfs.dweb.link/article.txt)'))
    const c = buildBundle(linked, 'a.txt')
    expect(Buffer.compare(c.files[0].bytes, a.files[0].bytes)).toBe(0)
    expect(Buffer.compare(c.files[1].bytes, a.files[1].bytes)).toBe(0)
  })

  it('names Markdown article.md and keeps front-matter extras sorted', () => {
    const b = buildBundle(Buffer.from('---\ntitle: T\nz: 1\na: {c: 2, b: 1}\n---\nBody\n'), 'x.md')
    expect(b.files[0].name).toBe('article.md')
    const text = Buffer.from(b.files[1].bytes).toString()
    expect(JSON.parse(text).file.mediaType).toBe('text/markdown; charset=utf-8')
    expect(text.indexOf('"a"')).toBeLessThan(text.indexOf('"z"'))
    expect(text.indexOf('"b"')).toBeLessThan(text.indexOf('"c"'))
  })
})
