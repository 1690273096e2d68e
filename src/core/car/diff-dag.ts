import * as dagPb from '@ipld/dag-pb'
import { code as RAW } from 'multiformats/codecs/raw'
import { NotFoundError, VerificationError } from '../../errors.js'
import { verifyBlock } from '../store/verifying-blockstore.js'
import { readAll } from '../read-all.js'
import { IDENTITY } from '../unixfs/hash.js'
import { multihashKey } from '../unixfs/multihash-key.js'
import type { AbortOptions } from 'abort-error'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

/** A block's bytes, checked against its CID; a block that is nowhere is a NotFoundError naming it. */
export type GetBlock = (cid: CID, options?: AbortOptions) => Promise<Uint8Array>

export interface NewBlocksOptions extends AbortOptions {
  /**
   * Told of each block of the old DAG that could not be read (not in the repo,
   * nor given by the fetcher): the new sub-DAG at its place is then yielded
   * whole, which is correct but larger.
   */
  onOldMissing?: (cid: CID) => void
}

/**
 * The blocks of the DAG under `newRoot` that a node holding the whole DAG of
 * `oldRoot` (a recursive pin) lacks, found by walking both DAGs together from
 * their roots: where the two hold the same CID the whole sub-DAG is skipped
 * unread; otherwise the new block is yielded, and each of its links is followed
 * against the old block's link of the same name (dag-pb; unnamed links, the
 * chunks of a file, by their position), or, where the old block has none, as a
 * new sub-DAG, yielded whole. A link whose CID the old block also links (under
 * any name) is skipped: a folder's entry renamed or moved within it travels not.
 *
 * Correct by construction whatever the pairing: a sub-DAG is skipped only when
 * its root is a block of the old DAG, all of which the node holds. Only the
 * blocks along changed paths are read (of both DAGs), each new block once and
 * each yielded at most once. With `oldRoot` null every block of the new DAG is
 * yielded (a node that holds nothing of it). Identity blocks are inline in
 * their CIDs and never yielded. Codecs: dag-pb and raw (as everywhere in
 * ipfs-publish); any other is a VerificationError.
 */
export async function * newBlocks (get: GetBlock, newRoot: CID, oldRoot: CID | null | undefined, options: NewBlocksOptions = {}): AsyncGenerator<{ cid: CID, bytes: Uint8Array }> {
  const done = new Set<string>()
  const stack: Array<{ cid: CID, old?: CID }> = [{ cid: newRoot, old: oldRoot ?? undefined }]
  while (stack.length > 0) {
    options.signal?.throwIfAborted()
    const { cid, old } = stack.pop()!
    if (cid.multihash.code === IDENTITY) continue
    if (old != null && equalBytes(cid.multihash.bytes, old.multihash.bytes)) continue
    const key = multihashKey(cid)
    // a block met before: its sub-DAG is being yielded or held already
    if (done.has(key)) continue
    done.add(key)
    const bytes = await get(cid, options)
    yield { cid, bytes }
    if (cid.code === RAW) continue
    const links = pbLinks(cid, bytes)
    if (links.length === 0) continue
    const before = old != null ? await oldLinks(get, old, options) : undefined
    const held = new Set((before ?? []).map(l => multihashKey(l.Hash)))
    const byName = new Map<string, CID>()
    for (const l of before ?? []) if (l.Name !== '' && !byName.has(l.Name)) byName.set(l.Name, l.Hash)
    for (let i = links.length - 1; i >= 0; i--) {
      const l = links[i]
      if (l.Hash.multihash.code === IDENTITY || held.has(multihashKey(l.Hash))) continue
      const counterpart = l.Name !== '' ? byName.get(l.Name) : (before?.[i]?.Name === '' ? before[i].Hash : undefined)
      stack.push({ cid: l.Hash, old: counterpart })
    }
  }

  async function oldLinks (read: GetBlock, old: CID, opts: AbortOptions): Promise<Array<{ Name: string, Hash: CID }> | undefined> {
    if (old.code === RAW) return []
    let bytes: Uint8Array
    if (old.multihash.code === IDENTITY) bytes = old.multihash.digest
    else {
      try {
        bytes = await read(old, opts)
      } catch (err: any) {
        if (err?.name !== 'NotFoundError' || opts.signal?.aborted === true) throw err
        options.onOldMissing?.(old)
        return undefined
      }
    }
    return pbLinks(old, bytes)
  }
}

/** A block's links with their names ('' when unnamed). */
function pbLinks (cid: CID, bytes: Uint8Array): Array<{ Name: string, Hash: CID }> {
  if (cid.code !== dagPb.code) throw new VerificationError(`block ${cid} has codec 0x${cid.code.toString(16)}, which ipfs-publish does not walk`)
  try {
    return dagPb.decode(bytes).Links.map(l => ({ Name: l.Name ?? '', Hash: l.Hash }))
  } catch (err: any) {
    throw new VerificationError(`block ${cid} is not valid dag-pb: ${err.message}`)
  }
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0
}

/**
 * The blocks of a repo's blockstore (which verifies every read), and a block it
 * does not hold from `fetchBlock` (e.g. a gateway), checked against its CID
 * before it is given. A block found in neither is a NotFoundError naming it.
 */
export function blockGetter (blockstore: Pick<Blockstore, 'get'>, fetchBlock?: (cid: CID, options: AbortOptions) => Promise<Uint8Array>): GetBlock {
  return async (cid, options = {}) => {
    try {
      return await readAll(blockstore.get(cid, options))
    } catch (err: any) {
      if (err?.name !== 'NotFoundError' || fetchBlock == null || options.signal?.aborted === true) throw err
    }
    let bytes: Uint8Array
    try {
      bytes = await fetchBlock(cid, options)
    } catch (err: any) {
      if (err?.name !== 'NotFoundError') throw err
      throw new NotFoundError(String(err.message), { cause: err })
    }
    verifyBlock(cid, bytes)
    return bytes
  }
}
