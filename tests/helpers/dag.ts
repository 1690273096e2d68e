import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core'
import { UnixFS } from 'ipfs-unixfs'
import { dagPbCid, rawCid } from '../../src/core/unixfs/hash.js'
import type { CID } from 'multiformats/cid'

/** Hand-built UnixFS blocks, for DAGs no honest importer would make. */
export class DagBuilder {
  readonly blockstore = new MemoryBlockstore()

  async file (bytes: Uint8Array | string): Promise<CID> {
    const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes
    const cid = rawCid(b)
    await this.blockstore.put(cid, b)
    return cid
  }

  /** A directory node with the links given (sorted, as dag-pb requires): duplicated or unsafe names allowed. */
  async dir (links: Array<[name: string, cid: CID]>): Promise<CID> {
    const sorted = [...links].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    const block = dagPb.encode({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: sorted.map(([Name, Hash]) => ({ Name, Hash, Tsize: 1 })) })
    const cid = dagPbCid(block, 1)
    await this.blockstore.put(cid, block)
    return cid
  }
}
