import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { dagPbCid, rawCid, SHA2_256 } from './hash.js'
import type { CidProfile } from './profiles.js'

/** A block: its CID and its bytes. */
export interface Block {
  cid: CID
  bytes: Uint8Array
}

/** A file to place in a small directory. */
export interface SmallFile {
  name: string
  bytes: Uint8Array
  /** sha256 of `bytes`, if the caller has it: with raw leaves it is the leaf's digest. */
  sha256?: Uint8Array
}

/** The DAG of a small directory: its root, every block, and each file's CID. */
export interface SmallDirDag {
  root: CID
  blocks: Block[]
  files: Array<{ name: string, cid: CID, bytes: number }>
}

/**
 * The one block of a file that fits in one chunk, as the importer makes it: a raw
 * leaf (`sha256`, when the caller has the digest, saves hashing again), or for a
 * profile without raw leaves a dag-pb file node.
 */
export function singleChunkFile (bytes: Uint8Array, profile: CidProfile, sha256?: Uint8Array): Block {
  if (profile.rawLeaves) return { cid: sha256 != null ? CID.createV1(raw.code, Digest.create(SHA2_256, sha256)) : rawCid(bytes), bytes }
  const block = dagPb.encode({ Data: new UnixFS({ type: 'file', data: bytes }).marshal(), Links: [] })
  return { cid: dagPbCid(block, profile.cidVersion), bytes: block }
}

/** True when every file fits in one chunk and the directory cannot need a HAMT, so {@link buildSmallDir} applies. */
export function fitsSmallDir (files: SmallFile[], profile: CidProfile): boolean {
  return files.length > 0 && files.length <= 64 && files.every(f => f.bytes.byteLength > 0 && f.bytes.byteLength <= profile.chunkSize && f.name.length <= 255)
}

/**
 * Builds, in memory and synchronously, the UnixFS DAG of a flat directory of
 * single-chunk files: exactly the blocks that `ipfs-unixfs-importer` builds for
 * the same input and profile (a test checks this byte for byte), without its
 * per-file async machinery, which dominates the cost of publishing thousands of
 * small articles. Callers must check {@link fitsSmallDir} first.
 */
export function buildSmallDir (files: SmallFile[], profile: CidProfile): SmallDirDag {
  const blocks: Block[] = []
  const links: dagPb.PBLink[] = []
  const out: SmallDirDag['files'] = []
  for (const file of files) {
    const { cid, bytes: block } = singleChunkFile(file.bytes, profile, file.sha256)
    blocks.push({ cid, bytes: block })
    links.push({ Name: file.name, Hash: cid, Tsize: block.byteLength })
    out.push({ name: file.name, cid, bytes: file.bytes.byteLength })
  }
  const dir = dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: links }))
  const root = dagPbCid(dir, profile.cidVersion)
  blocks.push({ cid: root, bytes: dir })
  return { root, blocks, files: out }
}
