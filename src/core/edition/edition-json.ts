import { InvalidArgumentError, NotFoundError } from '../../errors.js'
import { catCid } from '../read/cat.js'
import { readAll } from '../read-all.js'
import { EditionFiles } from './edition-files.js'
import { compareArticles, compareDays, dayFile, dayOf, MONTH_FILE, monthFolder, monthOfDay } from './months.js'
import type { Blockstore } from 'interface-blockstore'
import type { AbortOptions } from 'abort-error'

/** The id and version of edition.json's layout: an index of months, each month a list of its days (edition/<month>/month.json), each day a record (edition/<month>/<dd>.json). */
export const EDITION_SCHEMA = 'ipfs-publish/edition@4'
export const MONTH_SCHEMA = 'ipfs-publish/edition-month@2'
export const DAY_SCHEMA = 'ipfs-publish/edition-day@1'
/** The layout before days (edition@3: one record per month, edition/<month>.json): still read as a previous edition. */
const MONTHS_SCHEMA = 'ipfs-publish/edition@3'
const MONTH_RECORD_SCHEMA = 'ipfs-publish/edition-month@1'

/**
 * What an edition records of one version of an article: all that a later edition
 * needs to link it (CID and Tsize) and to show it (title, date, categories, file,
 * and its page's CID, Tsize and the hash of what the page was made from) without
 * reading a byte of its bundle.
 */
export interface VersionRecord {
  path: string
  page: string
  cid: string
  title: string | null
  date: string | null
  categories: string[]
  tsize: number
  slug: string
  file: { name: string, bytes: number, cid: string }
  pageCid: string
  pageTsize: number
  /** A hash of the page's inputs apart from the text (which its CID fixes): a later edition keeps the page when it is the same. */
  pageKey: string
}

/** A current version's record: its summary is the feeds'. */
export interface ArticleRecord extends VersionRecord { summary: string | null }

export interface Retired { path: string, cids: string[] }

/** One day of an edition (edition/<month>/<dd>.json): its articles in the edition's order, their earlier versions, its retired paths. */
export interface DayRecord {
  day: string
  articles: ArticleRecord[]
  corrections: Record<string, VersionRecord[]>
  retired: Retired[]
}

/** What is counted of a month (in edition.json, the index) or of a day (in its month's month.json); `newest` is its newest article's date. */
export interface Counts { articles: number, corrected: number, retired: number, newest: string | null }
export interface MonthEntry extends Counts { month: string }
export interface DayEntry extends Counts { day: string }

export interface EditionIndex {
  schema: string
  title: string
  generator: { name: string, version: string }
  profile: string
  previous: string | null
  updated: string
  articles: number
  corrected: number
  /** Newest first, undated last. */
  months: MonthEntry[]
  /** The size estimates of the `articles/` and `corrections/` folders (update-directory.ts): what an incremental edition needs to know whether they stay HAMTs. */
  sizes: { articles: number, corrections: number }
  /** A hash of the options that decide the edition's content, and the sum (mod 2^256) of one hash per article: a later edition checks that it starts from what it thinks. */
  options: string
  articlesHash: string
}

/** What an edition says of its articles, whatever its layout (an edition@1 says less: paths and CIDs). */
export interface EditionContent {
  articles: Array<Partial<ArticleRecord> & { path: string, cid: string }>
  corrections: Record<string, Array<Partial<VersionRecord> & { cid: string }>>
  retired: Retired[]
}

const decoder = new TextDecoder()
const encoder = new TextEncoder()

/** The bytes of edition.json, or of a month's record. */
export function encodeJson (value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value, null, 1) + '\n')
}

/** A day's record as written: keys in a fixed order. */
export function encodeDay (d: DayRecord): Uint8Array {
  const corrections: Record<string, VersionRecord[]> = {}
  for (const k of Object.keys(d.corrections).sort()) corrections[k] = d.corrections[k]
  return encodeJson({ schema: DAY_SCHEMA, day: d.day, articles: d.articles, corrections, retired: d.retired })
}

/** A month's list of days as written (newest first). */
export function encodeMonthDays (month: string, days: DayEntry[]): Uint8Array {
  return encodeJson({ schema: MONTH_SCHEMA, month, days })
}

