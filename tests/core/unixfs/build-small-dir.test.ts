import { MemoryBlockstore } from 'blockstore-core'
import { importer } from 'ipfs-unixfs-importer'
import { describe, expect, it } from 'vitest'
import { buildSmallDir, fitsSmallDir } from '../../../src/core/unixfs/build-small-dir.js'
import { buildDirDag } from '../../../src/core/unixfs/bundle-dag.js'
import { CID_PROFILES } from '../../../src/core/unixfs/profiles.js'
import { importerOptions } from '../../../src/core/unixfs/importer-options.js'
import { detBytes } from '../../helpers/fixtures.js'

async function viaImporter (files: Array<{ name: string, bytes: Uint8Array }>, profile: typeof CID_PROFILES['unixfs-v1-2025']): Promise<{ root: string, blocks: Map<string, Uint8Array> }> {
  const bs = new MemoryBlockstore()
  let root = ''
  for await (const e of importer(files.map(f => ({ path: f.name, content: f.bytes })), bs, { ...importerOptions(profile), wrapWithDirectory: true })) {
    if (e.path === '') root = e.cid.toString()
  }
  const blocks = new Map<string, Uint8Array>()
  for await (const { cid, bytes } of bs.getAll()) {
    const parts: Uint8Array[] = []
    for await (const p of bytes) parts.push(p)
    blocks.set(Buffer.from(cid.multihash.bytes).toString('base64'), Buffer.concat(parts))
  }
  return { root, blocks }
}

describe('buildSmallDir builds what ipfs-unixfs-importer builds, byte for byte', () => {
  const sizes = [1, 2, 127, 128, 1000, 65_536, 262_143, 262_144]
  for (const profile of Object.values(CID_PROFILES)) {
    for (const size of sizes) {
      it(`${profile.name}, article of ${size} bytes`, async () => {
        const files = [{ name: 'article.txt', bytes: detBytes(size, `s${size}`) }, { name: 'metadata.json', bytes: Buffer.from('{"a":1}\n') }]
        expect(fitsSmallDir(files, profile)).toBe(true)
        const fast = buildSmallDir(files, profile)
        const ref = await viaImporter(files, profile)
        expect(fast.root.toString()).toBe(ref.root)
        expect(fast.blocks).toHaveLength(ref.blocks.size)
        for (const b of fast.blocks) {
          expect(Buffer.compare(b.bytes, ref.blocks.get(Buffer.from(b.cid.multihash.bytes).toString('base64'))!)).toBe(0)
        }
      })
    }
  }

  it('falls back to the importer for files over one chunk', async () => {
    const profile = CID_PROFILES['unixfs-v0-2015']
    const files = [{ name: 'article.txt', bytes: detBytes(profile.chunkSize + 1) }, { name: 'metadata.json', bytes: Buffer.from('{}') }]
    expect(fitsSmallDir(files, profile)).toBe(false)
    const dag = await buildDirDag(files, profile)
    expect(dag.root.toString()).toBe((await viaImporter(files, profile)).root)
    expect(dag.files.map(f => f.name)).toEqual(['article.txt', 'metadata.json'])
  })
})
