import { Key } from 'interface-datastore'
import { recordChange } from './changes.js'
import type { Datastore } from 'interface-datastore'
import type { AbortOptions } from 'abort-error'

/**
 * The versions of each published article, by source path: the bundle CIDs it
 * has had, oldest first, the last the current one. A publish that gives a path
 * new bytes appends; the earlier bundles stay pinned, and an edition lists them
 * as the article's corrections.
 */
export const VERSIONS_PREFIX = '/ipfs-publish/versions/'

function key (path: string): Key {
  return new Key(VERSIONS_PREFIX + encodeURIComponent(path))
}

/** Records that `path` now publishes to `cid` (a no-op when it already does). */
export async function recordVersion (datastore: Datastore, path: string, cid: string, options?: AbortOptions): Promise<void> {
  const cids = await getVersions(datastore, path, options)
  if (cids[cids.length - 1] === cid) return
  // a path that goes back to an earlier text: that version becomes the current one again
  const next = cids.filter(c => c !== cid)
  next.push(cid)
  await datastore.put(key(path), new TextEncoder().encode(JSON.stringify(next)), options)
  await recordChange(datastore, { paths: [path], cids: [cid] })
}

/** The CIDs a path has published to, oldest first (empty when none is recorded). */
export async function getVersions (datastore: Datastore, path: string, options?: AbortOptions): Promise<string[]> {
  try {
    return JSON.parse(new TextDecoder().decode(await datastore.get(key(path), options)))
  } catch (err: any) {
    if (err?.name === 'NotFoundError') return []
    throw err
  }
}

/** Every recorded path and its versions. */
export async function * listVersions (datastore: Datastore, options?: AbortOptions): AsyncGenerator<{ path: string, cids: string[] }> {
  for await (const { key, value } of datastore.query({ prefix: VERSIONS_PREFIX }, options)) {
    yield { path: decodeURIComponent(key.toString().slice(VERSIONS_PREFIX.length)), cids: JSON.parse(new TextDecoder().decode(value)) }
  }
}

/**
 * The indexed bundles (`indexed`: the CIDs in the article index) grouped into
 * articles: per source path, its versions still indexed, oldest first, the
 * current one last. A CID is in one group only. Bundles published before
 * versions were recorded are grouped by the path of their index record
 * (`recordOf`), oldest date first, when it names an article (`.txt`, `.md`);
 * any other (a bundle imported from a CAR, whose record names the CAR) is an
 * article of its own. The order of the groups is the datastore's.
 */
export async function groupVersions (datastore: Datastore, indexed: Set<string>, recordOf: (cid: string) => Promise<{ path: string, date: string | null } | undefined>, options?: AbortOptions): Promise<Array<{ path: string, cids: string[] }>> {
  const out: Array<{ path: string, cids: string[] }> = []
  const placed = new Set<string>()
  for await (const v of listVersions(datastore, options)) {
    const cids = v.cids.filter(c => indexed.has(c) && !placed.has(c))
    if (cids.length === 0) continue
    for (const c of cids) placed.add(c)
    out.push({ path: v.path, cids })
  }
  if (placed.size < indexed.size) {
    const byPath = new Map<string, Array<{ cid: string, date: string | null }>>()
    for (const cid of indexed) {
      if (placed.has(cid)) continue
      const r = await recordOf(cid)
      if (r == null) continue
      if (!/\.(txt|md)$/i.test(r.path)) { out.push({ path: r.path, cids: [cid] }); continue }
      const list = byPath.get(r.path) ?? []
      list.push({ cid, date: r.date })
      byPath.set(r.path, list)
    }
    for (const [path, list] of byPath) {
      out.push({ path, cids: list.sort((a, b) => compare(a.date ?? '', b.date ?? '') || compare(a.cid, b.cid)).map(i => i.cid) })
    }
  }
  return out
}

/** Strings compared by code unit (the same order on every machine, unlike localeCompare). */
function compare (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
