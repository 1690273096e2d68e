import type { CID } from 'multiformats/cid'

/** A Map/Set key for bytes (a latin1 string of them: one char per byte, no copy of the encoding work). */
export function bytesKey (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}

/** A Map/Set key for a block: its multihash, whatever the CID's version and codec. */
export function multihashKey (cid: CID): string {
  return bytesKey(cid.multihash.bytes)
}