async function readJson (blocks: Pick<Blockstore, 'get'>, path: string, options: AbortOptions): Promise<any> {
  return parseJson(decoder.decode(await readAll(catCid(path, blocks, options))), path)
}

function parseJson (text: string, path: string): any {
  try { return JSON.parse(text) } catch { throw new InvalidArgumentError(`${path} is not JSON`) }
}

/** A JSON file of an edition, its folders read through `files`. */
async function readFileJson (files: EditionFiles, path: string, options: AbortOptions): Promise<any> {
  return parseJson(decoder.decode(await files.read(path, options)), `${files.cid}/${path}`)
}

/** An edition's edition.json as read (any layout of ipfs-publish), or an error that says what the CID is not. */
export async function readEditionIndex (blocks: Pick<Blockstore, 'get'>, cid: string, options: AbortOptions): Promise<any> {
  let data: any
  try {
    data = await readJson(blocks, `${cid}/edition.json`, options)
  } catch (err: any) {
    if (err?.name === 'NotFoundError' && err?.fetched === true) throw new NotFoundError(`the previous edition ${cid} could not be fetched: ${err.message}`)
    if (err?.name === 'NotFoundError' && /edition\.json/.test(String(err?.message))) throw new InvalidArgumentError(`the previous edition ${cid} has no edition.json: it is not an edition (give the edition it replaces, or none)`)
    if (err?.name === 'NotFoundError') throw new NotFoundError(`the previous edition ${cid} is not in the repo (fetch it from the node with edition --ipns-key <key> --resolve-from <gateway>, or give --previous none)`)
    if (err instanceof InvalidArgumentError) throw new InvalidArgumentError(`the previous edition ${cid}: its edition.json is not JSON`)
    throw err
  }
  if (typeof data?.schema !== 'string' || !data.schema.startsWith('ipfs-publish/edition@')) throw new InvalidArgumentError(`the previous edition ${cid}: its edition.json is not one of ipfs-publish`)
  return data
}

/** Whether an index is of the day layout (this release's). */
export function isDayIndex (data: any): data is EditionIndex {
  return data?.schema === EDITION_SCHEMA && Array.isArray(data.months) && data.months.every((m: any) => typeof m?.month === 'string')
}

/** The days of a month of an edition (month.json), newest first. */
export async function readMonthDays (files: EditionFiles, month: string, options: AbortOptions): Promise<DayEntry[]> {
  const cid = files.cid
  const path = `${monthFolder(month)}/${MONTH_FILE}`
  const data = await readFileJson(files, path, options)
  if (data?.schema !== MONTH_SCHEMA || !Array.isArray(data.days) || !data.days.every((d: any) => typeof d?.day === 'string' && monthOfDay(d.day) === month)) {
    throw new InvalidArgumentError(`the edition ${cid}: ${path} is not a month's list of days of ipfs-publish`)
  }
  return data.days
}

/** One day's record of an edition of the day layout. */
export async function readDay (files: EditionFiles, day: string, options: AbortOptions): Promise<DayRecord> {
  const cid = files.cid
  const data = await readFileJson(files, dayFile(day), options)
  if (data?.schema !== DAY_SCHEMA || data.day !== day || !Array.isArray(data.articles)) throw new InvalidArgumentError(`the edition ${cid}: ${dayFile(day)} is not a day's record of ipfs-publish`)
  return { day, articles: data.articles, corrections: data.corrections ?? {}, retired: Array.isArray(data.retired) ? data.retired : [] }
}

