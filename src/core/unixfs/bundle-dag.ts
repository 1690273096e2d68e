import { buildSmallDir, fitsSmallDir } from './build-small-dir.js'
import type { Block, SmallDirDag, SmallFile } from './build-small-dir.js'
import type { CidProfile } from './profiles.js'
import type { AbortOptions } from 'abort-error'
import type { CID } from 'multiformats/cid'

/**
 * The UnixFS DAG of a flat directory of files, built in memory. Small files (the
 * usual article) take the synchronous path of {@link buildSmallDir}; anything
 * larger goes through `ipfs-unixfs-importer` with the profile's options.
 */
export async function buildDirDag (files: SmallFile[], profile: CidProfile, options: AbortOptions = {}): Promise<SmallDirDag> {
  if (fitsSmallDir(files, profile)) return buildSmallDir(files, profile)
  // the importer is only needed for articles over one chunk: load it then
  const [{ importer }, { importerOptions }] = await Promise.all([import('ipfs-unixfs-importer'), import('./importer-options.js')])
  const blocks: Block[] = []
  const sink = {
    put: async (cid: CID, bytes: Uint8Array): Promise<CID> => { blocks.push({ cid, bytes }); return cid }
  }
  const out: SmallDirDag['files'] = []
  let root: CID | undefined
  const candidates = files.map(f => ({ path: f.name, content: f.bytes }))
  for await (const entry of importer(candidates, sink as any, { ...importerOptions(profile), wrapWithDirectory: true, signal: options.signal } as any)) {
    if (entry.path === '') root = entry.cid
    else {
      const f = files.find(x => x.name === entry.path)
      if (f != null) out.push({ name: f.name, cid: entry.cid, bytes: f.bytes.byteLength })
    }
  }
  if (root == null) throw new Error('the importer returned no root')
  return { root, blocks, files: out }
}
