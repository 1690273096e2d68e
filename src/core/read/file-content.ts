import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { VerificationError } from '../../errors.js'
import { readAll } from '../read-all.js'
import type { Blockstore } from 'interface-blockstore'
import type { AbortOptions } from 'abort-error'
import type { CID } from 'multiformats/cid'
import { streamed } from '../collect-young.js'

import { code as RAW } from 'multiformats/codecs/raw'
const IDENTITY = 0x00

export interface FileContentOptions extends AbortOptions {
  /** First byte to yield. @default 0 */
  offset?: number
  /** How many bytes to yield. @default to the end */
  length?: number
  /** How many of the next blocks to read while the current one is consumed (a whole page read at once, not a stream). @default 0 */
  readAhead?: number
}

/**
 * A UnixFS file's bytes, read one block at a time as the consumer pulls them:
 * nothing is read ahead, so memory stays at about one block whatever the file's
 * size or the reader's speed. (ipfs-unixfs-exporter's `content()` reads blocks
 * into a queue without backpressure: `cat` of 1 GiB to a slow pipe held about a
 * gigabyte.) Children before `offset` are skipped by their recorded sizes,
 * without being read. Blocks come from `blockstore`, which verifies them.
 */
export async function * fileContent (cid: CID, blockstore: Pick<Blockstore, 'get'>, options: FileContentOptions = {}): AsyncGenerator<Uint8Array> {
  let skip = options.offset ?? 0
  let left = options.length ?? Number.POSITIVE_INFINITY
  const stack: CID[] = [cid]
  const emit = (bytes: Uint8Array): Uint8Array | undefined => {
    if (skip >= bytes.byteLength) { skip -= bytes.byteLength; return undefined }
    const out = bytes.subarray(skip, skip + Math.min(left, bytes.byteLength - skip))
    skip = 0
    left -= out.byteLength
    return out.byteLength > 0 ? out : undefined
  }
  // blocks read ahead (readAhead > 0): the next ones on the stack, started while this one is used
  const readAhead = options.readAhead ?? 0
  const ahead = new Map<CID, Promise<Uint8Array>>()
  const read = async (c: CID): Promise<Uint8Array> => {
    const started = ahead.get(c)
    if (started == null) return await readAll(blockstore.get(c, options))
    ahead.delete(c)
    return await started
  }
  while (stack.length > 0 && left > 0) {
    options.signal?.throwIfAborted()
    const next = stack.pop()!
    if (next.multihash.code === IDENTITY) {
      const out = emit(next.multihash.digest)
      if (out != null) yield out
      continue
    }
    for (let i = stack.length - 1; i >= Math.max(0, stack.length - readAhead); i--) {
      const c = stack[i]
      if (c.multihash.code === IDENTITY || ahead.has(c)) continue
      const p = readAll(blockstore.get(c, options))
      p.catch(() => {}) // awaited when its turn comes (or dropped with the read)
      ahead.set(c, p)
    }
    const bytes = await read(next)
    streamed(bytes.byteLength)
    if (next.code === RAW) {
      const out = emit(bytes)
      if (out != null) yield out
      continue
    }
    if (next.code !== dagPb.code) throw new VerificationError(`${next} is not a UnixFS file block (codec 0x${next.code.toString(16)})`)
    const node = dagPb.decode(bytes)
    if (node.Data == null) throw new VerificationError(`${next} has no UnixFS data`)
    const unixfs = UnixFS.unmarshal(node.Data)
    if (unixfs.type !== 'file' && unixfs.type !== 'raw') throw new VerificationError(`${next} is a UnixFS ${unixfs.type}, not a file`)
    if (unixfs.data != null && unixfs.data.byteLength > 0) {
      const out = emit(unixfs.data)
      if (out != null) yield out
    }
    // children in reverse onto the stack; those wholly before the offset are skipped unread
    const children: CID[] = []
    for (let i = 0; i < node.Links.length; i++) {
      const size = unixfs.blockSizes[i]
      // only leading children can be passed over: the offset falls in the first one kept
      if (children.length === 0 && size != null && skip >= Number(size)) { skip -= Number(size); continue }
      children.push(node.Links[i].Hash)
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i])
  }
}
