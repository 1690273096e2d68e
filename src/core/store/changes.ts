import { logGeneration, logKey } from './engine.js'
import type { Engine } from './engine.js'
import type { Datastore } from 'interface-datastore'

/**
 * What changed in the article index since a point in time, for the next edition
 * (which reads this, not every article): an append-only log in the repo's
 * datastore, one entry per commit that changed an article's index record or its
 * versions, written in that same commit (Engine.appendLog), so a publish that
 * is acknowledged is in the log and a publish killed before its commit is in
 * neither. An entry names the source paths and bundle CIDs it touched. Entries
 * are never rewritten; `gc` (which excludes every writer) drops those the latest
 * edition has taken in.
 */
export const CHANGES_PREFIX = '/ipfs-publish/changes/'

export interface Change {
  /** Source paths whose group of versions may have changed (an index record's path, before and after). */
  paths: string[]
  /** Bundles whose index record was written or deleted. */
  cids: string[]
}

interface LogDatastore { appendLog?: (prefix: string, value: Uint8Array) => Promise<void> }

/** Appends a change to the log in the pending commit (a datastore that is not the repo's keeps no log). */
export async function recordChange (datastore: Datastore, change: Change): Promise<void> {
  const d = datastore as unknown as LogDatastore
  if (typeof d.appendLog !== 'function') return
  const paths = [...new Set(change.paths)]
  await d.appendLog(CHANGES_PREFIX, new TextEncoder().encode(JSON.stringify({ paths, cids: change.cids })))
}

/**
 * The changes committed after generation `after`, and the generation of the last one (`after` when
 * none). Past `max` entries they are not kept (`changes` undefined: so many changes are taken in by
 * reading every article, and holding them would cost more memory than that), only counted to the last.
 */
export async function readChanges (engine: Engine, after: number, max = 20_000): Promise<{ changes: Change[] | undefined, last: number }> {
  await engine.flushUnder(CHANGES_PREFIX)
  let changes: Change[] | undefined = []
  let last = after
  // the keys sort in commit order: the range starts after the entries already taken in
  const from = CHANGES_PREFIX + logKey(after + 1, 0)
  for (const { key, value } of engine.dataRange(CHANGES_PREFIX, false, from)) {
    const gen = logGeneration(key.slice(CHANGES_PREFIX.length))
    if (!(gen > after)) continue
    last = Math.max(last, gen)
    if (changes.length >= max) { changes = undefined; break }
    try {
      const c = JSON.parse(new TextDecoder().decode(value))
      changes.push({ paths: Array.isArray(c.paths) ? c.paths.filter((p: unknown) => typeof p === 'string') : [], cids: Array.isArray(c.cids) ? c.cids.filter((p: unknown) => typeof p === 'string') : [] })
    } catch {}
  }
  if (changes == null) for (const { key } of engine.dataRange(CHANGES_PREFIX, true, from)) last = Math.max(last, logGeneration(key.slice(CHANGES_PREFIX.length)))
  return { changes, last }
}

/** Deletes the entries up to generation `upTo` (gc does, holding the gc lock). */
export async function dropChanges (engine: Engine, upTo: number): Promise<number> {
  let n = 0
  const keys: string[] = []
  for (const { key } of engine.dataRange(CHANGES_PREFIX, true)) if (logGeneration(key.slice(CHANGES_PREFIX.length)) <= upTo) keys.push(key)
  for (const k of keys) { await engine.putData(k, null); n++ }
  return n
}
