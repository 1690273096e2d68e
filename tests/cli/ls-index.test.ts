import { spawn } from 'node:child_process'
import { appendFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openRepo } from '../../src/index.js'
import { listStories, streamPublished } from '../../src/core/ls.js'
import { ARTICLE_PREFIX, BY_DATE_MARKER, BY_DATE_PREFIX, cidOfByDateKey } from '../../src/core/store/article-index.js'
import { engineOf } from '../../src/core/store/engine-of.js'
import { BIN, cli, tempDir } from '../helpers/cli.js'

/** The repo's by-date index, and what it must hold: the CIDs of the article index; and ls's rows against the listing made by reading every record. */
async function indexState (repoPath: string): Promise<{ byDate: string[], indexed: string[], streamed: string[], full: string[] }> {
  const repo = await openRepo(repoPath, { access: 'read' })
  try {
    const engine = engineOf(repo)
    const byDate = [...engine.dataRange(BY_DATE_PREFIX, true)].map(e => cidOfByDateKey(e.key)).sort()
    const indexed = [...engine.dataRange(ARTICLE_PREFIX, true)].map(e => e.key.slice(ARTICLE_PREFIX.length)).sort()
    const streamed: string[] = []
    for await (const r of streamPublished(repo, { allVersions: true })) streamed.push(r.cid)
    const full: string[] = []
    for (const s of await listStories(repo.datastore)) full.push(s.current.cid, ...s.earlier.map(e => e.cid).reverse())
    return { byDate, indexed, streamed, full }
  } finally {
    await repo.close()
  }
}

async function expectIndexRight (repoPath: string): Promise<string[]> {
  const s = await indexState(repoPath)
  expect(s.byDate).toEqual(s.indexed)
  expect(s.streamed).toEqual(s.full)
  return s.streamed
}

const article = (title: string, date: string, body: string): string => `## ${title}\n\n${date}\n\n— Categories: Test\n\n${body}\n`

