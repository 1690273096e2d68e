import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BY_DATE_MARKER } from '../../../src/core/store/article-index.js'
import { collectGarbage, verifyAll } from '../../../src/core/store/maintenance.js'
import { engineOf } from '../../../src/core/store/engine-of.js'
import { isPinRoot, listPins, pinKeyOf, pinRoot, unpinRoot } from '../../../src/core/store/pins.js'
import { openRepo } from '../../../src/core/store/repo.js'
import { rawCid } from '../../../src/core/unixfs/hash.js'
import { multihashKey } from '../../../src/core/unixfs/multihash-key.js'
import { tempDir } from '../../helpers/cli.js'
import type { Repo } from '../../../src/core/store/repo.js'

/** A folder node linking two raw leaves, and the blocks of the three. */
async function smallDag (tag: string): Promise<{ root: CID, leaves: CID[], blocks: Array<[CID, Uint8Array]> }> {
  const x = Buffer.from(`${tag}: first leaf`)
  const y = Buffer.from(`${tag}: second leaf`)
  const [cx, cy] = [rawCid(x), rawCid(y)]
  const node = dagPb.encode(dagPb.prepare({ Links: [{ Hash: cx, Name: 'x', Tsize: x.length }, { Hash: cy, Name: 'y', Tsize: y.length }] }))
  const root = CID.createV1(dagPb.code, await sha256.digest(node))
  return { root, leaves: [cx, cy], blocks: [[cx, x], [cy, y], [root, node]] }
}

