import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { Key } from 'interface-datastore'
import { openRepo } from '../../../src/core/store/repo.js'
import { rawCid } from '../../../src/core/unixfs/hash.js'
import { encodeLocation } from '../../../src/core/store/packs.js'
import { tempDir } from '../../helpers/cli.js'
import type { Repo } from '../../../src/core/store/repo.js'

async function bytesOf (gen: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const p of gen) parts.push(p)
  return Buffer.concat(parts)
}

describe('repo store', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let repo: Repo | undefined
  beforeEach(async () => { tmp = await tempDir() })
  afterEach(async () => { await repo?.close(); repo = undefined; await tmp.cleanup() })

  it('serves pending writes before a flush and keeps them after reopening', async () => {
    repo = await openRepo(join(tmp.path, 'r'))
    const bytes = Buffer.from('block bytes')
    const cid = rawCid(bytes)
    await repo.blockstore.put(cid, bytes)
    await repo.datastore.put(new Key('/x/y'), Buffer.from('v'))
    expect(await repo.blockstore.has(cid)).toBe(true)
    expect((await bytesOf(repo.blockstore.get(cid))).toString()).toBe('block bytes')
    await repo.close()
    repo = await openRepo(join(tmp.path, 'r'))
    expect((await bytesOf(repo.blockstore.get(cid))).toString()).toBe('block bytes')
    expect(Buffer.from(await repo.datastore.get(new Key('/x/y'))).toString()).toBe('v')
    const keys = []
    for await (const { key } of repo.datastore.query({ prefix: '/x' })) keys.push(key.toString())
    expect(keys).toEqual(['/x/y'])
  })

  it('deletes are visible before and after a flush', async () => {
    repo = await openRepo(join(tmp.path, 'r'))
    const cid = rawCid(Buffer.from('gone'))
    await repo.blockstore.put(cid, Buffer.from('gone'))
    await repo.flush()
    await repo.blockstore.delete(cid)
    expect(await repo.blockstore.has(cid)).toBe(false)
    await repo.flush()
    expect(await repo.blockstore.has(cid)).toBe(false)
    await expect(bytesOf(repo.blockstore.get(cid))).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' })
  })

  it('refuses to hand out a block whose bytes do not match its CID', async () => {
    repo = await openRepo(join(tmp.path, 'r'))
    const cid = rawCid(Buffer.from('honest'))
    await repo.stores.blockstore.put(cid, Buffer.from('HONEST'))
    await expect(bytesOf(repo.blockstore.get(cid))).rejects.toMatchObject({ name: 'VerificationError', code: 'ERR_VERIFICATION_FAILED' })
  })

  it('answers identity CIDs from the CID itself', async () => {
    repo = await openRepo(join(tmp.path, 'r'))
    const cid = CID.createV1(0x55, identity.digest(Buffer.from('hello')))
    expect(await repo.blockstore.has(cid)).toBe(true)
    expect(await bytesOf(repo.blockstore.get(cid))).toEqual(Buffer.from(cid.multihash.digest))
  })

  it('one process at a time: a second open waits, then fails with "repo locked by pid N"', async () => {
    repo = await openRepo(join(tmp.path, 'r'))
    const started = Date.now()
    await expect(openRepo(join(tmp.path, 'r'), { lockTimeout: 300 })).rejects.toMatchObject({ code: 'ERR_REPO_LOCKED', message: expect.stringMatching(new RegExp(`locked by pid ${process.pid}`)) })
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
  })

  it('a waiting open gets the repo once it is released', async () => {
    repo = await openRepo(join(tmp.path, 'r'))
    const waiting = openRepo(join(tmp.path, 'r'), { lockTimeout: 5000 })
    setTimeout(() => { void repo!.close() }, 200)
    const second = await waiting
    await second.close()
  })
})

describe('root-level keys', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => { tmp = await tempDir() })
  afterEach(async () => { await tmp.cleanup() })

  it('writes and reads by key are the keys the sublevels iterate, both ways', async () => {
    const repo = await openRepo(join(tmp.path, 'r'))
    try {
      const stores = repo.stores
      // written with root-level keys, found by the sublevels' iterators
      const small = Buffer.from('small block')
      const cid = rawCid(small)
      await repo.blockstore.put(cid, small)
      await repo.datastore.put(new Key('/ipfs-publish/x/é'), Buffer.from('v'))
      await stores.flush()
      const blockKeys: Buffer[] = []
      for await (const k of stores.packed.keys()) blockKeys.push(Buffer.from(k))
      expect(blockKeys).toContainEqual(Buffer.from(cid.multihash.bytes))
      const dataKeys: string[] = []
      for await (const k of stores.data.keys()) dataKeys.push(k)
      expect(dataKeys).toContain('/ipfs-publish/x/é')
      // written through the sublevels, found by key
      const other = Buffer.from('written through the sublevel')
      const otherCid = rawCid(other)
      const [loc] = await stores.packs.append([other])
      await stores.packed.put(otherCid.multihash.bytes, encodeLocation(loc))
      await stores.data.put('/ipfs-publish/y', Buffer.from('w'))
      expect((await bytesOf(repo.blockstore.get(otherCid))).toString()).toBe('written through the sublevel')
      expect(Buffer.from(await repo.datastore.get(new Key('/ipfs-publish/y'))).toString()).toBe('w')
    } finally {
      await repo.close()
    }
  })
})

