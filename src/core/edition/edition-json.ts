import { InvalidArgumentError, NotFoundError } from '../../errors.js'
import { catCid } from '../read/cat.js'
import { readAll } from '../read-all.js'
import { compareArticles, monthFile, monthOf } from './months.js'
import type { Blockstore } from 'interface-blockstore'
import type { AbortOptions } from 'abort-error'

/** The id and version of edition.json's layout: an index, and a record per month (edition/<month>.json). */
export const EDITION_SCHEMA = 'ipfs-publish/edition@3'
export const MONTH_SCHEMA = 'ipfs-publish/edition-month@1'

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

/** One month of an edition (edition/<month>.json): its articles in the edition's order, their earlier versions, its retired paths. */
export interface MonthRecord {
  month: string
  articles: ArticleRecord[]
  corrections: Record<string, VersionRecord[]>
  retired: Retired[]
}

/** What edition.json (the index) says of each month. */
export interface MonthEntry { month: string, articles: number, corrected: number, retired: number, newest: string | null }

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

/** The month record as written: keys in a fixed order. */
export function encodeMonth (m: MonthRecord): Uint8Array {
  const corrections: Record<string, VersionRecord[]> = {}
  for (const k of Object.keys(m.corrections).sort()) corrections[k] = m.corrections[k]
  return encodeJson({ schema: MONTH_SCHEMA, month: m.month, articles: m.articles, corrections, retired: m.retired })
}

async function readJson (blocks: Pick<Blockstore, 'get'>, path: string, options: AbortOptions): Promise<any> {
  const text = decoder.decode(await readAll(catCid(path, blocks, options)))
  try { return JSON.parse(text) } catch { throw new InvalidArgumentError(`${path} is not JSON`) }
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

/** Whether an index is of the month layout. */
export function isMonthIndex (data: any): data is EditionIndex {
  return data?.schema === EDITION_SCHEMA && Array.isArray(data.months) && data.months.every((m: any) => typeof m?.month === 'string')
}

/** One month's record of an edition of the month layout. */
export async function readMonth (blocks: Pick<Blockstore, 'get'>, cid: string, month: string, options: AbortOptions): Promise<MonthRecord> {
  const data = await readJson(blocks, `${cid}/${monthFile(month)}`, options)
  if (data?.schema !== MONTH_SCHEMA || !Array.isArray(data.articles)) throw new InvalidArgumentError(`the edition ${cid}: ${monthFile(month)} is not a month record of ipfs-publish`)
  return { month, articles: data.articles, corrections: data.corrections ?? {}, retired: Array.isArray(data.retired) ? data.retired : [] }
}

/** Everything an edition says of its articles (every month read), in the edition's order. */
export async function readEditionContent (blocks: Pick<Blockstore, 'get'>, cid: string, options: AbortOptions): Promise<EditionContent> {
  const data = await readEditionIndex(blocks, cid, options)
  let articles: any[]
  let corrections: Record<string, any> = {}
  let retired: any[] = []
  if (isMonthIndex(data)) {
    articles = []
    for (const m of data.months) {
      options.signal?.throwIfAborted()
      const month = await readMonth(blocks, cid, m.month, options)
      articles.push(...month.articles)
      Object.assign(corrections, month.corrections)
      retired.push(...month.retired)
    }
    retired.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  } else {
    if (!Array.isArray(data.articles)) throw new InvalidArgumentError(`the previous edition ${cid}: its edition.json is not one of ipfs-publish`)
    articles = data.articles
    corrections = data.corrections ?? {}
    retired = Array.isArray(data.retired) ? data.retired : []
  }
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

/** Groups articles (in the edition's order), their corrections and the retired paths into months. */
export function toMonths (articles: ArticleRecord[], corrections: Record<string, VersionRecord[]>, retired: Retired[]): Map<string, MonthRecord> {
  const months = new Map<string, MonthRecord>()
  const of = (month: string): MonthRecord => {
    let m = months.get(month)
    if (m == null) { m = { month, articles: [], corrections: {}, retired: [] }; months.set(month, m) }
    return m
  }
  for (const a of [...articles].sort(compareArticles)) {
    const m = of(monthOf(a.path))
    m.articles.push(a)
    if (corrections[a.path] != null) m.corrections[a.path] = corrections[a.path]
  }
  for (const r of [...retired].sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) of(monthOf(r.path)).retired.push(r)
  return months
}

/** What the index says of a month. */
export function monthEntry (m: MonthRecord): MonthEntry {
  let newest: string | null = null
  for (const a of m.articles) if (a.date != null && (newest == null || a.date > newest)) newest = a.date
  return { month: m.month, articles: m.articles.length, corrected: Object.keys(m.corrections).length, retired: m.retired.length, newest }
}
