import * as dagPb from '@ipld/dag-pb'
import { singleChunkFile } from '../unixfs/build-small-dir.js'
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
    const block = singleChunkFile(bytes, profile)
    return { cid: block.cid, tsize: block.bytes.byteLength, blocks: [block] }
  }
  const [{ importer }, { importerOptions }] = await Promise.all([import('ipfs-unixfs-importer'), import('../unixfs/importer-options.js')])
  const blocks: Block[] = []
  const sink = { put: async (cid: CID, b: Uint8Array): Promise<CID> => { blocks.push({ cid, bytes: b }); return cid } }
  let root: CID | undefined
  for await (const entry of importer([{ content: bytes }], sink as any, importerOptions(profile))) root = entry.cid
  if (root == null) throw new Error('the importer returned no root')
  const rootBlock = blocks.find(b => b.cid.equals(root!))
  if (rootBlock == null) throw new Error(`the importer did not give the root block ${root}`)
  return { cid: root, tsize: tsizeOfBlock(root, rootBlock.bytes), blocks }
}

/** The cumulative size of a DAG from its root block alone (the root's links carry their sizes). */
export function tsizeOfBlock (cid: CID, bytes: Uint8Array): number {
  if (cid.code !== dagPb.code) return bytes.byteLength
  let size = bytes.byteLength
  for (const link of dagPb.decode(bytes).Links) size += link.Tsize ?? 0
  return size
}
