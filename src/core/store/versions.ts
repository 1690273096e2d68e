import { Key } from 'interface-datastore'
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
