import { blockLinks } from './links.js'
import { IDENTITY } from './hash.js'
import { multihashKey } from './multihash-key.js'
import type { AbortOptions } from 'abort-error'
import type { CID } from 'multiformats/cid'

import { code as RAW } from 'multiformats/codecs/raw'

export { multihashKey }
export { readAll } from '../read-all.js'

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
