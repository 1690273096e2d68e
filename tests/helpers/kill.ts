import { execFileSync, spawn } from 'node:child_process'
import { existsSync, watch } from 'node:fs'
import { appendFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect } from 'vitest'
import { BIN, cli, ROOT } from './cli.js'
import { track } from './processes.js'

// Helpers of the crash-safety tests of the repo's records (issue #21: crash-publish-edition
// and crash-pin-rm-gc): SIGKILLs timed from the process's own lease, and the checks after them.

export const GEN = join(ROOT, 'tests', 'fixtures', 'gen-articles.mjs')
export const KILLS = 20
export const BASE_ARTICLES = 300

/** A small deterministic PRNG, so that a failing kill time can be replayed. */
export function prng (seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32 }
}

export function gen (out: string, count: number, seed: number): void {
  execFileSync(process.execPath, [GEN, '--out', out, '--count', String(count), '--seed', String(seed)], { stdio: 'ignore' })
}

export function copyRepo (from: string, to: string): void {
  execFileSync('cp', ['-a', from, to])
}

export interface Run {
  stdout: string
  stderr: string
  code: number | null
  /** SIGKILLed by the test (not ended by itself). */
  killed: boolean
  /** Killed while it held its lease: the repo open for writing (`w-`), or gc's lock (`gco-`). */
  midWork: boolean
  /** From taking its lease to its exit (when it was not killed). */
  workMs: number | undefined
}

/**
 * Runs the bin on `repo` and SIGKILLs it `delayMs` after it took its lease in the
 * repo's locks folder (`w-<pid>-…` once it has the repo open for writing, `gco-<pid>-…`
 * once gc holds its lock): the moment is relative to the process's own progress, so a
 * loaded machine does not turn every kill into "before it started". Whether the lease
 * was still there at the kill says whether the kill landed mid-work. `delayMs` null:
 * no kill (a calibration run: `workMs` is the length of its work).
 */
export async function runAndKill (repo: string, args: string[], lease: 'w-' | 'gco-', delayMs: number | null): Promise<Run> {
  const locks = join(repo, 'locks')
  return await new Promise((resolve, reject) => {
    const child = track(spawn(process.execPath, [BIN, '--repo', repo, ...args], { cwd: ROOT, env: { ...process.env, IPFS_PUBLISH_REPO: '' }, stdio: ['ignore', 'pipe', 'pipe'] }))
    const mine = `${lease}${child.pid}-`
    let leaseName: string | undefined
    let leaseAt = 0
    let killed = false
    let midWork = false
    let timer: NodeJS.Timeout | undefined
    const watcher = watch(locks, (_event, name) => {
      if (leaseName != null || name == null || !name.startsWith(mine)) return
      leaseName = name
      leaseAt = Date.now()
      if (delayMs != null) {
        timer = setTimeout(() => {
          midWork = existsSync(join(locks, name))
          killed = child.kill('SIGKILL')
        }, delayMs)
      }
    })
    const bound = setTimeout(() => child.kill('SIGKILL'), 120_000)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      const end = Date.now()
      watcher.close()
      clearTimeout(timer)
      clearTimeout(bound)
      killed = killed && signal === 'SIGKILL'
      resolve({ stdout, stderr, code, killed, midWork: killed && midWork, workMs: leaseName != null && !killed ? end - leaseAt : undefined })
    })
  })
}

/** The whole lines printed (a line cut by the kill is left out). */
export function lines (stdout: string): string[] {
  return stdout.split('\n').slice(0, -1).filter(l => l !== '')
}

export async function pins (repo: string): Promise<Map<string, any>> {
  const r = await cli(['--repo', repo, '--json', 'pin', 'ls'], { timeout: 60_000 })
  expect(r.code, r.stderr).toBe(0)
  return new Map(lines(r.stdout).map(l => JSON.parse(l)).map(p => [p.cid, p]))
}

export async function verifyAll (repo: string, what: string): Promise<void> {
  const r = await cli(['--repo', repo, 'verify', '--all'], { timeout: 60_000 })
  expect(r.stderr, what).toBe('')
  expect(r.code, what).toBe(0)
}

export async function listed (repo: string): Promise<string[]> {
  const r = await cli(['--repo', repo, 'ls', '-q'], { timeout: 60_000 })
  expect(r.code, r.stderr).toBe(0)
  return lines(r.stdout)
}

/** The kill delay: a random part of the work's length, a little beyond it (some land just after). */
export function delayOf (random: () => number, workMs: number): number {
  return Math.floor(random() * workMs * 1.15)
}

/** Rewrites an article of a generated corpus: its correction (published to the same path). */
export async function correct (corpus: string, n: number, note: string): Promise<string> {
  const file = join(corpus, `article-${String(n).padStart(3, '0')}.txt`)
  await appendFile(file, `\nCorrection: ${note}.\n`)
  return file
}

/** A repo of {@link BASE_ARTICLES} generated articles (in `corpus`) and an edition of them. */
export async function baseRepo (dir: string): Promise<{ corpus: string, base: string }> {
  const corpus = join(dir, 'corpus')
  gen(corpus, BASE_ARTICLES, 11)
  const base = join(dir, 'base')
  expect((await cli(['--repo', base, 'publish', corpus, '-q'], { timeout: 120_000 })).code).toBe(0)
  const ed = await cli(['--repo', base, '--json', 'edition'], { timeout: 60_000 })
  expect(ed.code, ed.stderr).toBe(0)
  expect(JSON.parse(ed.stdout)).toMatchObject({ articles: BASE_ARTICLES })
  return { corpus, base }
}
