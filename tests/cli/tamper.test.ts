import { readdir, readFile, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'
import { flipStoredByte } from '../helpers/fixtures.js'

describe('a byte flipped in a stored block', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let repo: string
  let cid: string
  let articleCid: string
  beforeAll(async () => {
    tmp = await tempDir()
    repo = join(tmp.path, 'repo')
    const json = JSON.parse((await cli(['--repo', repo, '--json', 'publish', SAMPLE])).stdout)
    cid = json.cid
    articleCid = json.files[0].cid
    await flipStoredByte(repo, 'coalition of the willing')
  })
  afterAll(async () => { await tmp.cleanup() })

  for (const cmd of ['verify', 'cat', 'get'] as const) {
    it(`makes ${cmd} exit 4, naming the CID`, async () => {
      const out = join(tmp.path, `out-${cmd}`)
      const res = await cli(['--repo', repo, cmd, cid, ...(cmd === 'get' ? ['-o', out] : [])])
      expect(res.code).toBe(4)
      expect(res.stderr.trim().split('\n')).toHaveLength(1)
      expect(res.stderr).toMatch(new RegExp(`^error: ${cid}: block ${articleCid} does not match its hash`))
      expect(res.stdout).toBe('')
      if (cmd === 'get') {
        expect(existsSync(out)).toBe(false)
        expect((await readdir(tmp.path)).filter(n => n.endsWith('.tmp'))).toEqual([])
      }
    })
  }
})

describe('a byte flipped in a large block kept in its own file', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { tmp = await tempDir() })
  afterAll(async () => { await tmp.cleanup() })

  it('makes cat, verify and verify --all exit 4', async () => {
    const { detBytes } = await import('../helpers/fixtures.js')
    const { readdir: rd } = await import('node:fs/promises')
    const repo = join(tmp.path, 'repo')
    const file = join(tmp.path, 'big.bin')
    await writeFile(file, detBytes(3 * 1024 * 1024, 'tamper'))
    const cid = (await cli(['--repo', repo, 'add', file, '-q'])).stdout.trim()
    const shards = await rd(join(repo, 'blocks'))
    const blockFile = join(repo, 'blocks', shards[0], (await rd(join(repo, 'blocks', shards[0])))[0])
    const bytes = await readFile(blockFile)
    bytes[1000] ^= 0xff
    await writeFile(blockFile, bytes)
    for (const args of [['cat', cid], ['verify', cid], ['verify', '--all']]) {
      const res = await cli(['--repo', repo, ...args])
      expect(res.code, args.join(' ')).toBe(4)
      expect(res.stderr).toMatch(/^error: /)
    }
  })
})

describe('a damaged block is repaired by storing the good bytes again', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { tmp = await tempDir() })
  afterAll(async () => { await tmp.cleanup() })

  it('publish of the good article, after a read found the damage: verify --all passes', async () => {
    const repo = join(tmp.path, 'repo-publish')
    const cid = (await cli(['--repo', repo, 'publish', SAMPLE, '-q'])).stdout.trim()
    await flipStoredByte(repo, 'coalition of the willing')
    const cat = await cli(['--repo', repo, 'cat', cid])
    expect(cat.code).toBe(4)
    expect(cat.stderr).toMatch(/publish or import the good bytes again|does not match its hash/)
    const again = await cli(['--repo', repo, 'publish', SAMPLE, '-q'])
    expect(again.code).toBe(0)
    expect(again.stdout.trim()).toBe(cid)
    const all = await cli(['--repo', repo, 'verify', '--all'])
    expect(all.stderr).toBe('')
    expect(all.code).toBe(0)
    expect((await cli(['--repo', repo, 'cat', cid])).code).toBe(0)
  })

  it('import of a CAR with the good bytes, after verify --all found the damage: verify --all passes', async () => {
    const repo = join(tmp.path, 'repo-import')
    const car = join(tmp.path, 'good.car')
    const cid = (await cli(['--repo', repo, 'publish', SAMPLE, '-q'])).stdout.trim()
    expect((await cli(['--repo', repo, 'export', cid, '-o', car])).code).toBe(0)
    await flipStoredByte(repo, 'coalition of the willing')
    expect((await cli(['--repo', repo, 'verify', '--all'])).code).toBe(4)
    const imported = await cli(['--repo', repo, 'import', car])
    expect(imported.code).toBe(0)
    const all = await cli(['--repo', repo, 'verify', '--all'])
    expect(all.stderr).toBe('')
    expect(all.code).toBe(0)
  })

  it('pin rm and gc work on damaged content', async () => {
    const repo = join(tmp.path, 'repo-rm')
    const cid = (await cli(['--repo', repo, 'publish', SAMPLE, '-q'])).stdout.trim()
    await flipStoredByte(repo, 'coalition of the willing')
    const rm = await cli(['--repo', repo, 'pin', 'rm', cid])
    expect(rm.stderr).toBe('')
    expect(rm.code).toBe(0)
    const gc = await cli(['--repo', repo, 'gc', '--json'])
    expect(gc.code).toBe(0)
    expect(JSON.parse(gc.stdout).blocks).toBe(3)
    expect(JSON.parse((await cli(['--repo', repo, 'stat', '--json'])).stdout)).toMatchObject({ blocks: 0, pins: 0, articles: 0 })
    expect((await cli(['--repo', repo, 'verify', '--all'])).code).toBe(0)
  })
})

describe('a damaged index record', () => {
  it('verify --all names it (exit 4); ls, stat and pin ls fail with one line naming it, not a bare JSON error', async () => {
    const tmp = await tempDir()
    try {
      const repoPath = join(tmp.path, 'repo')
      const cid = (await cli(['--repo', repoPath, 'publish', SAMPLE, '-q'])).stdout.trim()
      const { openRepo } = await import('../../src/core/store/repo.js')
      const { Key } = await import('interface-datastore')
      const repo = await openRepo(repoPath)
      await repo.datastore.put(new Key(`/ipfs-publish/articles/${cid}`), Buffer.from('{"cid": "bafy'))
      await repo.close()
      const v = await cli(['--repo', repoPath, 'verify', '--all'])
      expect(v.code).toBe(4)
      expect(v.stderr).toMatch(new RegExp(`^error: damaged record /ipfs-publish/articles/${cid}: `, 'm'))
      for (const args of [['ls'], ['stat'], ['pin', 'ls']]) {
        const r = await cli(['--repo', repoPath, ...args])
        expect(r.code, args.join(' ')).toBe(1)
        expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
        expect(r.stderr, args.join(' ')).toContain(`/ipfs-publish/articles/${cid}`)
      }
    } finally {
      await tmp.cleanup()
    }
  })
})
