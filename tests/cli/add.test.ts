import { mkdir, open, readdir, readFile, readlink, stat, symlink, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, ROOT, tempDir } from '../helpers/cli.js'

describe('add', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let dir: string
  beforeAll(async () => {
    tmp = await tempDir()
    dir = join(tmp.path, 'site')
    await mkdir(join(dir, '.git'), { recursive: true })
    await writeFile(join(dir, 'index.html'), '<h1>hi</h1>')
    await writeFile(join(dir, '.env'), 'SECRET=1')
    await writeFile(join(dir, '.git', 'HEAD'), 'ref: x')
    await symlink('index.html', join(dir, 'link.html'))
  })
  afterAll(async () => { await tmp.cleanup() })

  it('skips hidden entries unless --hidden, as Kubo does', async () => {
    const plain = await cli(['add', dir, '-n', '-q'])
    const hidden = await cli(['add', dir, '-n', '-q', '--hidden'])
    expect(plain.code).toBe(0)
    expect(hidden.code).toBe(0)
    expect(hidden.stdout).not.toBe(plain.stdout)
    const repo = join(tmp.path, 'repo')
    const cid = (await cli(['--repo', repo, 'add', dir, '-q', '--hidden'])).stdout.trim()
    expect(cid).toBe(hidden.stdout.trim())
    const out = join(tmp.path, 'out')
    expect((await cli(['--repo', repo, 'get', cid, '-o', out])).code).toBe(0)
    expect(await readlink(join(out, 'link.html'))).toBe('index.html')
    expect(await readFile(join(out, '.env'), 'utf8')).toBe('SECRET=1')
  })

  it('keeps symlinks as symlinks: the link, not what it points to', async () => {
    const linked = join(tmp.path, 'linked')
    const copied = join(tmp.path, 'copied')
    await mkdir(linked, { recursive: true })
    await mkdir(copied, { recursive: true })
    await writeFile(join(tmp.path, 'target.txt'), 'target bytes')
    await symlink(join(tmp.path, 'target.txt'), join(linked, 'f'))
    await writeFile(join(copied, 'f'), 'target bytes')
    const a = (await cli(['add', linked, '-n', '-q'])).stdout.trim()
    const b = (await cli(['add', copied, '-n', '-q'])).stdout.trim()
    expect(a).toMatch(/^bafybei/)
    expect(a).not.toBe(b)
  })

  it('pins unless --no-pin; --json gives {path, cid, bytes}', async () => {
    const repo = join(tmp.path, 'repo-pins')
    const pinned = JSON.parse((await cli(['--repo', repo, '--json', 'add', join(dir, 'index.html')])).stdout)
    expect(pinned).toEqual({ path: join(dir, 'index.html'), cid: expect.stringMatching(/^bafkrei/), bytes: 11 })
    await writeFile(join(tmp.path, 'unpinned.txt'), 'loose bytes')
    const loose = (await cli(['--repo', repo, 'add', join(tmp.path, 'unpinned.txt'), '--no-pin', '-q'])).stdout.trim()
    const pins = (await cli(['--repo', repo, 'pin', 'ls', '-q'])).stdout.trim().split('\n')
    expect(pins).toEqual([pinned.cid])
    expect(pins).not.toContain(loose)
    expect(JSON.parse((await cli(['--repo', repo, 'gc', '--json'])).stdout).blocks).toBe(1)
  })

  it('streams: peak memory does not grow with the file (64 MiB against 512 MiB)', async () => {
    const rssOf = async (mib: number): Promise<number> => {
      // mostly zeros (a sparse file: no disk to read), but each MiB starts with its
      // number, so that every chunk is a block of its own
      const file = join(tmp.path, `sparse-${mib}`)
      await writeFile(file, '')
      await truncate(file, mib * 1024 * 1024)
      const fh = await open(file, 'r+')
      for (let i = 0; i < mib; i++) await fh.write(Buffer.from(`chunk ${i}`), 0, undefined, i * 1024 * 1024)
      await fh.close()
      // the lower of two runs, each into a new repo: one peak reading varies by a few MB with GC timing
      const peaks: number[] = []
      for (const run of [1, 2]) {
        const r = await cli(['--repo', join(tmp.path, `repo-rss-${mib}-${run}`), '-q', 'add', file], {
          env: { NODE_OPTIONS: `--import ${join(ROOT, 'tests', 'fixtures', 'report-rss.mjs')}` },
          timeout: 60_000
        })
        expect(r.code, r.stderr).toBe(0)
        peaks.push(Number(/peak-rss-kib (\d+)/.exec(r.stderr)![1]) / 1024)
      }
      return Math.min(...peaks)
    }
    const small = await rssOf(64)
    const large = await rssOf(512)
    const peaks = `peak RSS: ${small.toFixed(0)} MB for 64 MiB, ${large.toFixed(0)} MB for 512 MiB`
    // 448 MiB more data: memory that grew with the file would show hundreds of MB; GC timing on a
    // loaded machine moves a peak by a few tens at most (the figures themselves are the bench's)
    expect(large - small, peaks).toBeLessThan(64)
  }, 240_000)

  it('a missing path: exit 3, one line', async () => {
    const r = await cli(['add', join(tmp.path, 'nope'), '-n'])
    expect(r.code).toBe(3)
    expect(r.stderr.trim()).toMatch(/^error: .*nope: no such file or directory$/)
  })
})

