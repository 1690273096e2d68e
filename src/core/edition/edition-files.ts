import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { UnixFS } from 'ipfs-unixfs'
import { NotFoundError } from '../../errors.js'
import { fileContent } from '../read/file-content.js'
import { resolvePath } from '../read/resolve.js'
import { readAll } from '../read-all.js'
import type { Blockstore } from 'interface-blockstore'
import type { AbortOptions } from 'abort-error'

/**
 * The files of one edition read by path, each plain folder on the way decoded
 * once and kept (the front page reads a hundred days' records through the same
 * two folders). A HAMT folder on the way is resolved by the exporter
 * (resolve.ts). Every block comes from `blocks`, which verifies it.
 */
export class EditionFiles {
  private readonly folders = new Map<string, Promise<Map<string, CID> | undefined>>()

  constructor (private readonly blocks: Pick<Blockstore, 'get'>, readonly cid: string) {}

  /** The CID at `path` inside the edition (`edition/2025-03`); a NotFoundError naming it when there is none. */
  async resolve (path: string, options: AbortOptions = {}): Promise<CID> {
    const segments = path.split('/')
    let at = CID.parse(this.cid)
    for (let i = 0; i < segments.length; i++) {
      const links = await this.links(segments.slice(0, i).join('/'), at, options)
      if (links == null) return (await resolvePath(at, segments.slice(i), this.blocks, options)).cid
      const next = links.get(segments[i])
      if (next == null) throw new NotFoundError(`${this.cid}/${path}: no such path, ${[this.cid, ...segments.slice(0, i)].join('/')} has no entry ${JSON.stringify(segments[i])}`)
      at = next
    }
    return at
  }

  /** The CID of the entry `name` of the edition's root folder, or undefined when it has none. */
  async entry (name: string, options: AbortOptions = {}): Promise<CID | undefined> {
    const links = await this.links('', CID.parse(this.cid), options)
    return links != null ? links.get(name) : await this.resolve(name, options)
  }

  /** The bytes of the file at `path`. */
  async read (path: string, options: AbortOptions = {}): Promise<Uint8Array> {
    // a page is read whole: its blocks (1 MiB each) are read four at a time
    return await readAll(fileContent(await this.resolve(path, options), this.blocks, { ...options, readAhead: 4 }))
  }

  /** A plain folder's links by name (kept), or undefined for what is not one (a HAMT: the exporter's). */
  private async links (path: string, cid: CID, options: AbortOptions): Promise<Map<string, CID> | undefined> {
    let p = this.folders.get(path)
    if (p == null) {
      p = (async () => {
        if (cid.code !== dagPb.code) return undefined
        const node = dagPb.decode(await readAll(this.blocks.get(cid, options)))
        if (node.Data == null || UnixFS.unmarshal(node.Data).type !== 'directory') return undefined
        return new Map(node.Links.map(l => [l.Name ?? '', l.Hash]))
      })()
      this.folders.set(path, p)
      p.catch(() => { this.folders.delete(path) })
    }
    return await p
  }
}
