import { createHash } from 'node:crypto'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import type { MultihashDigest } from 'multiformats/hashes/interface'

/** The multihash code of sha2-256. */
export const SHA2_256 = 0x12
/** The multihash code of the identity "hash". */
export const IDENTITY = 0x00

/** The sha2-256 multihash of `bytes`, computed synchronously with node's crypto. */
export function sha256Multihash (bytes: Uint8Array): MultihashDigest<typeof SHA2_256> {
  return Digest.create(SHA2_256, createHash('sha256').update(bytes).digest())
}

/** The CID of a raw block (CIDv1, codec raw, sha2-256). */
export function rawCid (bytes: Uint8Array): CID {
  return CID.createV1(raw.code, sha256Multihash(bytes))
}

/** The CID of a dag-pb block in the given CID version (sha2-256). */
export function dagPbCid (block: Uint8Array, version: 0 | 1): CID {
  const mh = sha256Multihash(block)
  return version === 0 ? CID.createV0(mh) : CID.createV1(dagPb.code, mh)
}
