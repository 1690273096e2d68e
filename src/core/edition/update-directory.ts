// TEMPORARY naive stand-in (reads the whole directory): replaced by the incremental updater
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { buildDirectory, directorySize } from './directory.js'
import type { BuiltDir, DirEntry } from './directory.js'
import type { CidProfile } from '../unixfs/profiles.js'
import type { AbortOptions } from 'abort-error'
import type { CID } from 'multiformats/cid'

export interface DirChange { name: string, entry: DirEntry | null }
export interface UpdatedDir extends BuiltDir { size: number }

async function all (get: (cid: CID) => Promise<Uint8Array>, root: CID, out: Map<string, DirEntry>, prefix: number): Promise<void> {
  const node = dagPb.decode(await get(root))
  const fs = UnixFS.unmarshal(node.Data!)
  for (const l of node.Links) {
    if (fs.type === 'hamt-sharded-directory') {
      const pad = Number((fs.fanout ?? 256n) - 1n).toString(16).length
      if ((l.Name ?? '').length === pad) await all(get, l.Hash, out, pad)
      else out.set(l.Name!.slice(pad), { name: l.Name!.slice(pad), cid: l.Hash, tsize: l.Tsize ?? 0 })
    } else out.set(l.Name!, { name: l.Name!, cid: l.Hash, tsize: l.Tsize ?? 0 })
  }
}

export async function updateDirectory (get: (cid: CID, options?: AbortOptions) => Promise<Uint8Array>, root: CID, changes: DirChange[], profile: CidProfile, options: AbortOptions & { size?: number } = {}): Promise<UpdatedDir> {
  const entries = new Map<string, DirEntry>()
  await all(get, root, entries, 0)
  for (const c of changes) { if (c.entry == null) entries.delete(c.name); else entries.set(c.name, { ...c.entry, name: c.name }) }
  const list = [...entries.values()]
  return { ...buildDirectory(list, profile), size: directorySize(list, profile) }
}