describe('add of more than 64 MiB of small blocks, then a large one', () => {
  it('commits where the pending writes cross the 64 MiB commit threshold, on a large block too (it hung, then exited 13)', async () => {
    const tmp = await tempDir()
    try {
      const dir = join(tmp.path, 'many')
      await mkdir(dir)
      // A file under 128 KiB is one small block (kept in LMDB) counting its bytes + 64 toward the
      // 64 MiB threshold: these 559 bring the pending writes to 38 bytes under it (558 × 120,064 +
      // 113,114). The folder's own node, put after every file's block, is a large block (559 names
      // of 255 bytes: over 128 KiB, under the 256 KiB at which it would be sharded): its record (64)
      // crosses the threshold, whatever order the files' blocks came in.
      const files = new Map<string, Buffer>()
      const sizes = [...Array<number>(558).fill(120_000), 113_050]
      expect(sizes.reduce((sum, size) => sum + size + 64, 0)).toBe(64 * 1024 * 1024 - 38)
      for (const [i, size] of sizes.entries()) {
        const bytes = Buffer.alloc(size, i & 0xff)
        bytes.writeUInt32BE(i, 0) // every block distinct
        files.set(`${String(i).padStart(4, '0')}-`.padEnd(255, 'x'), bytes)
      }
      for (const [name, bytes] of files) await writeFile(join(dir, name), bytes)
      const expected = await cli(['add', '-n', '-q', dir])
      expect(expected.code).toBe(0)
      // the repo exists already, so that opening it queues no write (a new one's Helia version record)
      const repo = join(tmp.path, 'repo')
      await writeFile(join(tmp.path, 'first'), 'first')
      expect((await cli(['--repo', repo, 'add', '-q', join(tmp.path, 'first')])).code).toBe(0)
      const added = await cli(['--repo', repo, 'add', '-q', dir])
      expect(added.stderr).toBe('')
      expect(added.code).toBe(0)
      const cid = added.stdout.trim()
      expect(cid).toBe(expected.stdout.trim())
      // the folder's node is the large block (kept as a file, not in LMDB), and every block was stored
      const large = (await readdir(join(repo, 'blocks'), { recursive: true, withFileTypes: true })).filter(e => e.isFile())
      expect(large.length).toBe(1)
      expect((await stat(join(large[0].parentPath, large[0].name))).size).toBeGreaterThanOrEqual(128 * 1024)
      const out = join(tmp.path, 'out')
      expect((await cli(['--repo', repo, 'get', cid, '-o', out])).code).toBe(0)
      for (const [name, bytes] of files) expect(Buffer.compare(await readFile(join(out, name)), bytes)).toBe(0)
    } finally {
      await tmp.cleanup()
    }
  })
})
