import { Key } from 'interface-datastore'
import { MAX_KEY_BYTES } from './limits.js'
import type { ArticleMetadata } from '../article/bundle.js'
import type { ArticleRecord } from './article-index.js'
import type { AbortOptions } from 'abort-error'
import type { Datastore } from 'interface-datastore'
import type { Engine } from './engine.js'
import type { BigIntStats } from 'node:fs'

/**
 * What the repo remembers of a source file it published, to skip reading and
 * hashing it again when it has not changed, as git's index does: the file's
 * size, inode, mtime and ctime in nanoseconds, the CID profile, and the result.
 */
export interface StatEntry {
  stat: { size: string, ino: string, mtimeNs: string, ctimeNs: string }
  profile: string
  schema: string
  /** When the entry was written (ms since the epoch). */
  recordedAt: number
  record: ArticleRecord
  metadata: ArticleMetadata
  warnings: string[]
}

/**
 * An entry as loaded: what deciding whether the file changed needs, read from a
 * one-line header, and the rest ({@link StatEntry}) decoded only when asked for.
 * Republishing an unchanged corpus decodes nothing it does not print.
 */
export interface CachedStat {
  stat: StatEntry['stat']
  profile: string
  schema: string
  recordedAt: number
  /** The bundle's root CID, as printed. */
  cid: string
  /** The key of the root's pin record (pins.ts `pinKeyOf`; in entries written before layout 4, Helia's `/pin/…` key); '' for an entry of an earlier format. */
  pinKey: string
  /** The whole entry. */
  entry(): StatEntry
}

/** Where the stat cache's entries live in the datastore. */
export const STAT_PREFIX = '/ipfs-publish/stat/'
const PREFIX = STAT_PREFIX
const decoder = new TextDecoder()
const HEADER = 's1 '

/** A file modified this close (ms) to when its entry was written may have changed unseen within one timestamp tick: it is read again. */
const RACY_MS = 2000

export function statFields (st: BigIntStats): StatEntry['stat'] {
  return { size: String(st.size), ino: String(st.ino), mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs) }
}

/** An entry as stored: `s1 <size> <ino> <mtimeNs> <ctimeNs> <profile> <schema> <recordedAt> <cid> <pinKey>` on one line, then the entry as JSON. */
export function encodeStatEntry (entry: StatEntry, pinKey: string): Uint8Array {
  const { size, ino, mtimeNs, ctimeNs } = entry.stat
  return Buffer.from(`${HEADER}${size} ${ino} ${mtimeNs} ${ctimeNs} ${entry.profile} ${entry.schema} ${entry.recordedAt} ${entry.record.cid} ${pinKey}\n${JSON.stringify(entry)}`)
}

function decodeStatEntry (bytes: Uint8Array): CachedStat {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (b.toString('latin1', 0, HEADER.length) !== HEADER) {
    // an entry of the earlier format: JSON only
    const entry: StatEntry = JSON.parse(decoder.decode(bytes))
    return { stat: entry.stat, profile: entry.profile, schema: entry.schema, recordedAt: entry.recordedAt, cid: entry.record.cid, pinKey: '', entry: () => entry }
  }
  // only the header is decoded now; the JSON when the entry is asked for
  const nl = b.indexOf(10)
  const [size, ino, mtimeNs, ctimeNs, profile, schema, recordedAt, cid, pinKey] = b.toString('latin1', HEADER.length, nl).split(' ')
  let entry: StatEntry | undefined
  return { stat: { size, ino, mtimeNs, ctimeNs }, profile, schema, recordedAt: Number(recordedAt), cid, pinKey: pinKey ?? '', entry: () => (entry ??= JSON.parse(b.toString('utf8', nl + 1))) }
}

/** Decodes an entry whole (its header and its JSON), throwing when it is damaged: for `verify --all`. */
export function checkStatEntry (bytes: Uint8Array): void {
  const entry = decodeStatEntry(bytes).entry()
  if (entry == null || typeof entry !== 'object' || typeof entry.record?.cid !== 'string') throw new Error('not a stat-cache entry')
}

/** True when `entry` still describes the file with stats `st` and may be trusted without reading the file. */
export function isFresh (entry: CachedStat, st: BigIntStats, profile: string, schema: string): boolean {
  if (entry.profile !== profile || entry.schema !== schema) return false
  const s = entry.stat
  if (String(st.size) !== s.size || String(st.ino) !== s.ino || String(st.mtimeNs) !== s.mtimeNs || String(st.ctimeNs) !== s.ctimeNs) return false
  // racily clean: modified within a tick of being recorded
  return Number(st.mtimeNs / 1_000_000n) < entry.recordedAt - RACY_MS && Number(st.ctimeNs / 1_000_000n) < entry.recordedAt - RACY_MS
}

/**
 * The committed entry of one source file (absolute path), read by its key: what
 * publish asks for each file it is given, so that publishing one article reads
 * that article's entry and no other's. Undefined when there is none or it cannot
 * be decoded (its file is simply read again).
 */
export function getStatEntry (engine: Pick<Engine, 'getData'>, path: string): CachedStat | undefined {
  const key = PREFIX + path
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return undefined
  const value = engine.getData(key)
  if (value == null) return undefined
  try {
    return decodeStatEntry(value)
  } catch {
    return undefined
  }
}

/** Stores an entry already encoded (by buildArticle, perhaps on a worker). */
export async function putEncodedStatEntry (datastore: Datastore, path: string, encoded: Uint8Array, options?: AbortOptions): Promise<void> {
  // a path too long for a database key is simply not cached: it is read again next time
  if (Buffer.byteLength(PREFIX + path) > MAX_KEY_BYTES) return
  await datastore.put(new Key(PREFIX + path, false), encoded, options)
}
