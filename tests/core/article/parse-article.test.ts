import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { checkArticleBytes, houseDateToIso, parseArticle, parseArticleBytes, slugify } from '../../../src/core/article/parse-article.js'
import { InvalidArticleError } from '../../../src/errors.js'
import { SAMPLE } from '../../helpers/cli.js'

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('parseArticle', () => {
  it('titles: up to 1000 characters; a longer declared title is an error, a longer first line is cut with a warning', () => {
    const house = (title: string): string => `## ${title}\n\nJuly 11, 2025\n\n— Categories: News, Politics\n\nBody.\n`
    const ok = parseArticleBytes(enc(house('é'.repeat(1000))))
    expect(ok).toMatchObject({ title: 'é'.repeat(1000), date: '2025-07-11', categories: ['News', 'Politics'], warnings: [] })
    expect(() => parseArticle(house('x'.repeat(1001)))).toThrow(/the title is 1001 characters long, over the limit of 1000/)
    // ~100 KB: longer than the decoded head; no false "no date line" / "no Categories line"
    const long = enc(house('x'.repeat(100_000)))
    expect(() => parseArticleBytes(long)).toThrow(InvalidArticleError)
    expect(() => parseArticleBytes(long)).toThrow(/the title is more than \d+ characters long, over the limit of 1000 \(is a line break missing after it\?\)/)
    expect(() => parseArticle(`---\ntitle: ${'y'.repeat(1001)}\ndate: 2025-07-11\n---\nBody\n`)).toThrow(/over the limit of 1000/)
    const plain = parseArticleBytes(enc('z'.repeat(100_000) + '\n\nmore\n'))
    expect(plain.title).toBe('z'.repeat(1000))
    expect(plain.warnings.join(' ')).toMatch(/first line is over the title limit of 1000 characters/)
  })

  it('reads the house format of the sample article', () => {
    const a = parseArticleBytes(readFileSync(SAMPLE))
    expect(a.format).toBe('house')
    expect(a.title).toBe('US Joins Ukraine Peace Force Talks, Plans Ready to Act')
    expect(a.date).toBe('2025-07-11')
    expect(a.categories).toEqual(['Defence & Security'])
    expect(a.warnings).toEqual([])
    expect(readFileSync(SAMPLE).subarray(a.bodyStart).toString().trimStart()).toMatch(/^The United States has/)
  })

  it('reads several categories and CRLF line endings', () => {
    const a = parseArticle('\r\n## A title\r\n\r\nMarch 3, 2024\r\n\r\n— Categories: Economy, Energy ,Politics\r\n\r\nBody.\r\n')
    expect(a).toMatchObject({ format: 'house', title: 'A title', date: '2024-03-03', categories: ['Economy', 'Energy', 'Politics'] })
  })

  it('warns when the house header lacks a date or categories', () => {
    const a = parseArticle('## Only a title\n\nSome body text.\n')
    expect(a.title).toBe('Only a title')
    expect(a.date).toBeNull()
    expect(a.categories).toEqual([])
    expect(a.warnings.join(' ')).toMatch(/no date line/)
    expect(a.warnings.join(' ')).toMatch(/Categories/)
  })

  it('flags an impossible date', () => {
    expect(houseDateToIso('February 30, 2025')).toBeNull()
    expect(houseDateToIso('February 28, 2025')).toBe('2025-02-28')
    const a = parseArticle('## T\n\nFebruary 30, 2025\n\n— Categories: X\n\nBody')
    expect(a.date).toBeNull()
    expect(a.warnings.join(' ')).toMatch(/not a real date/)
  })

  it('reads Markdown front matter and keeps other keys', () => {
    const a = parseArticle('---\ntitle: "Front: matter"\ndate: 2025-07-11\ncategories: [A, B]\nauthor: Jane\ntags:\n  - x\n---\n# Heading\n\nBody\n')
    expect(a).toMatchObject({ format: 'markdown', title: 'Front: matter', date: '2025-07-11', categories: ['A', 'B'], extra: { author: 'Jane', tags: ['x'] } })
    expect(a.warnings).toEqual([])
  })

  it('accepts comma-separated categories and house-style dates in front matter', () => {
    const a = parseArticle('---\ntitle: T\ndate: July 11, 2025\ncategories: A, B\n---\nBody')
    expect(a.date).toBe('2025-07-11')
    expect(a.categories).toEqual(['A', 'B'])
  })

  it('refuses front matter that is not YAML or not a mapping', () => {
    expect(() => parseArticle('---\ntitle: [unclosed\n---\nBody')).toThrow(InvalidArticleError)
    expect(() => parseArticle('---\n- a\n- b\n---\nBody')).toThrow(InvalidArticleError)
  })

  it('takes the first non-empty line as the title of plain text, with a warning', () => {
    const a = parseArticle('\n\n  Just some notes  \nmore text\n')
    expect(a).toMatchObject({ format: 'text', title: 'Just some notes', date: null, categories: [] })
    expect(a.warnings).toHaveLength(1)
  })
})

describe('checkArticleBytes', () => {
  it.each([
    ['empty', new Uint8Array(0), /empty/],
    ['NUL byte', enc('hello\0world'), /NUL byte.*add/],
    ['invalid UTF-8', Uint8Array.from([0x68, 0xff, 0xfe, 0x69]), /UTF-8.*add/],
    ['over the limit', enc('x'.repeat(101)), /over the article size limit of 100/]
  ])('refuses %s', (_name, bytes, message) => {
    const err = (() => { try { checkArticleBytes(bytes, { maxBytes: 100 }) } catch (e) { return e } })() as InvalidArticleError
    expect(err).toBeInstanceOf(InvalidArticleError)
    expect(err.code).toBe('ERR_INVALID_ARTICLE')
    expect(err.name).toBe('InvalidArticleError')
    expect(err.message).toMatch(message)
  })
})

describe('slugify', () => {
  it('makes URL-safe slugs', () => {
    expect(slugify('US Joins Ukraine Peace Force Talks, Plans Ready to Act')).toBe('us-joins-ukraine-peace-force-talks-plans-ready-to-act')
    expect(slugify('Łódź & Zürich: naïve São Paulo')).toBe('lodz-and-zurich-naive-sao-paulo')
    expect(slugify('!!!')).toBe('article')
    expect(slugify('a'.repeat(200)).length).toBe(80)
  })
})
