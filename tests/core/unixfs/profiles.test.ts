import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core'
import { importer } from 'ipfs-unixfs-importer'
import { UnixFS } from 'ipfs-unixfs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addPath } from '../../../src/core/add.js'
import { CID_PROFILES, getProfile } from '../../../src/core/unixfs/profiles.js'
import { importerOptions } from '../../../src/core/unixfs/importer-options.js'
import { tempDir } from '../../helpers/cli.js'
import { writeManyFiles } from '../../helpers/fixtures.js'

// Golden values from Kubo's test/cli/add_test.go and cid_profiles tests (IPIP-499)
describe('CID profiles', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { tmp = await tempDir() })
  afterAll(async () => { await tmp.cleanup() })

  it('gives Kubo\'s CIDs for "hello world"', async () => {
    const file = join(tmp.path, 'hello.txt')
    await writeFile(file, 'hello world')
    expect((await addPath(file, undefined, { onlyHash: true, cidProfile: 'unixfs-v1-2025' })).cid.toString()).toBe('bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e')
    expect((await addPath(file, undefined, { onlyHash: true, cidProfile: 'unixfs-v0-2015' })).cid.toString()).toBe('Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD')
  })

  it('rejects an unknown profile with a usage error', () => {
    expect(() => getProfile('unixfs-v2')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }))
  })

  it('passes every parameter explicitly, so @helia/unixfs defaults cannot override the profile', () => {
    const o = importerOptions(CID_PROFILES['unixfs-v0-2015'])
    expect(o).toMatchObject({ cidVersion: 0, rawLeaves: false, shardSplitThresholdBytes: 262_144, shardSplitStrategy: 'links-bytes', shardFanoutBits: 8 })
    expect(o.chunker).toBeTypeOf('function')
    expect(o.layout).toBeTypeOf('function')
    expect(importerOptions(CID_PROFILES['unixfs-v1-2025'])).toMatchObject({ cidVersion: 1, rawLeaves: true, shardSplitStrategy: 'block-bytes' })
  })

  it('chunks at 1 MiB / 256 KiB and fills 1024 / 174 links per node', async () => {
    for (const [name, chunk, links] of [['unixfs-v1-2025', 1_048_576, 1024], ['unixfs-v0-2015', 262_144, 174]] as const) {
      const bs = new MemoryBlockstore()
      // links+1 chunks: the balanced layout must add a level with 2 links at the root
      const size = chunk * (links + 1)
      const content = (function * () { const block = new Uint8Array(chunk); for (let i = 0; i <= links; i++) { block[0] = i & 0xff; block[1] = i >> 8; yield block } })()
      let root
      for await (const e of importer([{ content }], bs, importerOptions(getProfile(name)))) root = e.cid
      const parts: Uint8Array[] = []
      for await (const p of bs.get(root!)) parts.push(p)
      const node = dagPb.decode(Buffer.concat(parts))
      expect(node.Links).toHaveLength(2)
      const first = dagPb.decode(Buffer.concat(await (async () => { const a = []; for await (const p of bs.get(node.Links[0].Hash)) a.push(p); return a })()))
      expect(first.Links).toHaveLength(links)
      // the root says the whole size; every leaf holds exactly one chunk
      expect(UnixFS.unmarshal(node.Data!).fileSize()).toBe(BigInt(size))
      const leaf = Buffer.concat(await (async () => { const a = []; for await (const p of bs.get(first.Links[0].Hash)) a.push(p); return a })())
      const leafBytes = first.Links[0].Hash.code === 0x55 ? leaf.byteLength : Number(UnixFS.unmarshal(dagPb.decode(leaf).Data!).fileSize())
      expect(leafBytes).toBe(chunk)
    }
  }, 240_000)

  // Kubo: "at UnixFSHAMTDirectorySizeThreshold=256KiB" uses > not >=
  for (const [profile, atThreshold, nameLen] of [['unixfs-v1-2025', 4766, 11], ['unixfs-v0-2015', 4096, 30]] as const) {
    it(`${profile}: a folder exactly at the HAMT threshold stays flat, one more entry shards`, async () => {
      const flatDir = join(tmp.path, `${profile}-flat`)
      const overDir = join(tmp.path, `${profile}-over`)
      await writeManyFiles(flatDir, atThreshold, nameLen)
      await writeManyFiles(overDir, atThreshold + 1, nameLen)
      for (const [dir, expectFlat] of [[flatDir, true], [overDir, false]] as const) {
        const bs = new MemoryBlockstore()
        const repo = { blockstore: bs, flush: async () => {} } as any
        const { cid } = await addPath(dir, repo, { cidProfile: profile, pin: false })
        const parts: Uint8Array[] = []
        for await (const p of bs.get(cid)) parts.push(p)
        const node = dagPb.decode(Buffer.concat(parts))
        if (expectFlat) expect(node.Links).toHaveLength(atThreshold)
        else expect(node.Links.length).toBeLessThanOrEqual(256)
      }
    }, 240_000)
  }
})