describe('ls by the by-date index', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let dir: string
  beforeAll(async () => {
    tmp = await tempDir()
    dir = join(tmp.path, 'articles')
    await mkdir(dir, { recursive: true })
    const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
    for (let i = 0; i < 600; i++) await writeFile(join(dir, `a${i}.txt`), article(`Story ${i % 7}`, `${months[i % 12]} ${(i % 28) + 1}, ${2000 + (i % 20)}`, `Body ${i}.`))
    // the newest, and one without a date
    await writeFile(join(dir, 'newest.txt'), article('The Newest Story', 'January 2, 2030', 'Newest.'))
    await writeFile(join(dir, 'undated.txt'), '## No Date Here\n\nJust a body.\n')
  })
  afterAll(async () => { await tmp.cleanup() })

  it('stays right after publish, a correction, a CAR imported, an unpin and gc', async () => {
    const repo = join(tmp.path, 'repo')
    expect((await cli(['--repo', repo, 'publish', dir, '-q'])).code).toBe(0)
    const rows = await expectIndexRight(repo)
    expect(rows).toHaveLength(602)
    // a correction: a new version of a3
    await appendFile(join(dir, 'a3.txt'), '\nCorrected.\n')
    expect((await cli(['--repo', repo, 'publish', join(dir, 'a3.txt'), '-q'])).code).toBe(0)
    expect(await expectIndexRight(repo)).toHaveLength(603)
    // a CAR of another repo's article, imported
    const other = join(tmp.path, 'other')
    const src = join(tmp.path, 'car-src.txt')
    await writeFile(src, article('From Elsewhere', 'March 3, 2029', 'Imported.'))
    const cid = (await cli(['--repo', other, 'publish', src, '-q'])).stdout.trim()
    const car = await cli(['--repo', other, 'export', cid, '-o', '-'])
    expect((await cli(['--repo', repo, 'import'], { input: car.stdoutBytes })).code).toBe(0)
    const withCar = await expectIndexRight(repo)
    expect(withCar).toContain(cid)
    // unpinned and collected: its index and by-date entries go
    expect((await cli(['--repo', repo, 'pin', 'rm', cid])).code).toBe(0)
    expect((await cli(['--repo', repo, 'gc'])).code).toBe(0)
    const after = await expectIndexRight(repo)
    expect(after).not.toContain(cid)
    expect(after).toHaveLength(603)
  }, 120_000)

  it('a new repo has the marker from its first publish (ls builds nothing); a repo of articles without it does not get it from a publish', async () => {
    const marker = async (repoPath: string): Promise<boolean> => {
      const r = await openRepo(repoPath, { access: 'read' })
      try { return engineOf(r).getData(BY_DATE_MARKER) !== undefined } finally { await r.close() }
    }
    const fresh = join(tmp.path, 'fresh')
    expect((await cli(['--repo', fresh, 'publish', join(dir, 'a1.txt'), join(dir, 'a2.txt'), '-q'])).code).toBe(0)
    expect(await marker(fresh)).toBe(true)
    await expectIndexRight(fresh)
    // as a repo made before the index: articles, no marker; a publish leaves it to ls
    const repo = await openRepo(fresh)
    try {
      await engineOf(repo).putData(BY_DATE_MARKER, null)
      await engineOf(repo).flush()
    } finally {
      await repo.close()
    }
    expect((await cli(['--repo', fresh, 'publish', join(dir, 'a5.txt'), '-q'])).code).toBe(0)
    expect(await marker(fresh)).toBe(false)
    expect((await cli(['--repo', fresh, 'ls'])).code).toBe(0)
    expect(await marker(fresh)).toBe(true)
    await expectIndexRight(fresh)
  }, 120_000)

  it('a repo without the index gets one from ls, in the same order', async () => {
    const repoPath = join(tmp.path, 'repo')
    const before = (await cli(['--repo', repoPath, 'ls'])).stdout
    // as a repo made before the index: no by-date entries, no marker
    const repo = await openRepo(repoPath)
    try {
      const engine = engineOf(repo)
      for (const { key } of [...engine.dataRange(BY_DATE_PREFIX, true)]) await engine.putData(key, null)
      await engine.putData(BY_DATE_MARKER, null)
      await engine.flush()
      expect([...engine.dataRange(BY_DATE_PREFIX, true)]).toHaveLength(0)
    } finally {
      await repo.close()
    }
    const res = await cli(['--repo', repoPath, 'ls'])
    expect(res.code).toBe(0)
    expect(res.stdout).toBe(before)
    await expectIndexRight(repoPath)
    const again = await openRepo(repoPath, { access: 'read' })
    try {
      expect(engineOf(again).getData(BY_DATE_MARKER)).toBeDefined()
    } finally {
      await again.close()
    }
  }, 120_000)

  it('yields the first row before reading every record', async () => {
    const repo = await openRepo(join(tmp.path, 'repo'), { access: 'read' })
    try {
      const engine = engineOf(repo)
      let recordReads = 0
      const getData = engine.getData
      engine.getData = function (key: string) { if (key.startsWith(ARTICLE_PREFIX)) recordReads++; return getData.call(this, key) }
      try {
        for await (const row of streamPublished(repo)) {
          expect(row.title).toBe('The Newest Story')
          break
        }
      } finally {
        engine.getData = getData
      }
      expect(recordReads).toBeGreaterThan(0)
      expect(recordReads).toBeLessThan(10)
    } finally {
      await repo.close()
    }
  })

  it('`ls | head -1` prints the newest article and exits', async () => {
    const res = await new Promise<{ code: number | null, stdout: string, stderr: string }>((resolve, reject) => {
      const child = spawn('bash', ['-c', 'set -o pipefail; "$0" "$1" --repo "$2" ls | head -1', process.execPath, BIN, join(tmp.path, 'repo')], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', d => { stdout += d })
      child.stderr.on('data', d => { stderr += d })
      child.on('error', reject)
      child.on('close', code => { resolve({ code, stdout, stderr }) })
    })
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    expect(res.stdout.split('\n')).toHaveLength(2)
    expect(res.stdout).toContain('2030-01-02  The Newest Story')
  }, 90_000)
})
