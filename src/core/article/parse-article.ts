import { parse as parseYaml } from 'yaml'
import { isUtf8 } from 'node:buffer'
import { InvalidArticleError } from '../../errors.js'
import { DEFAULT_MAX_ARTICLE_BYTES } from '../defaults.js'

/** Which of the supported layouts an article was read as. */
export type ArticleFormat = 'house' | 'markdown' | 'text'

/** What parsing an article's bytes yields. */
export interface ParsedArticle {
  format: ArticleFormat
  title: string | null
  /** ISO 8601 calendar date (`YYYY-MM-DD`), or null when the article has none or it cannot be read. */
  date: string | null
  categories: string[]
  /** Front-matter keys other than title, date and categories (Markdown only), kept as given. */
  extra: Record<string, unknown>
  /**
   * Where the body starts, after the header lines or the front matter: from
   * `parseArticle` (text), a character index into that text; from
   * `parseArticleBytes`, a byte offset into the bytes.
   */
  bodyStart: number
  /** Things a reader of the output should know, e.g. "no date line found". */
  warnings: string[]
}

export interface ParseArticleOptions {
  /** Largest article accepted, in bytes. */
  maxBytes?: number
}

export { DEFAULT_MAX_ARTICLE_BYTES }

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december']
const HOUSE_DATE = /^(January|February|March|April|May|June|July|August|September|October|November|December)\s+(\d{1,2}),\s*(\d{4})$/i
const CATEGORIES = /^(?:—|–|-{1,2})\s*Categories:\s*(.*)$/i
const headDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true })

/** How much of an article is decoded to read its header (front matter is decoded whole). */
const HEAD_BYTES = 64 * 1024

/**
 * The longest title, in characters (UTF-16 code units, as JavaScript counts).
 * Real headlines are under 200 characters; a longer "title" is a line break
 * missing after it (the title would swallow the date line and the body). A
 * title this long still fits, with its header lines, in the decoded head
 * (4 bytes a character at most, far under HEAD_BYTES), so the date and
 * Categories lines are always read. An article that declares a longer title
 * (`## …`, front matter) is refused; a title only taken from a long first line
 * (plain text) is cut to the limit, with a warning.
 */
export const MAX_TITLE_CHARS = 1000

/** The article's declared title, refused when over {@link MAX_TITLE_CHARS}; `cut` tells that the text ended before the title did. */
function checkTitle (title: string, cut: boolean): string {
  if (title.length > MAX_TITLE_CHARS || cut) {
    throw new InvalidArticleError(`the title is ${cut ? 'more than ' : ''}${title.length} characters long, over the limit of ${MAX_TITLE_CHARS} (is a line break missing after it?)`)
  }
  return title
}

/** A title taken from the first line, cut to {@link MAX_TITLE_CHARS} (with a warning) when longer. */
function guessedTitle (line: string | undefined, warnings: string[]): string | null {
  const title = line?.replace(/^#+\s*/, '').trim() ?? null
  if (title == null || title.length <= MAX_TITLE_CHARS) return title
  warnings.push(`the first line is over the title limit of ${MAX_TITLE_CHARS} characters: the title is its first ${MAX_TITLE_CHARS}`)
  // not inside a surrogate pair
  const end = /[\ud800-\udbff]/.test(title[MAX_TITLE_CHARS - 1]) ? MAX_TITLE_CHARS - 1 : MAX_TITLE_CHARS
  return title.slice(0, end).trimEnd()
}

/**
 * Checks that `bytes` can be an article: not empty, not over `maxBytes`, no NUL
 * byte, valid UTF-8. Throws InvalidArticleError saying which.
 */
export function checkArticleBytes (bytes: Uint8Array, options: ParseArticleOptions = {}): void {
  const max = options.maxBytes ?? DEFAULT_MAX_ARTICLE_BYTES
  if (bytes.byteLength === 0) {
    throw new InvalidArticleError('the file is empty')
  }
  if (bytes.byteLength > max) {
    throw new InvalidArticleError(`the file is ${bytes.byteLength} bytes, over the article size limit of ${max} bytes (raise \`maxBytes\`, or add it as a plain file)`)
  }
  if (bytes.includes(0)) {
    throw new InvalidArticleError("the file holds a NUL byte, so it is not a text article (use 'ipfs-publish add' for binary files)")
  }
  if (!isUtf8(bytes)) {
    throw new InvalidArticleError("the file is not valid UTF-8 text (use 'ipfs-publish add' for binary files)")
  }
}

/**
 * Parses a checked article's bytes (see {@link checkArticleBytes}). Only the head
 * is decoded, unless the article opens with front matter. `bodyStart` is returned
 * as a byte offset into `bytes`.
 */
export function parseArticleBytes (bytes: Uint8Array): ParsedArticle {
  const frontMatter = bytes[0] === 0x2d || bytes[0] === 0xef // '-' or a BOM
  const whole = frontMatter || bytes.byteLength <= HEAD_BYTES
  const text = headDecoder.decode(whole ? bytes : bytes.subarray(0, HEAD_BYTES))
  const parsed = parseArticle(text, { cut: !whole })
  return { ...parsed, bodyStart: Buffer.byteLength(text.slice(0, parsed.bodyStart)) }
}

/** Turns `July 11, 2025` into `2025-07-11`; null when it is not a real date. */
export function houseDateToIso (line: string): string | null {
  const m = HOUSE_DATE.exec(line.trim())
  if (m == null) return null
  const month = MONTHS.indexOf(m[1].toLowerCase()) + 1
  return isoDate(Number(m[3]), month, Number(m[2]))
}

function isoDate (year: number, month: number, day: number): string | null {
  const d = new Date(Date.UTC(year, month - 1, day))
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

/** Normalises a front-matter date (`2025-07-11`, `2025-07-11T10:00:00Z`, `July 11, 2025`) to `YYYY-MM-DD`. */
function normaliseDate (value: unknown): string | null {
  if (value instanceof Date && !Number.isNaN(value.getTime())) {
    return value.toISOString().slice(0, 10)
  }
  if (typeof value !== 'string') return null
  const s = value.trim()
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/.exec(s)
  if (iso != null) return isoDate(Number(iso[1]), Number(iso[2]), Number(iso[3]))
  return houseDateToIso(s)
}

function splitCategories (value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : []
  return list.map(c => String(c).trim()).filter(c => c.length > 0)
}

/** The lines of `text` from `pos` on, with the offset just past each, produced lazily. */
function * linesFrom (text: string, pos: number): Generator<{ line: string, next: number }> {
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos)
    if (nl === -1) nl = text.length
    yield { line: text.slice(pos, nl).replace(/\r$/, ''), next: nl + 1 }
    pos = nl + 1
  }
}

