import { execFileSync } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { unixfs } from '@helia/unixfs'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, ROOT, tempDir } from '../helpers/cli.js'
import { importerOptions } from '../../src/core/unixfs/importer-options.js'
import { getProfile } from '../../src/core/unixfs/profiles.js'

const GEN = join(ROOT, 'tests', 'fixtures', 'gen-articles.mjs')

describe('a 10,000-article edition', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let repo: string
  let edition: string
  beforeAll(async () => {
    tmp = await tempDir()
    repo = join(tmp.path, 'repo')
    execFileSync(process.execPath, [GEN, '--out', join(tmp.path, 'articles'), '--count', '10000', '--seed', '11'], { stdio: 'ignore' })
    expect((await cli(['--repo', repo, 'publish', join(tmp.path, 'articles'), '-q'], { timeout: 600_000 })).code).toBe(0)
    const ed = await cli(['--repo', repo, 'edition', '-q'], { timeout: 600_000 })
    expect(ed.code).toBe(0)
    edition = ed.stdout.trim()
  }, 600_000)
  afterAll(async () => { await tmp.cleanup() })

  it('articles/ is a HAMT whose every block is under 2 MiB, and equals what @helia/unixfs builds from the same bundles', async () => {
    // every block of the edition's own DAG (not the bundles), read back verified through export
    const car = join(tmp.path, 'edition.car')
    expect((await cli(['--repo', repo, 'export', edition, '-o', car], { timeout: 600_000 })).code).toBe(0)
    const { CarReader } = await import('@ipld/car')
    const reader = await CarReader.fromBytes(await readFile(car))
    let largest = 0
    let shards = 0
    for await (const block of reader.blocks()) {
      largest = Math.max(largest, block.bytes.byteLength)
      if (block.cid.code === dagPb.code) {
        const node = dagPb.decode(block.bytes)
        if (node.Data != null && UnixFS.unmarshal(node.Data).type === 'hamt-sharded-directory') shards++
      }
    }
    expect(largest).toBeLessThan(2 * 1024 * 1024)
    expect(shards).toBeGreaterThan(1)
    const root = dagPb.decode((await reader.get(CID.parse(edition)))!.bytes)
    const articles = root.Links.find(l => l.Name === 'articles')!.Hash

    // the same bundles written out, then added with @helia/unixfs and the profile's parameters
    const out = join(tmp.path, 'tree')
    expect((await cli(['--repo', repo, 'get', `${edition}/articles`, '-o', out], { timeout: 600_000 })).code).toBe(0)
    const dirs = (await readdir(out)).sort()
    expect(dirs).toHaveLength(10_000)
    const files: Array<{ path: string, content: Uint8Array }> = []
    for (const d of dirs) for (const f of (await readdir(join(out, d))).sort()) files.push({ path: `articles/${d}/${f}`, content: await readFile(join(out, d, f)) })
    const fs = unixfs({ blockstore: new MemoryBlockstore() } as any)
    let theirs: CID | undefined
    for await (const e of fs.addAll(files, { ...importerOptions(getProfile('unixfs-v1-2025')), wrapWithDirectory: false } as any)) if (e.path === 'articles') theirs = e.cid
    expect(theirs?.toString()).toBe(articles.toString())
  }, 600_000)
})