/** Everything an edition says of its articles (every day read), in the edition's order. */
export async function readEditionContent (blocks: Pick<Blockstore, 'get'>, cid: string, options: AbortOptions): Promise<EditionContent> {
  const data = await readEditionIndex(blocks, cid, options)
  let articles: any[] = []
  let corrections: Record<string, any> = {}
  let retired: any[] = []
  const take = (r: { articles: any[], corrections: Record<string, any>, retired: any[] }): void => {
    articles.push(...r.articles)
    Object.assign(corrections, r.corrections)
    retired.push(...r.retired)
  }
  if (isDayIndex(data)) {
    const files = new EditionFiles(blocks, cid)
    for (const m of data.months) {
      for (const d of await readMonthDays(files, m.month, options)) {
        options.signal?.throwIfAborted()
        take(await readDay(files, d.day, options))
      }
    }
  } else if (data.schema === MONTHS_SCHEMA && Array.isArray(data.months)) {
    // edition@3: a record per month
    for (const m of data.months) {
      options.signal?.throwIfAborted()
      const path = `edition/${String(m?.month)}.json`
      const month = await readJson(blocks, `${cid}/${path}`, options)
      if (month?.schema !== MONTH_RECORD_SCHEMA || !Array.isArray(month.articles)) throw new InvalidArgumentError(`the edition ${cid}: ${path} is not a month record of ipfs-publish`)
      take({ articles: month.articles, corrections: month.corrections ?? {}, retired: Array.isArray(month.retired) ? month.retired : [] })
    }
  } else {
    if (!Array.isArray(data.articles)) throw new InvalidArgumentError(`the previous edition ${cid}: its edition.json is not one of ipfs-publish`)
    articles = data.articles
    corrections = data.corrections ?? {}
    retired = Array.isArray(data.retired) ? data.retired : []
  }
  retired.sort((a, b) => a?.path < b?.path ? -1 : a?.path > b?.path ? 1 : 0)
  const path = (p: unknown): p is string => typeof p === 'string' && p.startsWith('articles/')
  const out: EditionContent = {
    articles: articles.filter((a: any) => path(a?.path) && typeof a?.cid === 'string'),
    corrections: {},
    retired: retired.filter((r: any) => path(r?.path) && Array.isArray(r.cids) && r.cids.every((c: unknown) => typeof c === 'string'))
  }
  for (const [k, list] of Object.entries(corrections)) if (Array.isArray(list)) out.corrections[k] = list.filter((e: any) => typeof e?.cid === 'string')
  return out
}

/** Whether a record says all that linking and showing its version needs (an edition@1 record does not). */
export function isFullRecord (r: Partial<VersionRecord>): r is VersionRecord {
  return typeof r.cid === 'string' && typeof r.tsize === 'number' && typeof r.slug === 'string' && typeof r.pageCid === 'string' && typeof r.pageTsize === 'number' &&
    typeof r.pageKey === 'string' && typeof r.file?.cid === 'string' && typeof r.file?.name === 'string' && typeof r.file?.bytes === 'number' && Array.isArray(r.categories) && r.title !== undefined && r.date !== undefined
}

/** Groups articles (in the edition's order), their corrections and the retired paths into days. */
export function toDays (articles: ArticleRecord[], corrections: Record<string, VersionRecord[]>, retired: Retired[]): Map<string, DayRecord> {
  const days = new Map<string, DayRecord>()
  const of = (day: string): DayRecord => {
    let d = days.get(day)
    if (d == null) { d = { day, articles: [], corrections: {}, retired: [] }; days.set(day, d) }
    return d
  }
  for (const a of [...articles].sort(compareArticles)) {
    const d = of(dayOf(a.path))
    d.articles.push(a)
    if (corrections[a.path] != null) d.corrections[a.path] = corrections[a.path]
  }
  for (const r of [...retired].sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) of(dayOf(r.path)).retired.push(r)
  return days
}

/** What a month's list says of a day. */
export function dayEntry (d: DayRecord): DayEntry {
  let newest: string | null = null
  for (const a of d.articles) if (a.date != null && (newest == null || a.date > newest)) newest = a.date
  return { day: d.day, articles: d.articles.length, corrected: Object.keys(d.corrections).length, retired: d.retired.length, newest }
}

/** What the index says of a month, from its days. */
export function monthEntry (month: string, days: DayEntry[]): MonthEntry {
  let newest: string | null = null
  for (const d of days) if (d.newest != null && (newest == null || d.newest > newest)) newest = d.newest
  return { month, articles: sum(days, 'articles'), corrected: sum(days, 'corrected'), retired: sum(days, 'retired'), newest }
}

function sum (days: DayEntry[], key: 'articles' | 'corrected' | 'retired'): number {
  return days.reduce((n, d) => n + d[key], 0)
}

/** Days newest first, undated last. */
export function sortDays<T extends { day: string }> (days: T[]): T[] {
  return [...days].sort((a, b) => compareDays(a.day, b.day))
}
