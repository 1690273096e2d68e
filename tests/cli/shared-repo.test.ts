// One repo, many processes: what a newsroom runs all day.
import { execFileSync, spawn } from 'node:child_process'
import { mkdir, readdir, readFile, copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cli, ROOT, SAMPLE, tempDir } from '../helpers/cli.js'
import { track } from '../helpers/processes.js'
import { serve } from '../helpers/serve.js'

const GEN = join(ROOT, 'tests', 'fixtures', 'gen-articles.mjs')
const SETS = ['s1', 's2', 's3', 's4']

/** Lines on stderr that a command may print while it shares the repo: that it waits, and for what. */
const WAITING = /^waiting for (gc|another gc|\d+ writing process(es)?) .*to finish$/

function onlyWaiting (stderr: string): string[] {
  return stderr.split('\n').filter(l => l !== '' && !WAITING.test(l))
}

describe('four publishes, serve, a looping gc and a looping verify --all on one repo', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let corpus: string
  beforeAll(async () => {
    tmp = await tempDir()
    corpus = join(tmp.path, 'corpus')
    execFileSync(process.execPath, [GEN, '--out', corpus, '--count', '600', '--seed', '11', '--max-kb', '6'], { stdio: 'ignore' })
    const names = (await readdir(corpus)).sort()
    // overlapping sets: every article is in two of the four
    for (const [k, set] of SETS.entries()) {
      await mkdir(join(tmp.path, set))
      for (const [i, name] of names.entries()) if (i % 4 === k || (i + 1) % 4 === k) await copyFile(join(corpus, name), join(tmp.path, set, name))
    }
  })
  afterAll(async () => { await tmp.cleanup() })

  it('every article ends pinned and verified, nothing failed, and the gateway answered throughout', async () => {
    const repo = join(tmp.path, 'repo')
    const sample = (await cli(['--repo', repo, 'publish', SAMPLE, '-q'])).stdout.trim()
    const s = await serve(repo, [], 120_000)
    let stop = false
    const gcRuns: Array<Awaited<ReturnType<typeof cli>>> = []
    const verifyRuns: Array<Awaited<ReturnType<typeof cli>>> = []
    const gateway = { ok: 0, failed: [] as string[] }
    const loops = [
      (async () => { while (!stop) gcRuns.push(await cli(['--repo', repo, 'gc', '--json'], { timeout: 120_000 })) })(),
      (async () => { while (!stop) verifyRuns.push(await cli(['--repo', repo, 'verify', '--all'], { timeout: 120_000 })) })(),
      (async () => {
        while (!stop) {
          for (const path of ['/', `/ipfs/${sample}/article.txt`]) {
            try {
              const res = await fetch(s.gateway + path, { signal: AbortSignal.timeout(10_000) })
              await res.arrayBuffer()
              if (res.status === 200) gateway.ok++
              else gateway.failed.push(`${path}: ${res.status}`)
            } catch (err: any) {
              gateway.failed.push(`${path}: ${err.message}`)
            }
          }
        }
      })()
    ]
    const publishes = await Promise.all(SETS.map(async set => cli(['--repo', repo, 'publish', join(tmp.path, set), '-q'], { timeout: 120_000 })))
    stop = true
    await Promise.all(loops)
    expect(await s.stop('SIGTERM')).toBe(0)

    for (const p of publishes) {
      expect(onlyWaiting(p.stderr)).toEqual([])
      expect(p.code).toBe(0)
    }
    expect(gcRuns.length).toBeGreaterThan(0)
    for (const g of gcRuns) {
      expect(onlyWaiting(g.stderr)).toEqual([])
      expect(g.code).toBe(0)
    }
    expect(verifyRuns.length).toBeGreaterThan(0)
    for (const v of verifyRuns) {
      expect(v.stderr).toBe('')
      expect(v.code).toBe(0)
    }
    expect(gateway.failed).toEqual([])
    expect(gateway.ok).toBeGreaterThan(0)

    const printed = new Set(publishes.flatMap(p => p.stdout.trim().split('\n')))
    expect(printed.size).toBe(600)
    const pinned = new Set((await cli(['--repo', repo, 'pin', 'ls', '-q'])).stdout.trim().split('\n'))
    for (const cid of printed) expect(pinned.has(cid)).toBe(true)
    expect(pinned.size).toBe(601)
    const all = await cli(['--repo', repo, 'verify', '--all'])
    expect(all.stderr).toBe('')
    expect(all.code).toBe(0)
  }, 240_000)
})

