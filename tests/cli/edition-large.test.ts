import { execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { unixfs } from '@helia/unixfs'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, ROOT, tempDir } from '../helpers/cli.js'
import { getProfile } from '../../src/core/unixfs/profiles.js'
import { editionContent } from '../helpers/edition.js'

const GEN = join(ROOT, 'tests', 'fixtures', 'gen-articles.mjs')

/**
 * ipfs-unixfs-importer (so `@helia/unixfs`'s addAll and ipfs-car) does not shard a folder whose
 * entries are folders: it estimates a folder's size before its subfolders have CIDs, counting
 * them as nothing, so 10,000 article folders become one plain block of about 900 KB. Kubo (boxo)
 * links finished subfolders and shards by the profile's rule, and so does `@helia/unixfs`'s cp:
 * that is the independent build compared here.
 */
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

    // the same entries (each article's folder name and bundle CID, from edition.json, and its page beside
    // it, a file whose CID is read from a listing of articles/ by ipfs-unixfs-exporter) linked one by one
    // into an empty folder with @helia/unixfs's cp, which shards by the profile's rule as it goes
    const blockstore = new MemoryBlockstore()
    for await (const block of reader.blocks()) await blockstore.put(block.cid, block.bytes)
    const { exporter } = await import('ipfs-unixfs-exporter')
    const ed = await editionContent(async p => {
      const parts: Uint8Array[] = []
      for await (const chunk of (await exporter(`${edition}/${p}`, blockstore)).content()) parts.push(chunk as Uint8Array)
      return Buffer.concat(parts).toString('utf8')
    })
    expect(ed.articles).toHaveLength(10_000)
    const pages = new Map<string, CID>()
    for await (const entry of (await exporter(articles, blockstore) as any).entries()) {
      if ((entry as any).name.endsWith('.html')) pages.set(`articles/${(entry as any).name}`, (entry as any).cid)
    }
    expect(pages.size).toBe(10_000)
    const fs = unixfs({ blockstore } as any)
    const profile = getProfile('unixfs-v1-2025')
    let dir = await fs.addDirectory({ cidVersion: 1 } as any)
    const sharding = { shardSplitThresholdBytes: profile.hamtThresholdBytes, shardSplitStrategy: profile.hamtSizeEstimation, shardFanoutBits: Math.log2(profile.hamtFanout) }
    for (const a of ed.articles) {
      dir = await fs.cp(CID.parse(a.cid), dir, a.path.slice('articles/'.length), sharding as any)
      dir = await fs.cp(pages.get(a.page)!, dir, a.page.slice('articles/'.length), sharding as any)
    }
    expect(dir.toString()).toBe(articles.toString())
  }, 1_200_000)
})
