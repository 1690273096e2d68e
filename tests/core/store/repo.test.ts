import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { Key } from 'interface-datastore'
import { openRepo } from '../../../src/core/store/repo.js'
import { engineOf } from '../../../src/core/store/engine-of.js'
import { rawCid } from '../../../src/core/unixfs/hash.js'
import { BIN, cli, ROOT, tempDir } from '../../helpers/cli.js'
import { track } from '../../helpers/processes.js'
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

  it('refuses to hand out a block whose bytes do not match its CID, and records it as damaged', async () => {
    repo = await openRepo(join(tmp.path, 'r'))
    const cid = rawCid(Buffer.from('honest'))
    const engine = engineOf(repo)
    await engine.putBlock(cid.multihash.bytes, Buffer.from('HONEST'))
    await expect(bytesOf(repo.blockstore.get(cid))).rejects.toMatchObject({ name: 'VerificationError', code: 'ERR_VERIFICATION_FAILED' })
    expect(engine.damagedCount()).toBe(1)
    // the good bytes replace it and clear the record
    await repo.blockstore.put(cid, Buffer.from('honest'))
    await repo.flush()
    expect((await bytesOf(repo.blockstore.get(cid))).toString()).toBe('honest')
    expect(engine.damagedCount()).toBe(0)
  })

  it('answers identity CIDs from the CID itself', async () => {
    repo = await openRepo(join(tmp.path, 'r'))
    const cid = CID.createV1(0x55, identity.digest(Buffer.from('hello')))
    expect(await repo.blockstore.has(cid)).toBe(true)
    expect(await bytesOf(repo.blockstore.get(cid))).toEqual(Buffer.from(cid.multihash.digest))
  })

  it('two opens at once both read and write, and each sees the other\'s commits', async () => {
    repo = await openRepo(join(tmp.path, 'r'))
    const second = await openRepo(join(tmp.path, 'r'))
    try {
      const a = Buffer.from('from the first')
      const b = Buffer.from('from the second')
      await repo.blockstore.put(rawCid(a), a)
      await second.blockstore.put(rawCid(b), b)
      await Promise.all([repo.flush(), second.flush()])
      await new Promise(resolve => setTimeout(resolve, 5)) // a reader sees new commits from its next turn on
      expect((await bytesOf(second.blockstore.get(rawCid(a)))).toString()).toBe('from the first')
      expect((await bytesOf(repo.blockstore.get(rawCid(b)))).toString()).toBe('from the second')
      expect(repo.generation()).toBe(second.generation())
    } finally {
      await second.close()
    }
  })

  it('a large block deleted while its deletion commits, then put again, is kept whole', async () => {
    repo = await openRepo(join(tmp.path, 'r'))
    const big = Buffer.alloc(300 * 1024, 9)
    const cid = rawCid(big)
    await repo.blockstore.put(cid, big)
    await repo.flush()
    await repo.blockstore.delete(cid)
    const deleting = repo.flush() // the deletion commits...
    await repo.blockstore.put(cid, big) // ...while the block is put again
    await deleting
    await repo.flush()
    expect(await repo.blockstore.has(cid)).toBe(true)
    expect(Buffer.compare(await bytesOf(repo.blockstore.get(cid)), big)).toBe(0)
    await repo.close()
    repo = await openRepo(join(tmp.path, 'r'))
    expect(Buffer.compare(await bytesOf(repo.blockstore.get(cid)), big)).toBe(0)
  })

  it('two flushes at once while a large block is being written: neither resolves before the commit holding the writes', async () => {
    repo = await openRepo(join(tmp.path, 'r'))
    const big = Buffer.alloc(300 * 1024, 5)
    const small = Buffer.from('small one')
    const putting = repo.blockstore.put(rawCid(big), big)
    await repo.blockstore.put(rawCid(small), small)
    const order: string[] = []
    const engine = engineOf(repo)
    const a = repo.flush().then(() => { order.push(`a:${engine.idle}`) })
    const b = repo.flush().then(() => { order.push(`b:${engine.idle}`) })
    await Promise.all([a, b, putting])
    expect(order).toEqual(['a:true', 'b:true'])
    await repo.close()
    repo = await openRepo(join(tmp.path, 'r'))
    expect(Buffer.compare(await bytesOf(repo.blockstore.get(rawCid(big))), big)).toBe(0)
    expect((await bytesOf(repo.blockstore.get(rawCid(small)))).toString()).toBe('small one')
  })

  it('a read-only open of a folder with no repo fails and creates nothing', async () => {
    await expect(openRepo(join(tmp.path, 'none'), { access: 'read' })).rejects.toMatchObject({ code: 'ERR_REPO', message: expect.stringMatching(/no repo at/) })
    expect(existsSync(join(tmp.path, 'none'))).toBe(false)
  })
})

