import * as cborg from 'cborg'
import { Key } from 'interface-datastore'
import { base36 } from 'multiformats/bases/base36'
import { equals } from 'uint8arrays/equals'
import { NamedByEditionError, NotFoundError } from '../../errors.js'
import { readAll, walkDag } from '../unixfs/walk.js'
import { stackWalker } from './dag-walker.js'
import { PINNED_BLOCK_PREFIX } from './pin-merge.js'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import type { Repo } from './repo.js'
import type { GraphNode, GraphWalkerFactory } from '@helia/interface'
import type { AbortOptions } from 'abort-error'

/** Helia's record of which pins hold a block (its datastore layout, helia/src/pins.ts). */
interface PinnedBlock { pinCount: number, pinnedBy: Uint8Array[] }

import { code as RAW } from 'multiformats/codecs/raw'

function pinnedBlockKey (cid: CID): Key {
  return new Key(`${PINNED_BLOCK_PREFIX}${base36.encode(cid.multihash.bytes)}`)
}

/** True when `cid` is a pin root (not merely a block inside a pinned DAG). */
export async function isPinRoot (repo: Repo, cid: CID, options: AbortOptions = {}): Promise<boolean> {
  try {
    await repo.helia.pins.get(cid, options)
    return true
  } catch {
    return false
  }
}

/** Pins a root with Helia's pinning API (a no-op when already pinned). Missing blocks: NotFoundError naming the CID. */
export async function pinRoot (repo: Repo, cid: CID, metadata: Record<string, string | number | boolean>, options: AbortOptions & { known?: Map<string, Uint8Array> } = {}): Promise<boolean> {
  if (await isPinRoot(repo, cid, options)) return false
  for await (const _ of repo.helia.pins.add(cid, { signal: options.signal, walker: stackWalker(options.known), metadata, offline: true } as any)) {}
  return true
}

/**
 * The blocks a pin holds: its DAG's blocks, walked over the verified store; when
 * a block of it is missing or damaged, the blocks whose pin records name it
 * instead (a scan of every record), so that a pin on damaged content can still be
 * removed.
 */
async function pinnedBlocks (repo: Repo, root: CID, options: AbortOptions): Promise<CID[]> {
  try {
    const out: CID[] = []
    for await (const { cid } of walkDag(root, async c => readAll(repo.blockstore.get(c, options)), options)) out.push(cid)
    return out
  } catch (err: any) {
    if (err?.name !== 'VerificationError' && err?.name !== 'NotFoundError') throw err
  }
  const out: CID[] = []
  for await (const { key, value } of repo.datastore.query({ prefix: PINNED_BLOCK_PREFIX }, options)) {
    const record = cborg.decode(value) as PinnedBlock
    if (!record.pinnedBy.some(c => equals(c, root.bytes))) continue
    const multihash = base36.decode(key.toString().slice(PINNED_BLOCK_PREFIX.length))
    out.push(CID.createV1(RAW, Digest.decode(multihash)))
  }
  return out
}

/** A graph walker for Helia's pinning API that yields the blocks given, reading nothing. */
function listWalker (blocks: CID[]): GraphWalkerFactory {
  return () => ({
    async * walk<T = any>(): AsyncGenerator<GraphNode<T>> {
      for (const cid of blocks) yield { block: { cid } as any, depth: 0, path: [cid] }
    }
  })
}

/**
 * Removes a pin with Helia's pinning API, then repairs the per-block records
 * that Helia 7's `pins.rm` gets wrong: it keeps only the removed pin in each
 * block's `pinnedBy` list instead of dropping it, so after "unpin A, pin A
 * again, unpin B" a block that A still needs is left unpinned and `gc` deletes
 * it (tests/cli/pins-gc.test.ts shows the case). The records are read
 * before the removal and rewritten after it with the removed pin taken out.
 */
export async function unpinRoot (repo: Repo, cid: CID, options: AbortOptions & { blocks?: CID[] } = {}): Promise<void> {
  if (!(await isPinRoot(repo, cid, options))) throw new NotFoundError(`${cid} is not pinned`)
  // an edition's pin holds its own blocks; the articles it names are kept by their own pins
  const { editionsNaming, isEditionPin } = await import('../edition/named.js')
  const editions = isEditionPin((await repo.helia.pins.get(cid, options)).metadata) ? [] : await editionsNaming(repo, cid, options)
  if (editions.length > 0) throw new NamedByEditionError(`${cid} is named by pinned edition ${editions.join(', ')}: unpin the edition first, or make an edition without it`, editions)
  // `blocks`: the caller knows the pin's blocks (an edition: its own, and its bundles' from their summaries)
  const blocks = options.blocks ?? await pinnedBlocks(repo, cid, options)
  const before = new Map<string, PinnedBlock>()
  for (const b of blocks) {
    try {
      before.set(pinnedBlockKey(b).toString(), cborg.decode(await repo.datastore.get(pinnedBlockKey(b), options)))
    } catch {}
  }
  for await (const _ of repo.helia.pins.rm(cid, { signal: options.signal, walker: listWalker(blocks), offline: true } as any)) {}
  for (const [key, record] of before) {
    const pinnedBy = record.pinnedBy.filter(c => !equals(c, cid.bytes))
    const pinCount = record.pinCount - (pinnedBy.length < record.pinnedBy.length ? 1 : 0)
    if (pinCount <= 0) await repo.datastore.delete(new Key(key), options)
    else await repo.datastore.put(new Key(key), cborg.encode({ pinCount, pinnedBy }), options)
  }
}
