import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { dagPbCid, rawCid } from '../unixfs/hash.js'
import type { Block } from '../unixfs/build-small-dir.js'
import type { CidProfile } from '../unixfs/profiles.js'
import type { CID } from 'multiformats/cid'

/** A file's DAG built in memory: its root, its cumulative size (the `Tsize` of a link to it) and its blocks. */
export interface BuiltFile { cid: CID, tsize: number, blocks: Block[] }

/**
 * The UnixFS DAG of a file under a profile: one block when it fits in a chunk
 * (a raw leaf, or a dag-pb file node for CIDv0), else the importer's balanced
 * tree with the profile's chunk size and width.
 */
export async function buildFile (bytes: Uint8Array, profile: CidProfile): Promise<BuiltFile> {
  if (bytes.byteLength > 0 && bytes.byteLength <= profile.chunkSize) {
    if (profile.rawLeaves) {
      const cid = rawCid(bytes)
      return { cid, tsize: bytes.byteLength, blocks: [{ cid, bytes }] }
    }
    const block = dagPb.encode({ Data: new UnixFS({ type: 'file', data: bytes }).marshal(), Links: [] })
    const cid = dagPbCid(block, profile.cidVersion)
    return { cid, tsize: block.byteLength, blocks: [{ cid, bytes: block }] }
  }
  const [{ importer }, { importerOptions }] = await Promise.all([import('ipfs-unixfs-importer'), import('../unixfs/importer-options.js')])
  const blocks: Block[] = []
  const sink = { put: async (cid: CID, b: Uint8Array): Promise<CID> => { blocks.push({ cid, bytes: b }); return cid } }
  let root: CID | undefined
  for await (const entry of importer([{ content: bytes }], sink as any, importerOptions(profile))) root = entry.cid
  if (root == null) throw new Error('the importer returned no root')
  return { cid: root, tsize: cumulativeSize(root, blocks), blocks }
}

/** A node's cumulative size: its block's length plus the `Tsize` of each of its links (a raw leaf: its length). */
export function cumulativeSize (cid: CID, blocks: Block[]): number {
  const block = blocks.find(b => b.cid.equals(cid))
  if (block == null) throw new Error(`block ${cid} is not among the file's blocks`)
  return tsizeOfBlock(cid, block.bytes)
}

/** The cumulative size of a DAG from its root block alone (the root's links carry their sizes). */
export function tsizeOfBlock (cid: CID, bytes: Uint8Array): number {
  if (cid.code !== dagPb.code) return bytes.byteLength
  let size = bytes.byteLength
  for (const link of dagPb.decode(bytes).Links) size += link.Tsize ?? 0
  return size
}