describe('a damaged repo is never replaced', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => { tmp = await tempDir() })
  afterEach(async () => { await tmp.cleanup() })

  async function made (): Promise<string> {
    const path = join(tmp.path, 'r')
    const repo = await openRepo(path)
    const big = Buffer.alloc(200 * 1024, 3)
    await repo.blockstore.put(rawCid(big), big)
    await repo.blockstore.put(rawCid(Buffer.from('small')), Buffer.from('small'))
    await repo.close()
    return path
  }

  async function listing (path: string): Promise<string[]> {
    const out: string[] = []
    for (const name of await readdir(path, { recursive: true })) out.push(String(name))
    return out.sort()
  }

  const damages: Array<[string, (path: string) => Promise<void>, RegExp]> = [
    ['lmdb/data.mdb deleted', async p => rm(join(p, 'lmdb', 'data.mdb')), /data\.mdb is missing/],
    ['lmdb/data.mdb cut short', async p => writeFile(join(p, 'lmdb', 'data.mdb'), (await readFile(join(p, 'lmdb', 'data.mdb'))).subarray(0, 100)), /data\.mdb (cannot be|is cut short|has no valid meta page)/],
    ['lmdb/data.mdb cut before its last commit\'s root page', async p => {
      const b = await readFile(join(p, 'lmdb', 'data.mdb'))
      const metas = [b.subarray(0, 4096), b.subarray(4096, 8192)]
      const newest = metas.reduce((x, y) => y.readBigUInt64LE(0x98) > x.readBigUInt64LE(0x98) ? y : x)
      await writeFile(join(p, 'lmdb', 'data.mdb'), b.subarray(0, Number(newest.readBigUInt64LE(0x88)) * 4096))
    }, /data\.mdb is cut short/],
    ['lmdb/data.mdb header zeroed', async p => { const b = await readFile(join(p, 'lmdb', 'data.mdb')); b.fill(0, 0, 8192); await writeFile(join(p, 'lmdb', 'data.mdb'), b) }, /data\.mdb (cannot be|is cut short|has no valid meta page)/],
    ['lmdb/lock.mdb deleted', async p => rm(join(p, 'lmdb', 'lock.mdb')), /lock\.mdb is missing/],
    ['repo.json deleted', async p => rm(join(p, 'repo.json')), /repo\.json is missing/],
    ['repo.json garbled', async p => writeFile(join(p, 'repo.json'), '{"fo'), /repo\.json is not a repo marker/]
  ]
  for (const [what, damage, message] of damages) {
    it(`${what}: every open refuses with a message naming it, and nothing is changed`, async () => {
      const path = await made()
      await damage(path)
      const before = await listing(path)
      for (const access of ['read', 'write'] as const) {
        await expect(openRepo(path, { access })).rejects.toMatchObject({ code: 'ERR_REPO', message: expect.stringMatching(message) })
      }
      expect(await listing(path)).toEqual(before)
    })
  }
})

/** A new repo at `path` holding one raw block of `text`, closed. */
async function repoHolding (path: string, text: string): Promise<string> {
  const repo = await openRepo(path)
  await repo.blockstore.put(rawCid(Buffer.from(text)), Buffer.from(text))
  await repo.close()
  return path
}