/** The next non-empty line at or after `pos`, or undefined. */
function nextLine (text: string, pos: number): { line: string, next: number } | undefined {
  for (const l of linesFrom(text, pos)) if (l.line.trim() !== '') return l
  return undefined
}

/** Reads the house format: `## Title`, a date line, `— Categories: …`, the body, the link. */
function parseHouse (text: string, first: { line: string, next: number }, cut: boolean): ParsedArticle {
  const warnings: string[] = []
  // a title line that runs to the end of a cut head is longer than the head
  const title = checkTitle(first.line.replace(/^##\s+/, '').trim(), cut && first.next > text.length)
  let bodyStart = Math.min(first.next, text.length)
  let date: string | null = null
  let categories: string[] = []
  let l = nextLine(text, bodyStart)
  if (l != null && HOUSE_DATE.test(l.line.trim())) {
    date = houseDateToIso(l.line)
    if (date == null) warnings.push(`the date line "${l.line.trim()}" is not a real date`)
    bodyStart = Math.min(l.next, text.length)
    l = nextLine(text, bodyStart)
  } else {
    warnings.push('no date line (such as "July 11, 2025") after the title')
  }
  const cat = l != null ? CATEGORIES.exec(l.line.trim()) : null
  if (cat != null && l != null) {
    categories = splitCategories(cat[1])
    bodyStart = Math.min(l.next, text.length)
  } else {
    warnings.push('no "— Categories: …" line after the date')
  }
  return { format: 'house', title: title === '' ? null : title, date, categories, extra: {}, bodyStart, warnings }
}

/** Reads Markdown with a YAML front-matter block. */
function parseFrontMatter (text: string): ParsedArticle | null {
  const m = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/.exec(text)
  if (m == null) return null
  let data: unknown
  try {
    data = parseYaml(m[1], { schema: 'core', uniqueKeys: true, maxAliasCount: 100 })
  } catch (err) {
    throw new InvalidArticleError(`the front matter is not valid YAML: ${String((err as Error).message).split('\n')[0]}`)
  }
  if (data == null) data = {}
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new InvalidArticleError('the front matter is not a YAML mapping of keys to values')
  }
  const fm = data as Record<string, unknown>
  const warnings: string[] = []
  const { title: rawTitle, date: rawDate, categories: rawCategories, ...extra } = fm
  const bodyStart = m[0].length
  let title = typeof rawTitle === 'string' || typeof rawTitle === 'number' ? checkTitle(String(rawTitle).trim(), false) : null
  if (title == null || title === '') {
    warnings.push('the front matter has no title; using the first line')
    title = guessedTitle(nextLine(text, bodyStart)?.line, warnings)
  }
  const date = normaliseDate(rawDate)
  if (rawDate == null) warnings.push('the front matter has no date')
  else if (date == null) warnings.push(`the front-matter date "${String(rawDate)}" is not a date`)
  const categories = splitCategories(rawCategories)
  return { format: 'markdown', title: title === '' ? null : title, date, categories, extra, bodyStart, warnings }
}

/**
 * Parses an article's text. The house format and Markdown with YAML front matter
 * are read fully; any other text still parses, with the first non-empty line as
 * the title and a warning.
 */
export function parseArticle (text: string, options: { cut?: boolean } = {}): ParsedArticle {
  const fm = parseFrontMatter(text)
  if (fm != null) return fm
  const first = nextLine(text, 0)
  if (first != null && /^##\s+\S/.test(first.line)) return parseHouse(text, first, options.cut === true)
  const warnings = ['not in the house format or Markdown with front matter: title taken from the first line, no date or categories']
  const title = guessedTitle(first?.line, warnings)
  return {
    format: 'text',
    title: title === '' ? null : title,
    date: null,
    categories: [],
    extra: {},
    bodyStart: first != null ? Math.min(first.next, text.length) : 0,
    warnings
  }
}

/** A URL-safe slug from a title: lower case ASCII letters, digits and single dashes, at most 80 characters. */
export function slugify (title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[łŁ]/g, 'l').replace(/ø/g, 'o').replace(/ß/g, 'ss').replace(/æ/g, 'ae').replace(/œ/g, 'oe')
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '')
  return slug === '' ? 'article' : slug
}