describe('the repo\'s pin set', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let repo: Repo | undefined
  beforeEach(async () => { tmp = await tempDir() })
  afterEach(async () => { await repo?.close(); repo = undefined; await tmp.cleanup() })

  it('one record per pinned root, none per block: a pin of a DAG missing a block is refused and writes nothing', async () => {
    repo = await openRepo(join(tmp.path, 'r'))
    const dag = await smallDag('one record')
    for (const [c, b] of dag.blocks.slice(1)) await repo.blockstore.put(c, b)
    await expect(pinRoot(repo, dag.root, {})).rejects.toMatchObject({ code: 'ERR_NOT_FOUND', message: `block ${dag.leaves[0]} is not in the store` })
    expect(await isPinRoot(repo, dag.root)).toBe(false)
    await repo.blockstore.put(...dag.blocks[0])
    expect(await pinRoot(repo, dag.root, { source: 'test' })).toBe(true)
    expect(await pinRoot(repo, dag.root, { source: 'test' })).toBe(false)
    await repo.flush()
    const keys: string[] = []
    for await (const key of repo.datastore.queryKeys({})) keys.push(key.toString())
    expect(keys.filter(k => !k.startsWith('/version') && k !== BY_DATE_MARKER)).toEqual([pinKeyOf(dag.root)])
    const pins = []
    for await (const p of listPins(repo)) pins.push({ ...p, cid: p.cid.toString() })
    expect(pins).toEqual([{ cid: dag.root.toString(), type: 'recursive', metadata: { source: 'test' } }])
  })

  it('a pin of blocks in hand walks them, with no pin record looked up for them (a new block\'s record is a page read for nothing); a pinned sub-DAG not in hand is not walked', async () => {
    repo = await openRepo(join(tmp.path, 'r'))
    const inner = await smallDag('inner')
    const folder = async (name: string): Promise<[CID, Uint8Array]> => {
      const bytes = dagPb.encode(dagPb.prepare({ Links: [{ Hash: inner.root, Name: name, Tsize: 100 }] }))
      return [CID.createV1(dagPb.code, await sha256.digest(bytes)), bytes]
    }
    const [top, outer] = await folder('inner')
    for (const [c, b] of [...inner.blocks, [top, outer] as [CID, Uint8Array]]) await repo.blockstore.put(c, b)
    const engine = engineOf(repo)
    const looked: string[] = []
    const getData = engine.getData.bind(engine)
    engine.getData = (key: string) => { looked.push(key); return getData(key) }
    try {
      // the top folder and the inner one in hand: only the root's own record is asked for
      const inHand = new Map([[multihashKey(top), outer], [multihashKey(inner.root), inner.blocks[2][1]]])
      expect(await pinRoot(repo, top, {}, { known: inHand })).toBe(true)
      expect(looked.filter(k => k === pinKeyOf(inner.root))).toEqual([])
      expect(looked.filter(k => k === pinKeyOf(top))).toHaveLength(1)
      // the inner folder pinned and not in hand: its record is read, and it is not walked
      await repo.flush()
      expect(await pinRoot(repo, inner.root, {})).toBe(true)
      const [top2, outer2] = await folder('again')
      await repo.blockstore.put(top2, outer2)
      looked.length = 0
      expect(await pinRoot(repo, top2, {}, { known: new Map([[multihashKey(top2), outer2]]) })).toBe(true)
      expect(looked).toContain(pinKeyOf(inner.root))
    } finally {
      engine.getData = getData
    }
  })

  it('gc keeps what pins reach, sweeps the rest, and refuses to sweep anything while a pinned DAG is incomplete', async () => {
    repo = await openRepo(join(tmp.path, 'r'))
    const kept = await smallDag('kept')
    const loose = await smallDag('loose')
    for (const [c, b] of [...kept.blocks, ...loose.blocks]) await repo.blockstore.put(c, b)
    await pinRoot(repo, kept.root, {})
    await repo.flush()
    // a pinned block lost (a file deleted by hand, a disk error): nothing is deleted, the message names both
    await engineOf(repo).deleteBlock(kept.leaves[1].multihash.bytes)
    await repo.flush()
    await expect(collectGarbage(repo)).rejects.toMatchObject({
      code: 'ERR_REPO',
      message: expect.stringContaining(`pinned root ${kept.root} is incomplete (block ${kept.leaves[1]} is not in the store`)
    })
    for (const [c] of loose.blocks) expect(await repo.blockstore.has(c)).toBe(true)
    // whole again: the loose DAG goes, the pinned one stays
    await repo.blockstore.put(...kept.blocks[1])
    expect(await collectGarbage(repo)).toMatchObject({ blocks: 3 })
    for (const [c] of loose.blocks) expect(await repo.blockstore.has(c)).toBe(false)
    for (const [c] of kept.blocks) expect(await repo.blockstore.has(c)).toBe(true)
    // a direct pin holds its root block alone
    await unpinRoot(repo, kept.root)
    await pinRoot(repo, kept.root, {}, { direct: true })
    expect(await collectGarbage(repo)).toMatchObject({ blocks: 2 })
    expect(await repo.blockstore.has(kept.root)).toBe(true)
  })

  it('a large block whose file is gone (its record kept) is missing: gc deletes nothing, has() says no', async () => {
    const { rm } = await import('node:fs/promises')
    const { FILE_BLOCK_BYTES } = await import('../../../src/core/store/block-files.js')
    repo = await openRepo(join(tmp.path, 'r'))
    const big = Buffer.alloc(FILE_BLOCK_BYTES + 10, 7)
    const leaf = rawCid(big)
    const node = dagPb.encode(dagPb.prepare({ Links: [{ Hash: leaf, Name: 'big', Tsize: big.length }] }))
    const root = CID.createV1(dagPb.code, await sha256.digest(node))
    const loose = await smallDag('loose')
    for (const [c, b] of [[leaf, big], [root, node], ...loose.blocks] as Array<[CID, Uint8Array]>) await repo.blockstore.put(c, b)
    await pinRoot(repo, root, {})
    await repo.flush()
    expect(await repo.blockstore.has(leaf)).toBe(true)
    await rm(engineOf(repo).blockFiles.path(leaf.multihash.bytes))
    expect(await repo.blockstore.has(leaf)).toBe(false)
    await expect(collectGarbage(repo)).rejects.toMatchObject({
      code: 'ERR_REPO',
      message: expect.stringContaining(`pinned root ${root} is incomplete (block ${leaf} is not in the store`)
    })
    for (const [c] of loose.blocks) expect(await repo.blockstore.has(c)).toBe(true)
  })

  it('gc lists the store from its keys: it copies no byte of the blocks it keeps, and reports the bytes it frees', async () => {
    repo = await openRepo(join(tmp.path, 'r'))
    // a pinned folder whose leaf is 100 KB (raw: looked up by the mark, never read), and a loose DAG
    const leaf = Buffer.alloc(100_000, 7)
    const leafCid = rawCid(leaf)
    const node = dagPb.encode(dagPb.prepare({ Links: [{ Hash: leafCid, Name: 'big', Tsize: leaf.length }] }))
    const root = CID.createV1(dagPb.code, await sha256.digest(node))
    await repo.blockstore.put(leafCid, leaf)
    await repo.blockstore.put(root, node)
    await pinRoot(repo, root, {})
    const loose = await smallDag('loose')
    for (const [c, b] of loose.blocks) await repo.blockstore.put(c, b)
    await repo.flush()
    // every value the store hands out while gc runs, counted
    const blocks = engineOf(repo).blocks as any
    let copied = 0
    const count = (v: any): any => { if (v != null && typeof v.byteLength === 'number') copied += v.byteLength; return v }
    const { get, getRange } = blocks
    blocks.get = function (...a: any[]) { return count(get.apply(this, a)) }
    blocks.getRange = function (...a: any[]) {
      const range = getRange.apply(this, a)
      return (function * () { for (const e of range) { count(e.value); yield e } })()
    }
    try {
      const freed = await collectGarbage(repo)
      expect(freed).toEqual({ blocks: 3, bytes: loose.blocks.reduce((n, [, b]) => n + b.byteLength, 0) })
    } finally {
      blocks.get = get
      blocks.getRange = getRange
    }
    // the folder node is read to find its links; the 100 KB leaf is not copied
    expect(copied).toBeLessThan(leaf.length)
    expect(await repo.blockstore.has(leafCid)).toBe(true)
  })

  it('verify --all hashes every small block where it lies (no copy of each), and still finds a corrupt one', async () => {
    repo = await openRepo(join(tmp.path, 'r'))
    const leaf = Buffer.alloc(100_000, 9)
    const leafCid = rawCid(leaf)
    await repo.blockstore.put(leafCid, leaf)
    const dag = await smallDag('verified')
    for (const [c, b] of dag.blocks) await repo.blockstore.put(c, b)
    await pinRoot(repo, dag.root, {})
    await repo.flush()
    const blocks = engineOf(repo).blocks as any
    let copied = 0
    const count = (v: any): any => { if (v != null && typeof v.byteLength === 'number') copied += v.byteLength; return v }
    const { get, getRange } = blocks
    blocks.get = function (...a: any[]) { return count(get.apply(this, a)) }
    blocks.getRange = function (...a: any[]) {
      const range = getRange.apply(this, a)
      return (function * () { for (const e of range) { count(e.value); yield e } })()
    }
    try {
      const report = await verifyAll(repo)
      expect(report).toMatchObject({ blocks: 4, bytes: leaf.length + dag.blocks.reduce((n, [, b]) => n + b.byteLength, 0), corrupt: [], broken: [] })
    } finally {
      blocks.get = get
      blocks.getRange = getRange
    }
    expect(copied).toBeLessThan(leaf.length)
    // a leaf's bytes changed in place: found, and the pin that reaches it named
    const bad = Buffer.from(dag.blocks[0][1])
    bad[0] ^= 1
    await engineOf(repo).blocks.put(Buffer.from(dag.leaves[0].multihash.bytes), bad)
    const report = await verifyAll(repo)
    expect(report.corrupt).toEqual([{ multihash: Buffer.from(dag.leaves[0].multihash.bytes).toString('hex') }])
    expect(report.broken).toEqual([{ root: dag.root.toString(), block: dag.leaves[0].toString(), reason: 'corrupt' }])
  })
})