describe('a data file shorter than its last page number', () => {
  it('opens and works: LMDB leaves the pages a large commit allocated and freed again unwritten at the end of the file', async () => {
    const tmp = await tempDir()
    try {
      const path = await repoHolding(join(tmp.path, 'r'), 'kept')
      // the state a 100,000-article edition left: the newest meta names 32 pages past the file's end
      const file = join(path, 'lmdb', 'data.mdb')
      const b = await readFile(file)
      const at = b.readBigUInt64LE(0x98) > b.readBigUInt64LE(4096 + 0x98) ? 0 : 4096
      b.writeBigUInt64LE(BigInt(b.length / 4096) + 31n, at + 0x90)
      await writeFile(file, b)
      let repo = await openRepo(path)
      expect((await bytesOf(repo.blockstore.get(rawCid(Buffer.from('kept'))))).toString()).toBe('kept')
      await repo.blockstore.put(rawCid(Buffer.from('more')), Buffer.from('more'))
      await repo.close()
      repo = await openRepo(path, { access: 'read' })
      expect((await bytesOf(repo.blockstore.get(rawCid(Buffer.from('more'))))).toString()).toBe('more')
      await repo.close()
    } finally {
      await tmp.cleanup()
    }
  })
})

describe('the lock file', () => {
  it('an overwritten lock.mdb is made anew by LMDB when no process has the repo open: the content is intact', async () => {
    const tmp = await tempDir()
    try {
      const path = await repoHolding(join(tmp.path, 'r'), 'kept')
      await writeFile(join(path, 'lmdb', 'lock.mdb'), Buffer.alloc(8192, 0xab))
      const repo = await openRepo(path, { access: 'read' })
      expect((await bytesOf(repo.blockstore.get(rawCid(Buffer.from('kept'))))).toString()).toBe('kept')
      await repo.close()
    } finally {
      await tmp.cleanup()
    }
  })
})

