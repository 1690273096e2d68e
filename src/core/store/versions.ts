import { Key } from 'interface-datastore'
import { recordChange } from './changes.js'
import type { Datastore } from 'interface-datastore'
import type { AbortOptions } from 'abort-error'

/**
 * The versions of each published article, by source path: the bundle CIDs it
 * has had, the last the current one, and before it each earlier version once, in
 * the order they were first replaced. A publish that gives a path new bytes
 * appends; the earlier bundles stay pinned, and an edition lists them as the
 * article's corrections, numbered by that order (`corrections/<name>/<n>`). A
 * return to an earlier text keeps that version where it is among the earlier
 * ones (it is the current one too), so a correction's number, and its address in
 * every later edition, never changes.
 */
export const VERSIONS_PREFIX = '/ipfs-publish/versions/'

function key (path: string): Key {
  return new Key(VERSIONS_PREFIX + encodeURIComponent(path))
}

/** Records that `path` now publishes to `cid` (a no-op when it already does); whether it did not before. */
export async function recordVersion (datastore: Datastore, path: string, cid: string, options?: AbortOptions): Promise<boolean> {
  const cids = await getVersions(datastore, path, options)
  const replaced = cids[cids.length - 1]
  if (replaced === cid) return false
  // the version replaced joins the earlier ones unless it is one of them (it was a return to an
  // earlier text); a return to an earlier text leaves that version where it is among them
  const { earlier } = splitVersions(cids)
  if (replaced !== undefined && !earlier.includes(replaced)) earlier.push(replaced)
  await datastore.put(key(path), new TextEncoder().encode(JSON.stringify([...earlier, cid])), options)
  await recordChange(datastore, { paths: [path], cids: [cid] })
  return true
}

/**
 * A recorded list of versions (or a manifest's `previous` and `cid`) as the current version and
 * the earlier ones, each once, in the order they were first replaced: the order of an edition's
 * corrections. The current version is among the earlier ones when it is a return to one of them.
 */
export function splitVersions (cids: string[]): { current: string | undefined, earlier: string[] } {
  return { current: cids[cids.length - 1], earlier: [...new Set(cids.slice(0, -1))] }
}

/** The CIDs a path has published to, as recorded: the earlier ones in the order they were first replaced, the current one last (empty when none is recorded). */
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
 * articles: per source path, its earlier versions still indexed, in the order
 * they were first replaced ({@link splitVersions}: the current one among them
 * after a return to an earlier text), then the current one. A CID is in one group only. Bundles published before
 * versions were recorded are grouped by the path of their index record
 * (`recordOf`), oldest date first, when it names an article (`.txt`, `.md`);
 * any other (a bundle imported from a CAR, whose record names the CAR) is an
 * article of its own. The order of the groups is the datastore's.
 */
export async function groupVersions (datastore: Datastore, indexed: Set<string>, recordOf: (cid: string) => Promise<{ path: string, date: string | null } | undefined>, options?: AbortOptions): Promise<Array<{ path: string, cids: string[] }>> {
  const out: Array<{ path: string, cids: string[] }> = []
  const placed = new Set<string>()
  for await (const v of listVersions(datastore, options)) {
    const listed = v.cids.filter(c => indexed.has(c) && !placed.has(c))
    if (listed.length === 0) continue
    for (const c of listed) placed.add(c)
    // the earlier versions in the edition's order (their correction numbers), the current one last
    const { current, earlier } = splitVersions(listed)
    out.push({ path: v.path, cids: [...earlier, current!] })
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
