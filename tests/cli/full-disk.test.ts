// A full disk, on a small tmpfs that the test mounts (as root, as CI runs).
import { execFileSync } from 'node:child_process'
import { mkdir, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, ROOT, SAMPLE, tempDir } from '../helpers/cli.js'

const GEN = join(ROOT, 'tests', 'fixtures', 'gen-articles.mjs')
const root = process.getuid?.() === 0

/** Fills the file system that holds `dir` to the last byte. */
async function fill (dir: string): Promise<void> {
  try { execFileSync('dd', ['if=/dev/zero', `of=${join(dir, 'filler')}`, 'bs=16k'], { stdio: 'ignore' }) } catch {}
}

async function files (dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter(e => e.isFile()).map(e => join(e.parentPath, e.name).slice(dir.length + 1)).sort()
}

describe.skipIf(!root)('a full disk', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let mnt: string
  let corpus: string
  beforeAll(async () => {
    tmp = await tempDir()
    mnt = join(tmp.path, 'mnt')
    await mkdir(mnt)
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt])
    corpus = join(tmp.path, 'corpus')
    execFileSync(process.execPath, [GEN, '--out', corpus, '--count', '40', '--seed', '9'], { stdio: 'ignore' })
  })
  afterAll(async () => {
    try { execFileSync('umount', [mnt]) } catch {}
    await tmp.cleanup()
  })

  it('publish and import fail with one clear error and exit 1; nothing acknowledged is lost; ls, export and gc work while full', async () => {
    const repo = join(mnt, 'repo')
    const sample = (await cli(['--repo', repo, 'publish', SAMPLE, '-q'])).stdout.trim()
    // a CAR of other articles, made elsewhere, to import into the full repo
    const other = join(tmp.path, 'other')
    const car = join(tmp.path, 'other.car')
    const otherCids = (await cli(['--repo', other, 'publish', corpus, '-q'])).stdout.trim().split('\n')
    expect((await cli(['--repo', other, 'export', '--all', '-o', car])).code).toBe(0)
    const before = await files(repo)
    await fill(mnt)

    const published = await cli(['--repo', repo, 'publish', corpus])
    expect(published.code).toBe(1)
    expect(published.stdout).toBe('')
    const errors = published.stderr.split('\n').filter(l => l.startsWith('error: '))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/^error: cannot commit to the repo: the disk is full \(ENOSPC\)/)

    const imported = await cli(['--repo', repo, 'import', car])
    expect(imported.code).toBe(1)
    expect(imported.stderr.split('\n').filter(l => l.startsWith('error: '))).toHaveLength(1)
    expect(imported.stderr).toMatch(/the disk is full|ENOSPC|no space left/i)

    // while full: reading, exporting and gc still work
    expect((await cli(['--repo', repo, 'ls', '-q'])).stdout.trim()).toBe(sample)
    const exported = await cli(['--repo', repo, 'export', sample, '-o', join(tmp.path, 'sample.car')])
    expect(exported.code).toBe(0)
    const gc = await cli(['--repo', repo, 'gc', '--json'])
    expect(gc.stderr.split('\n').filter(l => l.startsWith('error: '))).toEqual([])
    expect(gc.code).toBe(0)

    // nothing of the failed runs stays (gc took any leftovers), the sample is intact
    expect(await files(repo)).toEqual(before)
    await rm(join(mnt, 'filler'))
    const all = await cli(['--repo', repo, 'verify', '--all'])
    expect(all.stderr).toBe('')
    expect(all.code).toBe(0)
    const stat = JSON.parse((await cli(['--repo', repo, 'stat', '--json'])).stdout)
    expect(stat).toMatchObject({ pins: 1, articles: 1, blocks: 3 })
    // and with room again, the same commands succeed
    expect((await cli(['--repo', repo, 'import', car])).code).toBe(0)
    const pinned = (await cli(['--repo', repo, 'pin', 'ls', '-q'])).stdout.trim().split('\n')
    for (const cid of otherCids) expect(pinned).toContain(cid)
  })
})