describe('a repo written by the previous release (LevelDB and pack files)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => { tmp = await tempDir() })
  afterEach(async () => { await tmp.cleanup() })

  it('is moved to the new store when first opened, losing nothing', async () => {
    const path = join(tmp.path, 'r')
    await cp(join(ROOT, 'tests', 'fixtures', 'repo-v2'), path, { recursive: true })
    const expected = JSON.parse(await readFile(join(path, 'expected.json'), 'utf8'))
    const { verify, ls } = await import('../../../src/index.js')
    const repo = await openRepo(path)
    try {
      for (const a of expected.articles) {
        const report = await verify(CID.parse(a.cid), repo.blockstore)
        expect(report.bundle).toBe(true)
        expect(report.blocks).toBeGreaterThanOrEqual(3)
      }
      const listed = (await ls(repo)).map(r => r.cid)
      expect(listed.sort()).toEqual(expected.articles.map((a: any) => a.cid).sort())
      expect((await bytesOf(repo.blockstore.get(CID.parse(expected.added.cid)))).length).toBeGreaterThan(0)
      const pins = []
      for await (const p of repo.helia.pins.ls()) pins.push(p.cid.toString())
      expect(pins.length).toBe(expected.articles.length + 1)
    } finally {
      await repo.close()
    }
    expect(existsSync(join(path, 'store'))).toBe(false)
    expect(existsSync(join(path, 'packs'))).toBe(false)
    // moved to LMDB (layout 3), then its pins to the repo's pin set (layout 4)
    expect(JSON.parse(await readFile(join(path, 'repo.json'), 'utf8'))).toMatchObject({ version: 4 })
  })

  it('a process that waited for the lock while another moved the repo opens the new store: it never moves the repo again', async () => {
    const fixture = join(ROOT, 'tests', 'fixtures', 'repo-v2')
    const expected = JSON.parse(await readFile(join(fixture, 'expected.json'), 'utf8'))
    const path = join(tmp.path, 'r')
    await cp(fixture, path, { recursive: true })
    // what the first process makes: the repo moved (elsewhere here), then written to (a file added after the move)
    const moved = join(tmp.path, 'moved')
    await cp(fixture, moved, { recursive: true })
    await writeFile(join(tmp.path, 'later.txt'), 'added after the move')
    const added = await cli(['--repo', moved, 'add', '-q', join(tmp.path, 'later.txt')])
    expect(added.code).toBe(0)
    // the first process holds LevelDB's lock
    const holder = track(spawn(process.execPath, [join(ROOT, 'tests', 'fixtures', 'hold-leveldb-lock.mjs'), join(path, 'store')], { stdio: ['pipe', 'pipe', 'inherit'] }))
    const holderOut: string[] = []
    holder.stdout.setEncoding('utf8').on('data', (d: string) => holderOut.push(d))
    while (!holderOut.join('').includes('locked')) await once(holder.stdout, 'data')
    // a second process opens the repo and waits for the lock
    const waiter = track(spawn(process.execPath, [BIN, '--repo', path, 'pin', 'ls'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, IPFS_PUBLISH_REPO: '' } }))
    const out: string[] = []
    const err: string[] = []
    waiter.stdout.setEncoding('utf8').on('data', (d: string) => out.push(d))
    waiter.stderr.setEncoding('utf8').on('data', (d: string) => err.push(d))
    let gone = false
    const exited = once(waiter, 'exit').finally(() => { gone = true })
    while (!err.join('').includes('waiting for another process that is moving the repo')) {
      if (gone) throw new Error(`the second process did not wait for the lock: ${err.join('')}`)
      await Promise.race([once(waiter.stderr, 'data'), exited])
    }
    // the first process's move is done: its store and marker are in place, and it deletes the old
    // files (the old code gave the lock up before deleting them: the waiter could take it in between)
    for (const name of ['lmdb', 'blocks', 'repo.json']) await cp(join(moved, name), join(path, name), { recursive: true, force: true })
    holder.stdin.end()
    await once(holder, 'exit')
    const [code] = await exited
    expect(err.join('')).not.toMatch(/error/)
    expect(code).toBe(0)
    // the store the first process made is the one open, with what was written to it after the move
    const pins = out.join('').trim().split('\n').map(line => line.split(' ')[0]).sort()
    expect(pins).toEqual([...expected.articles.map((a: any) => a.cid), expected.added.cid, added.stdout.trim()].sort())
    expect(existsSync(join(path, 'store'))).toBe(false)
    expect(existsSync(join(path, 'packs'))).toBe(false)
  })

  it('two processes opening a repo of the earlier layout at once: one moves it, the other opens what it made, nothing is lost', async () => {
    const fixture = join(ROOT, 'tests', 'fixtures', 'repo-v2')
    const expected = JSON.parse(await readFile(join(fixture, 'expected.json'), 'utf8'))
    const all = [...expected.articles.map((a: any) => a.cid), expected.added.cid].sort()
    const path = join(tmp.path, 'r')
    await cp(fixture, path, { recursive: true })
    const results = await Promise.all([cli(['--repo', path, 'pin', 'ls', '-q']), cli(['--repo', path, 'pin', 'ls', '-q'])])
    for (const r of results) {
      expect(r.stderr).not.toMatch(/error/)
      expect(r.code).toBe(0)
      expect(r.stdout.trim().split('\n').sort()).toEqual(all)
    }
    const again = await cli(['--repo', path, 'pin', 'ls', '-q'])
    expect(again.stdout.trim().split('\n').sort()).toEqual(all)
    expect(existsSync(join(path, 'store'))).toBe(false)
    expect(existsSync(join(path, 'packs'))).toBe(false)
  })

  it('a pack file missing during a move is an error, not a block skipped: the old store stays as it was', async () => {
    const path = join(tmp.path, 'r')
    await cp(join(ROOT, 'tests', 'fixtures', 'repo-v2'), path, { recursive: true })
    await rm(join(path, 'packs', '00000001.pack'))
    await expect(openRepo(path)).rejects.toMatchObject({ code: 'ERR_REPO', message: expect.stringMatching(/cannot move the repo .*packs\/00000001\.pack cannot be read \(ENOENT\).* the old store is untouched/) })
    expect(existsSync(join(path, 'repo.json'))).toBe(false)
    expect(existsSync(join(path, 'store', 'CURRENT'))).toBe(true)
  })

  it('a move that cannot finish says so and leaves the old store usable: once the cause is gone, the move completes', async () => {
    const path = join(tmp.path, 'r')
    const fixture = join(ROOT, 'tests', 'fixtures', 'repo-v2')
    await cp(fixture, path, { recursive: true })
    // a pack file that cannot be read (a folder where the file should be)
    const { mkdir } = await import('node:fs/promises')
    await rm(join(path, 'packs', '00000001.pack'))
    await mkdir(join(path, 'packs', '00000001.pack'))
    await expect(openRepo(path)).rejects.toMatchObject({ code: 'ERR_REPO', message: expect.stringMatching(/cannot move the repo .*EISDIR.* the old store is untouched/) })
    expect(existsSync(join(path, 'repo.json'))).toBe(false)
    expect(existsSync(join(path, 'store', 'CURRENT'))).toBe(true)
    await expect(openRepo(path, { access: 'read' })).rejects.toMatchObject({ code: 'ERR_REPO' })
    await rm(join(path, 'packs', '00000001.pack'), { recursive: true })
    await cp(join(fixture, 'packs', '00000001.pack'), join(path, 'packs', '00000001.pack'))
    const { ls } = await import('../../../src/index.js')
    const repo = await openRepo(path)
    try {
      const expected = JSON.parse(await readFile(join(path, 'expected.json'), 'utf8'))
      expect((await ls(repo)).map(r => r.cid).sort()).toEqual(expected.articles.map((a: any) => a.cid).sort())
    } finally {
      await repo.close()
    }
  })

  it('a repo of the first layout (small blocks as LevelDB values, two-character shards) is moved too', async () => {
    const { mkdir } = await import('node:fs/promises')
    const { Level } = await import('level')
    const { base32 } = await import('multiformats/bases/base32')
    const path = join(tmp.path, 'r')
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
      expect(await readdir(join(path, 'blocks'))).toEqual([largeName.slice(-2, -1)])
    } finally {
      await repo.close()
    }
  })
})

