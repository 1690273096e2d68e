import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cli, ROOT, SAMPLE, tempDir } from '../helpers/cli.js'
import { track } from '../helpers/processes.js'

const GEN = join(ROOT, 'tests', 'fixtures', 'gen-articles.mjs')
const KILLS = 20

/** A small deterministic PRNG, so a failing kill time can be replayed. */
function prng (seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32 }
}

/**
 * Starts a publish and SIGKILLs it `ms` after it started, or (`afterOutput`) `ms` after
 * its first result line: the moment then depends on the run's own progress, not on how
 * loaded the machine is. Resolves with what it printed before dying.
 */
async function publishAndKill (args: string[], ms: number, afterOutput = false): Promise<{ stdout: string, killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }))
    let stdout = ''
    let timer: NodeJS.Timeout | undefined
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      if (afterOutput && timer == null) timer = setTimeout(() => child.kill('SIGKILL'), ms)
    })
    if (!afterOutput) timer = setTimeout(() => child.kill('SIGKILL'), ms)
    child.on('error', reject)
    child.on('close', (_code, signal) => { if (timer != null) clearTimeout(timer); resolve({ stdout, killed: signal === 'SIGKILL' }) })
  })
}

describe('crash safety: SIGKILL during a 2,000-article publish', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let corpus: string
  let expected: string[]
  let fullRunMs = 1000
  beforeAll(async () => {
    tmp = await tempDir()
    corpus = join(tmp.path, 'corpus')
    execFileSync(process.execPath, [GEN, '--out', corpus, '--count', '2000', '--seed', '7'], { stdio: 'ignore' })
    expected = (await cli(['publish', corpus, '-n', '-q'], { timeout: 60_000 })).stdout.trim().split('\n')
    expect(expected).toHaveLength(2000)
    // how long an uninterrupted publish takes on this machine now, so that kills land inside it
    const started = Date.now()
    expect((await cli(['--repo', join(tmp.path, 'timing'), 'publish', corpus, '-q'], { timeout: 60_000 })).code).toBe(0)
    fullRunMs = Date.now() - started
  })
  afterAll(async () => { await tmp.cleanup() })

  it(`${KILLS} kills at random moments: every pinned root verifies, and publishing again gives the uninterrupted CIDs`, async () => {
    const random = prng(2026)
    let midway = 0
    let partial = 0
    for (let i = 0; i < KILLS; i++) {
      const repo = join(tmp.path, `repo-${i}`)
      const manifest = join(tmp.path, `manifest-${i}.json`)
      // every other kill lands after the first results, at a moment of the run's own progress
      const afterOutput = i % 2 === 1
      const delay = afterOutput ? Math.floor(random() * 200) : 60 + Math.floor(random() * fullRunMs * 0.9)
      const { stdout, killed } = await publishAndKill(['--repo', repo, 'publish', corpus, '-q', '--manifest', manifest], delay, afterOutput)
      const printed = stdout.split('\n').filter(l => l !== '')
      if (killed && printed.length < 2000) midway++
      if (killed && printed.length > 0 && printed.length < 2000) partial++
      // what was printed before the kill is a prefix of the uninterrupted run
      expect(printed.slice(0, -1)).toEqual(expected.slice(0, Math.max(0, printed.length - 1)))
      if (existsSync(join(repo, 'repo.json'))) {
        const verify = await cli(['--repo', repo, 'verify', '--all'], { timeout: 60_000 })
        expect(verify.stderr, `kill ${i} after ${delay} ms`).toBe('')
        expect(verify.code).toBe(0)
        // every printed CID is committed and pinned
        const pinned = new Set((await cli(['--repo', repo, 'pin', 'ls', '-q'])).stdout.trim().split('\n').filter(Boolean))
        for (const cid of printed.slice(0, -1)) expect(pinned.has(cid)).toBe(true)
      }
      // the manifest is written once, atomically, after the last article: a kill leaves none or a whole one
      if (existsSync(manifest)) {
        const entries = Object.values(JSON.parse(await readFile(manifest, 'utf8'))) as Array<{ cid: string }>
        expect(entries.map(e => e.cid).sort()).toEqual([...expected].sort())
      }
      const again = await cli(['--repo', repo, 'publish', corpus, '-q'], { timeout: 60_000 })
      expect(again.code).toBe(0)
      expect(again.stdout.trim().split('\n')).toEqual(expected)
    }
    // most kills landed inside the run, not after it, and some after results were printed
    expect(midway, `kills were meant to land within ${fullRunMs} ms`).toBeGreaterThanOrEqual(KILLS / 2)
    expect(partial, 'some kills were meant to land after the first results').toBeGreaterThanOrEqual(2)
  }, 600_000)
})

