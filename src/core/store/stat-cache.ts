import { Key } from 'interface-datastore'
import { MAX_KEY_BYTES } from './limits.js'
import type { ArticleMetadata } from '../article/bundle.js'
import type { ArticleRecord } from './article-index.js'
import type { AbortOptions } from 'abort-error'
import type { Datastore } from 'interface-datastore'
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

/** Where the stat cache's entries live in the datastore. */
export const STAT_PREFIX = '/ipfs-publish/stat/'
const PREFIX = STAT_PREFIX
const decoder = new TextDecoder()

/** A file modified this close (ms) to when its entry was written may have changed unseen within one timestamp tick: it is read again. */
const RACY_MS = 2000

export function statFields (st: BigIntStats): StatEntry['stat'] {
  return { size: String(st.size), ino: String(st.ino), mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs) }
}

/** True when `entry` still describes the file with stats `st` and may be trusted without reading the file. */
export function isFresh (entry: StatEntry, st: BigIntStats, profile: string, schema: string): boolean {
  const s = statFields(st)
  if (entry.profile !== profile || entry.schema !== schema) return false
  if (s.size !== entry.stat.size || s.ino !== entry.stat.ino || s.mtimeNs !== entry.stat.mtimeNs || s.ctimeNs !== entry.stat.ctimeNs) return false
  // racily clean: modified within a tick of being recorded
  return Number(st.mtimeNs / 1_000_000n) < entry.recordedAt - RACY_MS && Number(st.ctimeNs / 1_000_000n) < entry.recordedAt - RACY_MS
}

/** Every entry, by absolute source path. */
export async function loadStatCache (datastore: Datastore, options?: AbortOptions): Promise<Map<string, StatEntry>> {
  const out = new Map<string, StatEntry>()
  for await (const { key, value } of datastore.query({ prefix: PREFIX }, options)) {
    try {
      out.set(key.toString().slice(PREFIX.length), JSON.parse(decoder.decode(value)))
    } catch {}
  }
  return out
}

/** Stores an entry already encoded (by buildArticle, perhaps on a worker). */
export async function putEncodedStatEntry (datastore: Datastore, path: string, encoded: Uint8Array, options?: AbortOptions): Promise<void> {
  // a path too long for a database key is simply not cached: it is read again next time
  if (Buffer.byteLength(PREFIX + path) > MAX_KEY_BYTES) return
  await datastore.put(new Key(PREFIX + path, false), encoded, options)
}
