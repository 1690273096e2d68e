import { blockLinks } from './links.js'
import { IDENTITY } from './hash.js'
import type { AbortOptions } from 'abort-error'
import type { CID } from 'multiformats/cid'

const RAW = 0x55

/** A map key for a block: its multihash, whatever the CID's version and codec. */
export function multihashKey (cid: CID): string {
  const mh = cid.multihash.bytes
  return Buffer.from(mh.buffer, mh.byteOffset, mh.byteLength).toString('latin1')
}

/**
 * Walks a DAG depth first with a stack (a DAG nested thousands of levels deep
 * cannot overflow it), visiting each block once; identity blocks are inline in
 * their CIDs and skipped. `read` returns a block's bytes, or undefined to visit
 * the block without descending (a raw leaf known to be present). Errors from
 * `read` end the walk.
 */
export async function * walkDag (root: CID, read: (cid: CID) => Promise<Uint8Array | undefined>, options: AbortOptions = {}): AsyncGenerator<{ cid: CID, bytes: Uint8Array | undefined }> {
  const seen = new Set<string>()
  const stack: CID[] = [root]
  while (stack.length > 0) {
    options.signal?.throwIfAborted()
    const cid = stack.pop()!
    const key = multihashKey(cid)
    if (seen.has(key) || cid.multihash.code === IDENTITY) continue
    seen.add(key)
    const bytes = await read(cid)
    yield { cid, bytes }
    if (bytes == null || cid.code === RAW) continue
    const links = blockLinks(cid, bytes)
    for (let i = links.length - 1; i >= 0; i--) stack.push(links[i])
  }
}

/** All of a block's bytes from a blockstore's `get`. */
export async function readAll (chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of chunks) parts.push(p)
  return parts.length === 1 ? parts[0] : Buffer.concat(parts)
}
