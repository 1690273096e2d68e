import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { Key } from 'interface-datastore'
import { openRepo } from '../../../src/core/store/repo.js'
import { rawCid } from '../../../src/core/unixfs/hash.js'
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
      for await (const k of stores.blocks.keys()) blockKeys.push(Buffer.from(k))
      expect(blockKeys).toContainEqual(Buffer.from(cid.multihash.bytes))
      const dataKeys: string[] = []
      for await (const k of stores.data.keys()) dataKeys.push(k)
      expect(dataKeys).toContain('/ipfs-publish/x/é')
      // written through the sublevels, found by key
      const other = Buffer.from('written through the sublevel')
      const otherCid = rawCid(other)
      await stores.blocks.put(otherCid.multihash.bytes, other)
      await stores.data.put('/ipfs-publish/y', Buffer.from('w'))
      expect((await bytesOf(repo.blockstore.get(otherCid))).toString()).toBe('written through the sublevel')
      expect(Buffer.from(await repo.datastore.get(new Key('/ipfs-publish/y'))).toString()).toBe('w')
    } finally {
      await repo.close()
    }
  })
})
