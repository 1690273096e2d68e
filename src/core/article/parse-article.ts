import { parse as parseYaml } from 'yaml'
import { InvalidArticleError } from '../../errors.js'

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
  /** The text without the header lines and the Download IPFS link, for counting words. */
  body: string
  /** Things a reader of the output should know, e.g. "no date line found". */
  warnings: string[]
}

export interface ParseArticleOptions {
  /** Largest article accepted, in bytes. */
  maxBytes?: number
}

/** The default `maxBytes`: 16 MiB, far above any news article. */
export const DEFAULT_MAX_ARTICLE_BYTES = 16 * 1024 * 1024

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december']
const HOUSE_DATE = /^(January|February|March|April|May|June|July|August|September|October|November|December)\s+(\d{1,2}),\s*(\d{4})$/i
const CATEGORIES = /^(?:—|–|-{1,2})\s*Categories:\s*(.*)$/i
/** Matches the article's `[Download IPFS](target)` link; group 1 is the target. */
export const DOWNLOAD_LINK = /\[Download IPFS\]\(([^()\s]*)\)/g

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/**
 * Checks that `bytes` can be an article (not empty, no NUL, valid UTF-8, not too
 * large) and returns its text.
 */
export function decodeArticle (bytes: Uint8Array, options: ParseArticleOptions = {}): string {
  const max = options.maxBytes ?? DEFAULT_MAX_ARTICLE_BYTES
  if (bytes.byteLength === 0) {
    throw new InvalidArticleError('the file is empty')
  }
  if (bytes.byteLength > max) {
    throw new InvalidArticleError(`the file is ${bytes.byteLength} bytes, over the article size limit of ${max} bytes (raise it with --max-size, or use 'add' for plain files)`)
  }
  if (bytes.includes(0)) {
    throw new InvalidArticleError("the file holds a NUL byte, so it is not a text article (use 'ipfs-publish add' for binary files)")
  }
  try {
    return decoder.decode(bytes)
  } catch {
    throw new InvalidArticleError("the file is not valid UTF-8 text (use 'ipfs-publish add' for binary files)")
  }
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

function stripLink (text: string): string {
  return text.replace(DOWNLOAD_LINK, '')
}

/** Reads the house format: `## Title`, a date line, `— Categories: …`, the body, the link. */
function parseHouse (text: string, lines: string[], first: number): ParsedArticle {
  const warnings: string[] = []
  const title = lines[first].replace(/^##\s+/, '').trim()
  let i = first + 1
  const next = (): number => { while (i < lines.length && lines[i].trim() === '') i++; return i }
  let date: string | null = null
  let categories: string[] = []
  let bodyStart = first + 1
  if (next() < lines.length && HOUSE_DATE.test(lines[i].trim())) {
    date = houseDateToIso(lines[i])
    if (date == null) warnings.push(`the date line "${lines[i].trim()}" is not a real date`)
    bodyStart = ++i
  } else {
    warnings.push('no date line (such as "July 11, 2025") after the title')
  }
  const cat = next() < lines.length ? CATEGORIES.exec(lines[i].trim()) : null
  if (cat != null) {
    categories = splitCategories(cat[1])
    bodyStart = ++i
  } else {
    warnings.push('no "— Categories: …" line after the date')
  }
  return { format: 'house', title: title === '' ? null : title, date, categories, extra: {}, body: stripLink(lines.slice(bodyStart).join('\n')), warnings }
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
  const body = stripLink(text.slice(m[0].length))
  let title = typeof rawTitle === 'string' || typeof rawTitle === 'number' ? String(rawTitle).trim() : null
  if (title == null || title === '') {
    title = firstLineTitle(body)
    warnings.push('the front matter has no title; using the first line')
  }
  const date = normaliseDate(rawDate)
  if (rawDate == null) warnings.push('the front matter has no date')
  else if (date == null) warnings.push(`the front-matter date "${String(rawDate)}" is not a date`)
  const categories = splitCategories(rawCategories)
  return { format: 'markdown', title, date, categories, extra, body, warnings }
}

function firstLineTitle (text: string): string | null {
  for (const line of text.split(/\r?\n/)) {
    const t = line.replace(/^#+\s*/, '').trim()
    if (t !== '') return t
  }
  return null
}

/**
 * Parses an article's text. The house format and Markdown with YAML front matter
 * are read fully; any other text still parses, with the first non-empty line as
 * the title and a warning.
 */
export function parseArticle (text: string): ParsedArticle {
  const fm = parseFrontMatter(text)
  if (fm != null) return fm
  const lines = text.split(/\r?\n/)
  const first = lines.findIndex(l => l.trim() !== '')
  if (first !== -1 && /^##\s+\S/.test(lines[first])) {
    return parseHouse(text, lines, first)
  }
  const title = firstLineTitle(text)
  return {
    format: 'text',
    title,
    date: null,
    categories: [],
    extra: {},
    body: stripLink(lines.slice(first + 1).join('\n')),
    warnings: ['not in the house format or Markdown with front matter: title taken from the first line, no date or categories']
  }
}

/** Counts the words of a text: runs of letters or digits (with inner apostrophes and hyphens). */
export function countWords (text: string): number {
  return text.match(/[\p{L}\p{N}]+(?:['’\-.][\p{L}\p{N}]+)*/gu)?.length ?? 0
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
