import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
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
 * chunks of a file, by their position), or, where the old block has none (a new
 * entry, a HAMT shard split), against the old block itself. A link whose CID the
 * old block it is compared with also links (under any name) is skipped: an
 * entry renamed, or moved one shard level down, does not travel; an entry of a
 * HAMT shard moved up from the old sub-shards (shards merged) is looked for
 * there. Where there is
 * no old block to compare with (none, or unreadable), the new sub-DAG is yielded
 * whole.
 *
 * Correct by construction whatever the pairing: a sub-DAG is skipped only when
 * its root is a block of the old DAG, all of which the node holds. Only the
 * blocks along changed paths are read (of both DAGs), each block once and
 * each new block yielded at most once. With `oldRoot` null every block of the new DAG is
 * yielded (a node that holds nothing of it). Identity blocks are inline in
 * their CIDs and never yielded. Codecs: dag-pb and raw (as everywhere in
 * ipfs-publish); any other is a VerificationError.
 */
export async function * newBlocks (get: GetBlock, newRoot: CID, oldRoot: CID | null | undefined, options: NewBlocksOptions = {}): AsyncGenerator<{ cid: CID, bytes: Uint8Array }> {
  const done = new Set<string>()
  const seenOld = new Map<string, OldLinks | undefined>()
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
    const before = old != null ? await oldLinks(old) : undefined
    if (before == null) {
      // nothing of the old DAG here: the new sub-DAG goes whole
      for (let i = links.length - 1; i >= 0; i--) stack.push({ cid: links[i].Hash })
      continue
    }
    for (let i = links.length - 1; i >= 0; i--) {
      const l = links[i]
      if (l.Hash.multihash.code === IDENTITY || before.held.has(multihashKey(l.Hash))) continue
      // the old link of the same name (or, unnamed, at the same place); else the old block itself, whose
      // links may hold the new block's (a HAMT shard split: entries moved one level down)
      let counterpart = l.Name !== '' ? before.byName.get(l.Name) : (before.links[i]?.Name === '' ? before.links[i].Hash : undefined)
      if (counterpart == null && l.Name !== '' && before.shard) {
        // a HAMT entry (its name: the shard's prefix, then the entry's) that was a level down, in the
        // old sub-shard the prefix names (shards merged): held there, or compared with its old self
        const deeper = await inSubShard(before, l.Name, l.Hash)
        if (deeper === true) continue
        counterpart = deeper
      }
      stack.push({ cid: l.Hash, old: counterpart ?? old })
    }
  }

  /**
   * Looks for a HAMT entry `name` (the shard's prefix, then the entry's name) in the old
   * sub-shards below `shard`: the one its prefix names, then (a merge of several levels) the
   * sub-shards below that, at most {@link SHARDS_SEARCHED} of them. True when one of them links
   * `cid` itself, else the old entry of that name, if found.
   */
  async function inSubShard (shard: OldLinks, name: string, cid: CID): Promise<true | CID | undefined> {
    const first = shard.links.find(s => s.Name !== '' && s.Name.length < name.length && name.startsWith(s.Name) && s.Hash.code === dagPb.code)
    if (first == null) return undefined
    const width = first.Name.length
    const entry = name.slice(width)
    const queue: CID[] = [first.Hash]
    for (let searched = 0; queue.length > 0 && searched < SHARDS_SEARCHED; searched++) {
      const below = await oldLinks(queue.shift()!)
      if (below == null) continue
      if (below.held.has(multihashKey(cid))) return true
      const same = below.links.find(x => x.Name.length > width && x.Name.slice(width) === entry)
      if (same != null) return same.Hash
      for (const x of below.links) if (x.Name.length === width && x.Hash.code === dagPb.code) queue.push(x.Hash)
    }
    return undefined
  }

  /** An old block's links (each old block read once), or undefined when it has none to compare with or cannot be read. */
  async function oldLinks (old: CID): Promise<OldLinks | undefined> {
    const key = multihashKey(old)
    if (seenOld.has(key)) return seenOld.get(key)
    let found: OldLinks | undefined
    if (old.code !== RAW) {
      let bytes: Uint8Array | undefined
      if (old.multihash.code === IDENTITY) bytes = old.multihash.digest
      else {
        try {
          bytes = await get(old, options)
        } catch (err: any) {
          if (err?.name !== 'NotFoundError' || options.signal?.aborted === true) throw err
          options.onOldMissing?.(old)
        }
      }
      if (bytes != null) {
        const links = pbLinks(old, bytes)
        const byName = new Map<string, CID>()
        for (const l of links) if (l.Name !== '' && !byName.has(l.Name)) byName.set(l.Name, l.Hash)
        found = { links, byName, held: new Set(links.map(l => multihashKey(l.Hash))), shard: isShard(bytes) }
      }
    }
    seenOld.set(key, found)
    return found
  }
}

/** How many old sub-shards are read looking for an entry merged up from several levels down. */
const SHARDS_SEARCHED = 32

interface OldLinks { links: Array<{ Name: string, Hash: CID }>, byName: Map<string, CID>, held: Set<string>, shard: boolean }

/** Whether a dag-pb block is a UnixFS HAMT shard (its links named by hash prefix, then entry name). */
function isShard (bytes: Uint8Array): boolean {
  try {
    const data = dagPb.decode(bytes).Data
    return data != null && UnixFS.unmarshal(data).type === 'hamt-sharded-directory'
  } catch {
    return false
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
