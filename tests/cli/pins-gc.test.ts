import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'
import { flipStoredByte } from '../helpers/fixtures.js'

const statOf = async (repo: string): Promise<any> => JSON.parse((await cli(['--repo', repo, 'stat', '--json'])).stdout)

describe('pin, gc, verify --all, stat', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { tmp = await tempDir() })
  afterAll(async () => { await tmp.cleanup() })

  /** Two articles with identical bodies but different titles share the article... no: share metadata? They share a block when one file's bytes are equal: use two plain folders sharing a file. */
  async function twoSharing (repo: string): Promise<[string, string]> {
    const { mkdir } = await import('node:fs/promises')
    for (const d of ['x', 'y']) {
      await mkdir(join(tmp.path, repo, d), { recursive: true })
      await writeFile(join(tmp.path, repo, d, 'shared.txt'), 'the same bytes in both folders\n')
      await writeFile(join(tmp.path, repo, d, `${d}.txt`), `only in ${d}\n`)
    }
    const r = join(tmp.path, repo, 'repo')
    const x = (await cli(['--repo', r, 'add', join(tmp.path, repo, 'x'), '-q'])).stdout.trim()
    const y = (await cli(['--repo', r, 'add', join(tmp.path, repo, 'y'), '-q'])).stdout.trim()
    return [x, y]
  }

  it('two DAGs sharing a block: unpin one, gc, the other still verifies', async () => {
    const [x, y] = await twoSharing('share1')
    const r = join(tmp.path, 'share1', 'repo')
    expect((await statOf(r)).blocks).toBe(5)
    expect((await cli(['--repo', r, 'pin', 'rm', x])).code).toBe(0)
    const gc = await cli(['--repo', r, 'gc', '--json'])
    expect(JSON.parse(gc.stdout)).toEqual({ blocks: 2, bytes: expect.any(Number) })
    expect((await cli(['--repo', r, 'verify', y])).code).toBe(0)
    expect((await cli(['--repo', r, 'verify', x])).code).toBe(3)
    expect(await statOf(r)).toMatchObject({ blocks: 3, pins: 1 })
  })

  it('unpin A, pin A again, unpin B, gc: A still verifies (the case Helia 7\'s per-block records got wrong)', async () => {
    const [x, y] = await twoSharing('share2')
    const r = join(tmp.path, 'share2', 'repo')
    expect((await cli(['--repo', r, 'pin', 'rm', x])).code).toBe(0)
    expect((await cli(['--repo', r, 'pin', 'add', x])).stdout).toMatch(/^pinned /)
    expect((await cli(['--repo', r, 'pin', 'rm', y])).code).toBe(0)
    await cli(['--repo', r, 'gc'])
    expect((await cli(['--repo', r, 'verify', x])).code).toBe(0)
  })

  it('pin ls shows roots with article titles; pin rm removes the article from ls', async () => {
    const r = join(tmp.path, 'titles')
    const cid = (await cli(['--repo', r, 'publish', SAMPLE, '-q'])).stdout.trim()
    const ls = await cli(['--repo', r, 'pin', 'ls'])
    expect(ls.stdout.trim()).toBe(`${cid}  US Joins Ukraine Peace Force Talks, Plans Ready to Act`)
    await cli(['--repo', r, 'pin', 'rm', cid])
    expect((await cli(['--repo', r, 'ls'])).stdout).toBe('')
    expect((await cli(['--repo', r, 'gc', '--json'])).stdout).toMatch(/"blocks":3/)
    // publishing again stores it again (the stat cache does not hide an unpinned article)
    expect((await cli(['--repo', r, 'publish', SAMPLE, '-q'])).stdout.trim()).toBe(cid)
    expect((await cli(['--repo', r, 'verify', cid])).code).toBe(0)
  })

  it('pin rm of a CID that is not pinned: exit 3; pin add of one not in the store: exit 3', async () => {
    const r = join(tmp.path, 'pins-bad')
    const rm = await cli(['--repo', r, 'pin', 'rm', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'])
    expect(rm.code).toBe(3)
    expect(rm.stderr).toMatch(/is not pinned/)
    const add = await cli(['--repo', r, 'pin', 'add', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'])
    expect(add.code).toBe(3)
    expect(add.stderr).toMatch(/not in the store/)
    expect((await cli(['--repo', r, 'pin'])).code).toBe(2)
  })

  it('an article over one chunk is pinned whole: gc frees none of its blocks', async () => {
    const r = join(tmp.path, 'big-article')
    const file = join(tmp.path, 'long.txt')
    await writeFile(file, '## A long read\n\nJuly 1, 2025\n\n— Categories: Long\n\n' + 'All work and no play. '.repeat(80_000))
    const cid = (await cli(['--repo', r, 'publish', file, '-q', '--max-size', '4MiB'])).stdout.trim()
    expect((await statOf(r)).blocks).toBeGreaterThan(3)
    expect(JSON.parse((await cli(['--repo', r, 'gc', '--json'])).stdout).blocks).toBe(0)
    expect((await cli(['--repo', r, 'verify', cid])).code).toBe(0)
  })

  it('verify --all reports each corrupt block and the pinned roots it breaks: exit 4', async () => {
    const r = join(tmp.path, 'corrupt')
    const cid = (await cli(['--repo', r, 'publish', SAMPLE, '-q'])).stdout.trim()
    const ok = await cli(['--repo', r, 'verify', '--all'])
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/^ok: 3 block\(s\)/)
    await flipStoredByte(r, 'coalition of the willing')
    const bad = await cli(['--repo', r, 'verify', '--all'])
    expect(bad.code).toBe(4)
    expect(bad.stderr).toMatch(/^error: corrupt block with multihash 1220[0-9a-f]{64}$/m)
    expect(bad.stderr).toMatch(new RegExp(`^error: pinned root ${cid} is broken: block bafkrei\\S+ is corrupt$`, 'm'))
    expect(bad.stderr).toMatch(/^error: 1 corrupt block\(s\), 1 broken pinned root\(s\)$/m)
  })
})

describe('space and lost files', () => {
  it('a lost block file: verify --all names the pinned roots it breaks (exit 4), cat says not in the store (exit 3)', async () => {
    const tmp = await tempDir()
    try {
      const { rm, readdir: rd } = await import('node:fs/promises')
      const { detBytes } = await import('../helpers/fixtures.js')
      const r = join(tmp.path, 'lost')
      await writeFile(join(tmp.path, 'big.bin'), detBytes(300_000, 'lost'))
      const cid = (await cli(['--repo', r, 'add', join(tmp.path, 'big.bin'), '-q'])).stdout.trim()
      const shard = (await rd(join(r, 'blocks')))[0]
      await rm(join(r, 'blocks', shard, (await rd(join(r, 'blocks', shard)))[0]))
      const v = await cli(['--repo', r, 'verify', '--all'])
      expect(v.code).toBe(4)
      expect(v.stderr).toMatch(new RegExp(`^error: pinned root ${cid} is broken: block \\S+ is missing$`, 'm'))
      const c = await cli(['--repo', r, 'cat', cid])
      expect(c.code).toBe(3)
      expect(c.stderr).toMatch(/is not in the store/)
    } finally {
      await tmp.cleanup()
    }
  })

  it('gc removes the blocks of unpinned articles; the store then takes new ones into the freed pages', async () => {
    const tmp = await tempDir()
    try {
      const { stat } = await import('node:fs/promises')
      const r = join(tmp.path, 'reclaim')
      await writeFile(join(tmp.path, 'other.txt'), '## Other\n\nJuly 1, 2025\n\nA second article.\n')
      const first = (await cli(['--repo', r, 'publish', SAMPLE, '-q'])).stdout.trim()
      const second = (await cli(['--repo', r, 'publish', join(tmp.path, 'other.txt'), '-q'])).stdout.trim()
      expect((await statOf(r)).blocks).toBe(6)
      expect((await cli(['--repo', r, 'pin', 'rm', first])).code).toBe(0)
      expect(JSON.parse((await cli(['--repo', r, 'gc', '--json'])).stdout).blocks).toBe(3)
      expect(await statOf(r)).toMatchObject({ blocks: 3, pins: 1, articles: 1 })
      expect((await cli(['--repo', r, 'verify', second])).code).toBe(0)
      expect((await cli(['--repo', r, 'cat', first])).code).toBe(3)
      expect((await cli(['--repo', r, 'verify', '--all'])).code).toBe(0)
      // publishing and removing the same article again and again does not grow the file
      const size = (await stat(join(r, 'lmdb', 'data.mdb'))).size
      for (let i = 0; i < 3; i++) {
        await cli(['--repo', r, 'publish', SAMPLE, '-q'])
        await cli(['--repo', r, 'pin', 'rm', first])
        await cli(['--repo', r, 'gc'])
      }
      expect((await stat(join(r, 'lmdb', 'data.mdb'))).size).toBeLessThanOrEqual(size + 64 * 1024)
    } finally {
      await tmp.cleanup()
    }
  })
})

describe('gc sweeps block files a killed process left behind', () => {
  it('removes temporary files and files no marker names, and keeps pinned ones', async () => {
    const tmp = await tempDir()
    try {
      const { readdir: rd, stat } = await import('node:fs/promises')
      const { detBytes } = await import('../helpers/fixtures.js')
      const repo = join(tmp.path, 'repo')
      await writeFile(join(tmp.path, 'big.bin'), detBytes(2 * 1024 * 1024 + 5, 'sweep'))
      const cid = (await cli(['--repo', repo, 'add', join(tmp.path, 'big.bin'), '-q'])).stdout.trim()
      const shard = (await rd(join(repo, 'blocks')))[0]
      const kept = (await rd(join(repo, 'blocks', shard)))[0]
      await writeFile(join(repo, 'blocks', shard, `${kept}.1234.tmp`), 'half a block')
      // a complete-looking file with a valid name but no committed marker
      await writeFile(join(repo, 'blocks', shard, 'ciqorphanorphanorphanorphanorphanorphanorphanorphanorpha'), 'orphan')
      const gc = JSON.parse((await cli(['--repo', repo, 'gc', '--json'])).stdout)
      expect(gc.blocks).toBe(2)
      expect((await rd(join(repo, 'blocks', shard))).filter(n => n.endsWith('.tmp') || n.startsWith('ciqorphan'))).toEqual([])
      expect((await stat(join(repo, 'blocks', shard, kept))).size).toBeGreaterThan(0)
      expect((await cli(['--repo', repo, 'verify', cid])).code).toBe(0)
    } finally {
      await tmp.cleanup()
    }
  })
})

describe('an edition pinned by hand, then replaced', () => {
  it('the hand pin holds its whole DAG until replaced: once everything is unpinned, gc frees every block', async () => {
    const tmp = await tempDir()
    try {
      const { mkdir } = await import('node:fs/promises')
      const site = join(tmp.path, 'site')
      await mkdir(join(site, 'articles'), { recursive: true })
      await writeFile(join(site, 'articles', 'a.txt'), '## First\n\nJuly 1, 2025\n\nThe first article.\n')
      await writeFile(join(site, 'articles', 'b.txt'), '## Second\n\nJuly 2, 2025\n\nThe second article.\n')
      const r = join(tmp.path, 'repo')
      expect((await cli(['--repo', r, 'publish', 'articles', '--manifest', 'm.json', '-q'], { cwd: site })).code).toBe(0)
      const manifest = JSON.parse(await readFile(join(site, 'm.json'), 'utf8'))
      const [a, b] = [manifest['articles/a.txt'].cid, manifest['articles/b.txt'].cid]
      const e1 = (await cli(['--repo', r, 'edition', '-q'])).stdout.trim()
      // the edition unpinned, then pinned by hand: a pin of its whole DAG, bundles included
      expect((await cli(['--repo', r, 'pin', 'rm', e1])).code).toBe(0)
      expect((await cli(['--repo', r, 'pin', 'add', e1])).stdout).toBe(`pinned ${e1}\n`)
      // a hand pin is no edition's pin: an article it names can be unpinned (the hand pin keeps its blocks)
      expect((await cli(['--repo', r, 'pin', 'rm', a])).code).toBe(0)
      // the next edition names both articles again and replaces the hand-pinned one
      const e2 = (await cli(['--repo', r, 'edition', '-q', '--title', 'Other', '--manifest', 'm.json'], { cwd: site })).stdout.trim()
      expect(e2).not.toBe(e1)
      const pins = (await cli(['--repo', r, 'pin', 'ls', '-q'])).stdout.trim().split('\n').sort()
      expect(pins).toEqual([a, b, e2].sort())
      // the new edition is whole after gc: the article the replaced pin held has a pin of its own
      expect((await cli(['--repo', r, 'gc'])).code).toBe(0)
      expect((await cli(['--repo', r, 'verify', '--all'])).code).toBe(0)
      expect((await cli(['--repo', r, 'verify', e2])).code).toBe(0)
      // nothing holds a block once every pin is gone: gc frees them all
      for (const cid of [e2, a, b]) expect((await cli(['--repo', r, 'pin', 'rm', cid])).code).toBe(0)
      expect((await cli(['--repo', r, 'gc'])).code).toBe(0)
      expect(await statOf(r)).toMatchObject({ blocks: 0, pins: 0 })
    } finally {
      await tmp.cleanup()
    }
  }, 120_000)
})

describe('names keep their content', () => {
  /** key gen site; publish a.txt; edition --ipns-key site; publish b.txt; edition (no key): the name still points to the first edition. */
  async function namedThenReplaced (tmp: string): Promise<{ r: string, name: string, named: string, latest: string, a: string }> {
    await writeFile(join(tmp, 'a.txt'), '## First\n\nJuly 1, 2025\n\nThe first article.\n')
    await writeFile(join(tmp, 'b.txt'), '## Second\n\nJuly 2, 2025\n\nThe second article.\n')
    const r = join(tmp, 'repo')
    const key = await cli(['--repo', r, 'key', 'gen', 'site', '--json'])
    expect(key.code).toBe(0)
    const name = JSON.parse(key.stdout).id
    const a = (await cli(['--repo', r, 'publish', join(tmp, 'a.txt'), '-q'])).stdout.trim()
    const named = await cli(['--repo', r, 'edition', '--ipns-key', 'site', '--json'])
    expect(named.code).toBe(0)
    expect((await cli(['--repo', r, 'publish', join(tmp, 'b.txt'), '-q'])).code).toBe(0)
    const latest = await cli(['--repo', r, 'edition', '--json'])
    expect(latest.code).toBe(0)
    return { r, name, named: JSON.parse(named.stdout).cid, latest: JSON.parse(latest.stdout).cid, a }
  }

  it('gc keeps the edition an IPNS name of the repo points to, and what it links, after a newer edition replaced (unpinned) it', async () => {
    const tmp = await tempDir()
    try {
      const { r, name, named, latest } = await namedThenReplaced(tmp.path)
      expect(latest).not.toBe(named)
      // the edition made without the key replaced the named one: its pin is gone
      expect((await cli(['--repo', r, 'pin', 'ls', '-q'])).stdout).not.toContain(named)
      expect((await cli(['--repo', r, 'name', 'resolve', name])).stdout).toContain(`/ipfs/${named}`)
      expect((await cli(['--repo', r, 'gc'])).code).toBe(0)
      // what /ipns/<name> points to is whole: every block is here and verifies
      const verify = await cli(['--repo', r, 'verify', named])
      expect(verify.stderr).toBe('')
      expect(verify.code).toBe(0)
      const index = await cli(['--repo', r, 'cat', `/ipns/${name}/index.html`])
      expect(index.code).toBe(0)
      expect(index.stdout).toContain('First')
      expect((await cli(['--repo', r, 'verify', '--all'])).code).toBe(0)
    } finally {
      await tmp.cleanup()
    }
  }, 120_000)

  it('pin rm of an article an edition links: it succeeds, says the edition still holds it, and gc keeps its blocks', async () => {
    const tmp = await tempDir()
    try {
      const { r, named, latest, a } = await namedThenReplaced(tmp.path)
      const rm = await cli(['--repo', r, 'pin', 'rm', a])
      expect(rm.stderr).toBe('')
      expect(rm.code).toBe(0)
      expect(rm.stdout).toBe(`unpinned ${a} (its blocks stay held by pinned edition ${latest})\n`)
      expect((await cli(['--repo', r, 'gc'])).code).toBe(0)
      expect((await cli(['--repo', r, 'verify', a])).code).toBe(0)
      expect((await cli(['--repo', r, 'verify', latest])).code).toBe(0)
      expect((await cli(['--repo', r, 'verify', named])).code).toBe(0)
      // with the edition unpinned too, only the name holds the first edition (and article a through it)
      expect((await cli(['--repo', r, 'pin', 'rm', latest])).stdout).toBe(`unpinned ${latest}\n`)
      expect((await cli(['--repo', r, 'gc'])).code).toBe(0)
      expect((await cli(['--repo', r, 'verify', a])).code).toBe(0)
      expect((await cli(['--repo', r, 'verify', latest])).code).toBe(3)
    } finally {
      await tmp.cleanup()
    }
  }, 120_000)
})
