import { equals } from 'uint8arrays/equals'
import { BlockNotFoundError, VerificationError } from '../../errors.js'
import { readAll } from '../read-all.js'
import { IDENTITY, sha256Multihash, SHA2_256 } from '../unixfs/hash.js'
import type { Blockstore, InputPair, Pair } from 'interface-blockstore'
import type { AbortOptions } from 'abort-error'
import type { CID } from 'multiformats/cid'

/** True when `bytes` hash to the sha2-256 `multihash`: the one hash check that every read and every scan of the store goes through. */
export function blockMatches (multihash: Uint8Array, bytes: Uint8Array): boolean {
  return multihash[0] === SHA2_256 && Buffer.compare(sha256Multihash(bytes).bytes, multihash) === 0
}

/** Checks that `bytes` hash to `cid`'s multihash; throws VerificationError naming the CID if not. */
export function verifyBlock (cid: CID, bytes: Uint8Array): void {
  const { code, digest } = cid.multihash
  if (code === IDENTITY) {
    if (!equals(digest, bytes)) throw new VerificationError(`block ${cid} does not match its identity CID`)
    return
  }
  if (code !== SHA2_256) {
    throw new VerificationError(`block ${cid} uses hash function 0x${code.toString(16)}, which ipfs-publish cannot verify`)
  }
  if (!blockMatches(cid.multihash.bytes, bytes)) {
    throw new VerificationError(`block ${cid} does not match its hash: the stored bytes are corrupt`)
  }
}


/**
 * The one place where "verify on every read" lives: a blockstore wrapper whose
 * `get` hashes each block again and compares it with its CID before anyone sees
 * it, the local disk included. A missing block is a NotFoundError naming the CID.
 * Identity CIDs are answered from the CID itself.
 */
export class VerifyingBlockstore implements Blockstore {
  /**
   * @param child the store read from
   * @param onCorrupt told of each block whose stored bytes fail verification (the repo
   * records it, so that publishing or importing the good bytes rewrites it)
   */
  constructor (readonly child: Blockstore, private readonly onCorrupt?: (cid: CID) => Promise<void>) {}

  async * get (cid: CID, options?: AbortOptions): AsyncGenerator<Uint8Array> {
    options?.signal?.throwIfAborted()
    if (cid.multihash.code === IDENTITY) {
      yield cid.multihash.digest
      return
    }
    let bytes: Uint8Array
    try {
      bytes = await readAll(this.child.get(cid, options))
    } catch (err: any) {
      if (err?.name === 'NotFoundError') throw new BlockNotFoundError(`block ${cid} is not in the store`, { cause: err })
      throw err
    }
    try {
      verifyBlock(cid, bytes)
    } catch (err) {
      await this.onCorrupt?.(cid).catch(() => {})
      throw err
    }
    yield bytes
  }

  async * getMany (cids: AsyncIterable<CID> | Iterable<CID>, options?: AbortOptions): AsyncGenerator<Pair> {
    for await (const cid of cids) {
      yield { cid, bytes: this.get(cid, options) }
    }
  }

  async has (cid: CID, options?: AbortOptions): Promise<boolean> {
    if (cid.multihash.code === IDENTITY) return true
    return this.child.has(cid, options)
  }

  async put (cid: CID, bytes: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>, options?: AbortOptions): Promise<CID> {
    if (cid.multihash.code === IDENTITY) return cid
    return this.child.put(cid, bytes, options)
  }

  async * putMany (source: AsyncIterable<InputPair> | Iterable<InputPair>, options?: AbortOptions): AsyncGenerator<CID> {
    for await (const { cid, bytes } of source) {
      yield await this.put(cid, bytes, options)
    }
  }

  async delete (cid: CID, options?: AbortOptions): Promise<void> {
    await this.child.delete(cid, options)
  }

  async * deleteMany (source: AsyncIterable<CID> | Iterable<CID>, options?: AbortOptions): AsyncGenerator<CID> {
    for await (const cid of source) {
      await this.delete(cid, options)
      yield cid
    }
  }

  getAll (options?: AbortOptions): AsyncGenerator<Pair> | Generator<Pair> {
    return this.child.getAll(options)
  }
}