describe('serve sees what other processes publish', () => {
  it('an article published while serve runs is on the index page and the gateway at once', async () => {
    const tmp = await tempDir()
    try {
      const repo = join(tmp.path, 'repo')
      const s = await serve(repo)
      try {
        const published = await cli(['--repo', repo, 'publish', SAMPLE, '--json'])
        expect(published.code).toBe(0)
        const { cid, title } = JSON.parse(published.stdout)
        const done = Date.now()
        const index = await (await fetch(`${s.gateway}/`)).text()
        const article = await fetch(`${s.gateway}/ipfs/${cid}/article.txt`)
        expect(Date.now() - done).toBeLessThan(1000)
        expect(index).toContain(cid)
        expect(index).toContain(title.replace(/&/g, '&amp;'))
        expect(article.status).toBe(200)
        expect(await article.text()).toContain('coalition of the willing')
      } finally {
        await s.stop('SIGTERM')
      }
    } finally {
      await tmp.cleanup()
    }
  })
})

describe('gc and writers', () => {
  it('gc waits for an import that is about to pin blocks already in the store unpinned, says so, and deletes none of them', async () => {
    const tmp = await tempDir()
    try {
      const repo = join(tmp.path, 'repo')
      const car = join(tmp.path, 'a.car')
      const cid = (await cli(['--repo', repo, 'publish', SAMPLE, '-q'])).stdout.trim()
      expect((await cli(['--repo', repo, 'export', cid, '-o', car])).code).toBe(0)
      // the article's blocks stay in the store, unpinned: what gc removes
      expect((await cli(['--repo', repo, 'pin', 'rm', cid])).code).toBe(0)
      const bytes = await readFile(car)
      const importer = track(spawn(process.execPath, [BIN, '--repo', repo, 'import', '-'], { stdio: ['pipe', 'pipe', 'pipe'] }))
      let importOut = ''
      importer.stdout.on('data', (d: Buffer) => { importOut += d.toString() })
      const imported = new Promise<number | null>(resolve => importer.on('close', resolve))
      // all but the last bytes: the import has seen the blocks (present, so not stored again) and waits for the rest
      importer.stdin.write(bytes.subarray(0, bytes.length - 8))
      for (let i = 0; i < 300 && !(await readdir(join(repo, 'locks')).catch(() => [] as string[])).some(n => n.startsWith('w-')); i++) await new Promise(resolve => setTimeout(resolve, 10))
      const gc = cli(['--repo', repo, 'gc', '--json'], { timeout: 60_000 })
      let gcDone = false
      void gc.then(() => { gcDone = true })
      await new Promise(resolve => setTimeout(resolve, 1500))
      expect(gcDone).toBe(false)
      importer.stdin.end(bytes.subarray(bytes.length - 8))
      expect(await imported).toBe(0)
      expect(importOut.trim()).toBe(cid)
      const gcResult = await gc
      expect(gcResult.code).toBe(0)
      expect(gcResult.stderr).toMatch(/^waiting for 1 writing process \(pid \d+\) to finish$/m)
      expect(JSON.parse(gcResult.stdout).blocks).toBe(0)
      expect((await cli(['--repo', repo, 'verify', cid])).code).toBe(0)
      expect((await cli(['--repo', repo, 'verify', '--all'])).code).toBe(0)
    } finally {
      await tmp.cleanup()
    }
  })
})