describe('pack files', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => { tmp = await tempDir() })
  afterEach(async () => { await tmp.cleanup() })

  it('gc compaction moves live blocks out of a mostly dead pack and deletes it; nothing is lost', async () => {
    const { readdir, stat } = await import('node:fs/promises')
    const path = join(tmp.path, 'r')
    let repo = await openRepo(path)
    const blocks = Array.from({ length: 100 }, (_, i) => Buffer.from(`block ${i} `.repeat(100)))
    const cids = blocks.map(b => rawCid(b))
    for (let i = 0; i < blocks.length; i++) await repo.blockstore.put(cids[i], blocks[i])
    await repo.flush()
    const packsBefore = await readdir(join(path, 'packs'))
    expect(packsBefore).toEqual(['00000001.pack'])
    const sizeBefore = (await stat(join(path, 'packs', packsBefore[0]))).size
    expect(sizeBefore).toBe(blocks.reduce((n, b) => n + b.length, 0))
    for (let i = 0; i < 60; i++) await repo.blockstore.delete(cids[i])
    const out = await repo.stores.compactPacks()
    expect(out.packs).toBe(1)
    const packsAfter = await readdir(join(path, 'packs'))
    expect(packsAfter).toEqual(['00000002.pack'])
    expect((await stat(join(path, 'packs', packsAfter[0]))).size).toBe(blocks.slice(60).reduce((n, b) => n + b.length, 0))
    await repo.close()
    repo = await openRepo(path)
    try {
      for (let i = 0; i < 100; i++) {
        expect(await repo.blockstore.has(cids[i])).toBe(i >= 60)
        if (i >= 60) expect(Buffer.compare(await bytesOf(repo.blockstore.get(cids[i])), blocks[i])).toBe(0)
      }
      // a pack still mostly live stays; a pack nothing names goes
      expect((await repo.stores.compactPacks()).packs).toBe(0)
      for (let i = 60; i < 100; i++) await repo.blockstore.delete(cids[i])
      expect((await repo.stores.compactPacks()).packs).toBe(1)
      expect(await readdir(join(path, 'packs'))).toEqual([])
      // and appends start a new pack
      await repo.blockstore.put(cids[0], blocks[0])
      await repo.flush()
      expect(Buffer.compare(await bytesOf(repo.blockstore.get(cids[0])), blocks[0])).toBe(0)
    } finally {
      await repo.close()
    }
  })

  it('bytes a killed process appended but never named are followed by later appends, and reads stay right', async () => {
    const { appendFile, readdir } = await import('node:fs/promises')
    const path = join(tmp.path, 'r')
    let repo = await openRepo(path)
    const a = Buffer.from('first block')
    await repo.blockstore.put(rawCid(a), a)
    await repo.close()
    // what a process killed between appending and committing leaves: bytes no location names
    await appendFile(join(path, 'packs', '00000001.pack'), 'torn tail of a killed process')
    repo = await openRepo(path)
    try {
      const b = Buffer.from('second block')
      await repo.blockstore.put(rawCid(b), b)
      await repo.flush()
      expect(await readdir(join(path, 'packs'))).toEqual(['00000001.pack'])
      expect((await bytesOf(repo.blockstore.get(rawCid(a)))).toString()).toBe('first block')
      expect((await bytesOf(repo.blockstore.get(rawCid(b)))).toString()).toBe('second block')
    } finally {
      await repo.close()
    }
  })
})

describe('a repo of the earlier layout', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => { tmp = await tempDir() })
  afterEach(async () => { await tmp.cleanup() })

  it('is moved to packs and one-character shards when opened, losing nothing', async () => {
    const { mkdir, readdir, writeFile } = await import('node:fs/promises')
    const { Level } = await import('level')
    const { base32 } = await import('multiformats/bases/base32')
    const path = join(tmp.path, 'r')
    // what the earlier version left: small blocks as LevelDB values, large ones in two-character shards
    const small = Array.from({ length: 50 }, (_, i) => Buffer.from(`small block ${i}`))
    const large = Buffer.alloc(200 * 1024, 7)
    const largeCid = rawCid(large)
    const largeName = base32.encode(largeCid.multihash.bytes).slice(1)
    const db = new Level<Uint8Array, Uint8Array>(join(path, 'store'), { keyEncoding: 'view', valueEncoding: 'view' })
    await db.open()
    for (const b of small) await db.sublevel<Uint8Array, Uint8Array>('b', { keyEncoding: 'view', valueEncoding: 'view' }).put(rawCid(b).multihash.bytes, b)
    await db.sublevel<Uint8Array, Uint8Array>('f', { keyEncoding: 'view', valueEncoding: 'view' }).put(largeCid.multihash.bytes, new Uint8Array(0))
    await db.close()
    await mkdir(join(path, 'blocks', largeName.slice(-3, -1)), { recursive: true })
    await writeFile(join(path, 'blocks', largeName.slice(-3, -1), largeName), large)

    const repo = await openRepo(path)
    try {
      for (const b of small) expect(Buffer.compare(await bytesOf(repo.blockstore.get(rawCid(b))), b)).toBe(0)
      expect(Buffer.compare(await bytesOf(repo.blockstore.get(largeCid)), large)).toBe(0)
      const left: unknown[] = []
      for await (const k of repo.stores.db.sublevel('b', { keyEncoding: 'view' }).keys()) left.push(k)
      expect(left).toEqual([])
      expect(await readdir(join(path, 'blocks'))).toEqual([largeName.slice(-2, -1)])
      expect(await readdir(join(path, 'packs'))).toEqual(['00000001.pack'])
    } finally {
      await repo.close()
    }
    // and once moved, opening again changes nothing
    const again = await openRepo(path)
    try {
      expect(Buffer.compare(await bytesOf(again.blockstore.get(rawCid(small[0]))), small[0])).toBe(0)
      expect(await readdir(join(path, 'packs'))).toEqual(['00000001.pack'])
    } finally {
      await again.close()
    }
  })
})