describe('crash safety: SIGKILL during gc', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let repo: string
  let garbage: string[]
  let keptBlocks = 0
  let gcMs = 500
  beforeAll(async () => {
    tmp = await tempDir()
    const corpus = join(tmp.path, 'corpus')
    execFileSync(process.execPath, [GEN, '--out', corpus, '--count', '700', '--seed', '21'], { stdio: 'ignore' })
    // garbage to collect: the corpus and a 3 MiB file (large blocks in files), as CARs imported unpinned
    const src = join(tmp.path, 'src')
    await cli(['--repo', src, 'publish', corpus, '-q'], { timeout: 60_000 })
    const { writeFile } = await import('node:fs/promises')
    const { detBytes } = await import('../helpers/fixtures.js')
    await writeFile(join(tmp.path, 'big.bin'), detBytes(3 * 1024 * 1024 + 17, 'gc-kill'))
    await cli(['--repo', src, 'add', join(tmp.path, 'big.bin'), '-q'])
    garbage = [join(tmp.path, 'all.car')]
    expect((await cli(['--repo', src, 'export', '--all', '-o', garbage[0]], { timeout: 60_000 })).code).toBe(0)
    // what stays: the sample and a few articles, pinned
    repo = join(tmp.path, 'repo')
    expect((await cli(['--repo', repo, 'publish', SAMPLE, '-q'])).code).toBe(0)
    keptBlocks = JSON.parse((await cli(['--repo', repo, 'stat', '--json'])).stdout).blocks
    for (const car of garbage) expect((await cli(['--repo', repo, 'import', '--no-pin', car], { timeout: 60_000 })).code).toBe(0)
    const started = Date.now()
    expect((await cli(['--repo', repo, 'gc'], { timeout: 60_000 })).code).toBe(0)
    gcMs = Date.now() - started
  }, 240_000)
  afterAll(async () => { await tmp.cleanup() })

  it('10 kills at random moments: the store verifies after each, nothing pinned is missing, and a full gc then removes all the garbage', async () => {
    const random = prng(7)
    for (let i = 0; i < 10; i++) {
      for (const car of garbage) expect((await cli(['--repo', repo, 'import', '--no-pin', car], { timeout: 60_000 })).code).toBe(0)
      const delay = 40 + Math.floor(random() * gcMs)
      await publishAndKill(['--repo', repo, 'gc'], delay)
      const verify = await cli(['--repo', repo, 'verify', '--all'], { timeout: 60_000 })
      expect(verify.stderr, `kill ${i} after ${delay} ms`).toBe('')
      expect(verify.code).toBe(0)
    }
    expect((await cli(['--repo', repo, 'gc'], { timeout: 60_000 })).code).toBe(0)
    expect(JSON.parse((await cli(['--repo', repo, 'stat', '--json'])).stdout)).toMatchObject({ blocks: keptBlocks, pins: 1, articles: 1 })
    const { readdir } = await import('node:fs/promises')
    expect((await readdir(join(repo, 'locks'))).length).toBe(0)
    expect((await readdir(join(repo, 'tmp')).catch(() => [])).length).toBe(0)
  }, 600_000)
})