describe('a repo written by the release before the repo\'s own pin set (layout 3: Helia\'s pin records)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => { tmp = await tempDir() })
  afterEach(async () => { await tmp.cleanup() })
  const fixture = join(ROOT, 'tests', 'fixtures', 'repo-v3')

  /** Every datastore key of a repo, read with the store closed. */
  async function dataKeys (path: string): Promise<string[]> {
    const repo = await openRepo(path, { access: 'read' })
    try {
      return [...engineOf(repo).dataRange(undefined, true)].map(e => e.key)
    } finally {
      await repo.close()
    }
  }

  it('moves to layout 4 when first opened: pins (with their metadata), the edition, the name and the article index are kept; gc deletes nothing; verify --all passes', async () => {
    const path = join(tmp.path, 'r')
    await cp(fixture, path, { recursive: true })
    const expected = JSON.parse(await readFile(join(path, 'expected.json'), 'utf8'))
    const pins = await cli(['--repo', path, 'pin', 'ls', '--json'])
    expect(pins.stderr).toBe('')
    expect(pins.code).toBe(0)
    const listed = Object.fromEntries(pins.stdout.trim().split('\n').map(l => JSON.parse(l)).map((p: any) => [p.cid, { type: p.type, metadata: p.metadata }]))
    expect(listed).toEqual(Object.fromEntries(Object.entries(expected.pins).map(([cid, metadata]) => [cid, { type: 'recursive', metadata }])))
    expect(JSON.parse(await readFile(join(path, 'repo.json'), 'utf8'))).toMatchObject({ format: 'ipfs-publish-repo', version: 4 })
    // none of Helia's records is left
    expect((await dataKeys(path)).filter(k => k.startsWith('/pin/') || k.startsWith('/pinned-block/'))).toEqual([])
    const ls = await cli(['--repo', path, 'ls', '--json'])
    expect(ls.stdout.trim().split('\n').map(l => JSON.parse(l).cid).sort()).toEqual([...expected.articles].sort())
    expect((await cli(['--repo', path, 'name', 'resolve', expected.name])).stdout).toContain(`/ipfs/${expected.edition}`)
    // the latest edition is known still (the edition the next one replaces), and pinned
    const { readLatest } = await import('../../../src/core/edition/build-edition.js')
    const repo = await openRepo(path, { access: 'read' })
    try {
      expect((await readLatest(repo))?.cid).toBe(expected.edition)
    } finally {
      await repo.close()
    }
    expect(JSON.parse((await cli(['--repo', path, 'gc', '--json'])).stdout)).toEqual({ blocks: 0, bytes: 0 })
    expect(JSON.parse((await cli(['--repo', path, 'stat', '--json'])).stdout)).toMatchObject({ blocks: expected.blocks, pins: 4, articles: 2 })
    const verify = await cli(['--repo', path, 'verify', '--all'])
    expect(verify.code).toBe(0)
    expect((await cli(['--repo', path, 'cat', `${expected.note}`])).stdout).toBe('a note added by hand\n')
  }, 120_000)

  it('two processes opening it at once: one moves it, the other opens what it made; nothing is lost', async () => {
    const path = join(tmp.path, 'r')
    await cp(fixture, path, { recursive: true })
    const expected = JSON.parse(await readFile(join(path, 'expected.json'), 'utf8'))
    const results = await Promise.all([cli(['--repo', path, 'pin', 'ls', '-q']), cli(['--repo', path, 'pin', 'ls', '-q']), cli(['--repo', path, 'stat', '--json'])])
    for (const r of results) {
      expect(r.stderr).not.toMatch(/error/)
      expect(r.code).toBe(0)
    }
    for (const r of results.slice(0, 2)) expect(r.stdout.trim().split('\n').sort()).toEqual(Object.keys(expected.pins).sort())
    expect(JSON.parse(results[2].stdout)).toMatchObject({ pins: 4, blocks: expected.blocks })
  }, 120_000)

  it('a process of the earlier release writing to it (its writer lease held): the move waits until it is done', async () => {
    const path = join(tmp.path, 'r')
    await cp(fixture, path, { recursive: true })
    const { acquireWriterLease } = await import('../../../src/core/store/leases.js')
    const release = await acquireWriterLease(join(path, 'locks'))
    const told: string[] = []
    let opened = false
    const opening = openRepo(path, { onWait: m => told.push(m) }).then(r => { opened = true; return r })
    opening.catch(() => {})
    await new Promise(resolve => setTimeout(resolve, 500))
    expect(opened).toBe(false)
    expect(JSON.parse(await readFile(join(path, 'repo.json'), 'utf8'))).toMatchObject({ version: 3 })
    await release()
    const repo = await opening
    try {
      expect(told.length).toBeGreaterThan(0)
      const pins = []
      for await (const p of repo.helia.pins.ls()) pins.push(p.cid.toString())
      expect(pins.length).toBe(4)
    } finally {
      await repo.close()
    }
  }, 60_000)

  it('a release that reads layout 4 at most refuses a newer layout with a clear error (as the earlier release refuses layout 4), changing nothing', async () => {
    const path = join(tmp.path, 'r')
    await cp(fixture, path, { recursive: true })
    await writeFile(join(path, 'repo.json'), JSON.stringify({ format: 'ipfs-publish-repo', version: 5, engine: 'lmdb' }) + '\n')
    const r = await cli(['--repo', path, 'pin', 'ls'])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(`error: the repo at ${path} has layout 5, newer than this version of ipfs-publish reads (4)\n`)
  })
})