describe('the repo\'s Helia node answers from the pin set', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  const open: Repo[] = []
  beforeEach(async () => { tmp = await tempDir() })
  afterEach(async () => { for (const r of open.splice(0)) await r.close(); await tmp.cleanup() })

  it('helia.pins: add, ls, get, isPinned (blocks inside a pinned DAG too), setMetadata, rm', async () => {
    const repo = await openRepo(join(tmp.path, 'r'))
    open.push(repo)
    const a = await smallDag('a')
    const b = await smallDag('b')
    for (const [c, bytes] of [...a.blocks, ...b.blocks]) await repo.blockstore.put(c, bytes)
    await pinRoot(repo, a.root, { source: 'commands' })
    for await (const _ of repo.helia.pins.add(b.root, { metadata: { by: 'library' } })) {}
    await expect((async () => { for await (const _ of repo.helia.pins.add(b.root)) {} })()).rejects.toMatchObject({ name: 'AlreadyPinnedError' })
    const listed = []
    for await (const p of repo.helia.pins.ls()) listed.push([p.cid.toString(), p.depth, p.metadata])
    expect(listed.sort()).toEqual([[a.root.toString(), Infinity, { source: 'commands' }], [b.root.toString(), Infinity, { by: 'library' }]].sort())
    expect(await isPinRoot(repo, b.root)).toBe(true)
    expect((await repo.helia.pins.get(a.root)).metadata).toEqual({ source: 'commands' })
    expect(await repo.helia.pins.isPinned(a.leaves[0])).toBe(true)
    expect(await repo.helia.pins.isPinned(rawCid(Buffer.from('not here')))).toBe(false)
    await repo.helia.pins.setMetadata(a.root, { source: 'changed' })
    expect((await repo.helia.pins.get(a.root)).metadata).toEqual({ source: 'changed' })
    for await (const _ of repo.helia.pins.rm(a.root)) {}
    expect(await isPinRoot(repo, a.root)).toBe(false)
    await expect(repo.helia.pins.get(a.root)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' })
  })

  it('helia.gc is the repo\'s gc: it waits for another writer (which may be between storing blocks and pinning them) and deletes nothing pinned', async () => {
    const path = join(tmp.path, 'r')
    const writer = await openRepo(path)
    open.push(writer)
    const collector = await openRepo(path)
    open.push(collector)
    // the writer has stored a DAG and not pinned it yet (as publish and import do, then pin in the same commit or the next)
    const dag = await smallDag('in flight')
    for (const [c, b] of dag.blocks) await writer.blockstore.put(c, b)
    await writer.flush()
    let done = false
    const gc = collector.helia.gc({ signal: AbortSignal.timeout(60_000) }).finally(() => { done = true })
    gc.catch(() => {})
    // Helia's own gc ran at once and deleted the unpinned blocks here
    await new Promise(resolve => setTimeout(resolve, 500))
    expect(done).toBe(false)
    for (const [c] of dag.blocks) expect(await writer.blockstore.has(c)).toBe(true)
    await pinRoot(writer, dag.root, {})
    await writer.close()
    await gc
    for (const [c] of dag.blocks) expect(await collector.blockstore.has(c)).toBe(true)
    // and the pins of the library's Helia are the repo's: a block only Helia's API pinned stays too
    const other = await smallDag('library')
    for (const [c, b] of other.blocks) await collector.blockstore.put(c, b)
    for await (const _ of collector.helia.pins.add(other.root)) {}
    const loose = Buffer.from('nobody pins this')
    await collector.blockstore.put(rawCid(loose), loose)
    await collector.flush()
    const deleted: string[] = []
    await collector.helia.gc({ onProgress: (evt: any) => { if (evt.type === 'helia:gc:deleted') deleted.push(Buffer.from(evt.detail.multihash.bytes).toString('hex')) } })
    expect(deleted).toEqual([Buffer.from(rawCid(loose).multihash.bytes).toString('hex')])
    for (const [c] of [...dag.blocks, ...other.blocks]) expect(await collector.blockstore.has(c)).toBe(true)
  })
})
