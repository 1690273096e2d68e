import * as dagPb from '@ipld/dag-pb'
import { unixfs } from '@helia/unixfs'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { UnixFS } from 'ipfs-unixfs'
import { importer } from 'ipfs-unixfs-importer'
import { describe, expect, it } from 'vitest'
import { buildDirectory } from '../../../src/core/edition/directory.js'
import { buildFile } from '../../../src/core/edition/file-dag.js'
import { importerOptions } from '../../../src/core/unixfs/importer-options.js'
import { getProfile } from '../../../src/core/unixfs/profiles.js'
import { readAll } from '../../../src/core/read-all.js'
import type { CidProfileName } from '../../../src/core/unixfs/profiles.js'

/** Files named as an edition's article folders, each with a few bytes of its own. */
function entries (n: number): Array<{ path: string, content: Uint8Array }> {
  return Array.from({ length: n }, (_, i) => ({
    path: `d/2025-${String(i % 12 + 1).padStart(2, '0')}-${String(i % 28 + 1).padStart(2, '0')}-the-delegation-reviewed-item-${i}`,
    content: new TextEncoder().encode(`article ${i} `.repeat(1 + (i % 5)))
  }))
}

async function ours (files: Array<{ path: string, content: Uint8Array }>, name: CidProfileName) {
  const profile = getProfile(name)
  const linked = []
  for (const f of files) {
    const built = await buildFile(f.content, profile)
    linked.push({ name: f.path.slice(2), cid: built.cid, tsize: built.tsize })
  }
  return buildDirectory(linked, profile)
}

describe('edition folders (plain or HAMT, by the profile)', () => {
  for (const [name, n] of [['unixfs-v1-2025', 10], ['unixfs-v1-2025', 2500], ['unixfs-v1-2025', 10_000], ['unixfs-v0-2015', 10], ['unixfs-v0-2015', 4000]] as const) {
    it(`${n} entries, ${name}: the same root and blocks as ipfs-unixfs-importer`, async () => {
      const files = entries(n)
      const store = new MemoryBlockstore()
      let root
      for await (const e of importer(files, store, { ...importerOptions(getProfile(name)), wrapWithDirectory: false })) if (e.path === 'd') root = e.cid
      const built = await ours(files, name)
      expect(built.cid.toString()).toBe(root!.toString())
      for (const b of built.blocks) expect(Buffer.compare(Buffer.from(await readAll(store.get(b.cid))), Buffer.from(b.bytes))).toBe(0)
      const type = UnixFS.unmarshal(dagPb.decode(built.blocks[built.blocks.length - 1].bytes).Data!).type
      // below the threshold a plain folder, above it a HAMT (10,000 article folders are well over 256 KiB)
      expect(type).toBe(n >= 4000 ? 'hamt-sharded-directory' : 'directory')
      if (type === 'hamt-sharded-directory') for (const b of built.blocks) expect(b.bytes.byteLength).toBeLessThan(2 * 1024 * 1024)
    }, 240_000)
  }

  it('10,000 entries: the same sharded folder as @helia/unixfs builds with the profile\'s parameters', async () => {
    const files = entries(10_000)
    const profile = getProfile('unixfs-v1-2025')
    const fs = unixfs({ blockstore: new MemoryBlockstore() } as any)
    let root
    for await (const e of fs.addAll(files, { ...importerOptions(profile), wrapWithDirectory: false } as any)) if (e.path === 'd') root = e.cid
    expect((await ours(files, 'unixfs-v1-2025')).cid.toString()).toBe(root!.toString())
  }, 240_000)

  it('at the threshold: the last size that stays plain and the first that shards agree with the importer (block-bytes, strictly greater)', async () => {
    const profile = getProfile('unixfs-v1-2025')
    const content = new TextEncoder().encode('x')
    const leaf = await buildFile(content, profile)
    const names = (k: number) => Array.from({ length: k }, (_, i) => `${String(i).padStart(8, '0')}-entry-name`)
    const shards = (k: number) => buildDirectory(names(k).map(name => ({ name, cid: leaf.cid, tsize: leaf.tsize })), profile).blocks.length > 1
    let lo = 1
    let hi = 8000
    while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (shards(mid)) hi = mid; else lo = mid }
    for (const k of [lo, hi]) {
      const built = buildDirectory(names(k).map(name => ({ name, cid: leaf.cid, tsize: leaf.tsize })), profile)
      let root
      for await (const e of importer(names(k).map(n => ({ path: `d/${n}`, content })), new MemoryBlockstore(), { ...importerOptions(profile), wrapWithDirectory: false })) if (e.path === 'd') root = e.cid
      expect(built.cid.toString()).toBe(root!.toString())
    }
    expect(buildDirectory(names(lo).map(name => ({ name, cid: leaf.cid, tsize: leaf.tsize })), profile).blocks[0].bytes.byteLength).toBeLessThanOrEqual(profile.hamtThresholdBytes)
  }, 240_000)

  it('refuses two entries of one name', async () => {
    const profile = getProfile('unixfs-v1-2025')
    const leaf = await buildFile(new TextEncoder().encode('x'), profile)
    expect(() => buildDirectory([{ name: 'a', cid: leaf.cid, tsize: 1 }, { name: 'a', cid: leaf.cid, tsize: 1 }], profile)).toThrow(/two entries named "a"/)
  })
})
