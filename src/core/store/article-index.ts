import { Key } from 'interface-datastore'
import { RepoError } from '../../errors.js'
import { recordChange } from './changes.js'
import type { Datastore } from 'interface-datastore'
import type { AbortOptions } from 'abort-error'

/** What the repo remembers of each published article (the fields of `publish --json`). */
export interface ArticleRecord {
  /** The source file, as an absolute path, when it was last published. */
  path: string
  cid: string
  link: string
  title: string | null
  date: string | null
  categories: string[]
  files: Array<{ name: string, cid: string, bytes: number }>
}

/** Where the index's entries live in the datastore. */
export const ARTICLE_PREFIX = '/ipfs-publish/articles/'
const PREFIX = ARTICLE_PREFIX
const encoder = new TextEncoder()
const decoder = new TextDecoder()

function key (cid: string): Key {
  return new Key(PREFIX + cid)
}

/**
 * The index in listing order: one empty entry per indexed bundle, at
 * `/ipfs-publish/by-date/<date>/t<title>/<cid>`, so that a range read in key
 * order yields the newest first (`ls` streams it). `<date>`: each UTF-8 byte of
 * the date as the hex of 255 minus it, then `g` (a later date sorts first; an
 * undated bundle, `g` alone, last); `<title>`: the title's first 256 UTF-8 bytes
 * in hex (ascending; untitled first); then the CID. Written with the record,
 * deleted with it (a stale entry, whose record is gone, is skipped by readers).
 */
export const BY_DATE_PREFIX = '/ipfs-publish/by-date/'
/** Set once every record has its by-date entry (repos made before the index get one from `ls`: {@link ensureByDateIndex}). */
export const BY_DATE_MARKER = '/ipfs-publish/by-date-index'
/** The marker's value. */
export const BY_DATE_MARKER_VALUE = new Uint8Array([49])
const MARKER_KEY = new Key(BY_DATE_MARKER, false)
const TITLE_BYTES = 256

export function byDateKey (cid: string, date: string | null, title: string | null): string {
  const d = Buffer.from(date ?? '', 'utf8')
  let dhex = ''
  for (const b of d) dhex += (255 - b).toString(16).padStart(2, '0')
  const thex = Buffer.from(title ?? '', 'utf8').subarray(0, TITLE_BYTES).toString('hex')
  return `${BY_DATE_PREFIX}${dhex}g/t${thex}/${cid}`
}

/** The bundle CID a by-date key names. */
export function cidOfByDateKey (k: string): string {
  return k.slice(k.lastIndexOf('/') + 1)
}

/** Records an article in the repo's index (keyed by bundle CID), with its by-date entry. */
export async function putArticle (datastore: Datastore, record: ArticleRecord, options?: AbortOptions): Promise<void> {
  await putEncodedArticle(datastore, record.cid, encoder.encode(JSON.stringify(record)), options)
}

/** Records an article whose entry is already encoded (by {@link buildArticle}, perhaps on a worker), with its by-date entry. */
export async function putEncodedArticle (datastore: Datastore, cid: string, encoded: Uint8Array, options?: AbortOptions): Promise<void> {
  const record = decodeRecord(PREFIX + cid, encoded)
  let old: ArticleRecord | undefined
  try { old = await getArticle(datastore, cid, options) } catch {} // a damaged record is replaced
  // the same record again (an unchanged article published again) is no change: nothing is written
  if (old != null && JSON.stringify(old) === JSON.stringify(record)) return
  if (old != null && (old.date !== record.date || old.title !== record.title)) await datastore.delete(new Key(byDateKey(cid, old.date, old.title), false), options)
  // the first article of a repo (none committed or pending): every article has its by-date entry from
  // the start, which the marker says, in this same commit (ls then never builds the index)
  if (old == null && !(await datastore.has(MARKER_KEY, options)) && (datastore as Partial<{ noDataUnder: (p: string) => boolean }>).noDataUnder?.(PREFIX) === true) {
    await datastore.put(MARKER_KEY, BY_DATE_MARKER_VALUE, options)
  }
  await datastore.put(key(cid), encoded, options)
  await datastore.put(new Key(byDateKey(cid, record.date, record.title), false), EMPTY, options)
  // in the same commit: the next edition finds the change here (changes.ts)
  await recordChange(datastore, { paths: old != null ? [old.path, record.path] : [record.path], cids: [cid] })
}

/** Removes an article from the index (when its pin is removed), with its by-date entry. */
export async function deleteArticle (datastore: Datastore, cid: string, options?: AbortOptions): Promise<void> {
  let record: ArticleRecord | undefined
  try { record = await getArticle(datastore, cid, options) } catch {} // a damaged record: its by-date entry (if any) is left stale, and skipped
  if (record != null) await datastore.delete(new Key(byDateKey(cid, record.date, record.title), false), options)
  await datastore.delete(key(cid), options)
  if (record != null) await recordChange(datastore, { paths: [record.path], cids: [cid] })
}

const EMPTY = new Uint8Array(0)

/** The index entry of a bundle CID, or undefined. */
export async function getArticle (datastore: Datastore, cid: string, options?: AbortOptions): Promise<ArticleRecord | undefined> {
  let value: Uint8Array
  try {
    value = await datastore.get(key(cid), options)
  } catch (err: any) {
    if (err?.name === 'NotFoundError') return undefined
    throw err
  }
  return decodeRecord(PREFIX + cid, value)
}

/** An index entry's record; a damaged one is a RepoError naming its key. */
export function decodeRecord (key: string, value: Uint8Array): ArticleRecord {
  try {
    const record = JSON.parse(decoder.decode(value))
    if (record == null || typeof record !== 'object' || typeof record.cid !== 'string') throw new Error('not an article record')
    return record
  } catch (err: any) {
    throw new RepoError(`the repo's article index is damaged at ${key} (${err.message}); run \`verifyAll\``)
  }
}

/** Every article in the index. */
export async function * listArticles (datastore: Datastore, options?: AbortOptions): AsyncGenerator<ArticleRecord> {
  for await (const { key, value } of datastore.query({ prefix: PREFIX }, options)) {
    yield decodeRecord(key.toString(), value)
  }
}
