import { execFileSync, spawn } from 'node:child_process'
import { existsSync, watch } from 'node:fs'
import { appendFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cli, ROOT, tempDir } from '../helpers/cli.js'
import { detBytes } from '../helpers/fixtures.js'
import { track } from '../helpers/processes.js'

// Crash safety of the repo's own records (issue #21): the pin set, the versions and
// the article index written in the same commit as the blocks, and the edition built
// from them. 20 SIGKILLs at random moments during each of publish, edition, pin rm
// and gc; after each, `verify --all` passes and nothing pinned (that was not being
// removed) is missing; after the kills, the interrupted command runs to its end, and
// the next edition equals a full rebuild (`edition` in one copy of the repo,
// `edition --full` in another: the same CID).

const GEN = join(ROOT, 'tests', 'fixtures', 'gen-articles.mjs')
const KILLS = 20
const BASE_ARTICLES = 300

/** A small deterministic PRNG, so that a failing kill time can be replayed. */
function prng (seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32 }
}

function gen (out: string, count: number, seed: number): void {
  execFileSync(process.execPath, [GEN, '--out', out, '--count', String(count), '--seed', String(seed)], { stdio: 'ignore' })
}

function copyRepo (from: string, to: string): void {
  execFileSync('cp', ['-a', from, to])
}

interface Run {
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
async function runAndKill (repo: string, args: string[], lease: 'w-' | 'gco-', delayMs: number | null): Promise<Run> {
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
function lines (stdout: string): string[] {
  return stdout.split('\n').slice(0, -1).filter(l => l !== '')
}

async function pins (repo: string): Promise<Map<string, any>> {
  const r = await cli(['--repo', repo, '--json', 'pin', 'ls'], { timeout: 60_000 })
  expect(r.code, r.stderr).toBe(0)
  return new Map(lines(r.stdout).map(l => JSON.parse(l)).map(p => [p.cid, p]))
}

async function verifyAll (repo: string, what: string): Promise<void> {
  const r = await cli(['--repo', repo, 'verify', '--all'], { timeout: 60_000 })
  expect(r.stderr, what).toBe('')
  expect(r.code, what).toBe(0)
}

async function listed (repo: string): Promise<string[]> {
  const r = await cli(['--repo', repo, 'ls', '-q'], { timeout: 60_000 })
  expect(r.code, r.stderr).toBe(0)
  return lines(r.stdout)
}

/**
 * The next edition equals a full rebuild: `edition` in one copy of the repo and
 * `edition --full` in another give the same CID, and that edition's edition.json
 * names `expected` articles: the ones `ls` lists.
 */
async function nextEditionEqualsFull (tmp: string, repo: string, expected: number, label: string): Promise<{ cid: string, articles: number }> {
  const inc = join(tmp, `${label}-next`)
  const full = join(tmp, `${label}-full`)
  copyRepo(repo, inc)
  copyRepo(repo, full)
  try {
    const a = await cli(['--repo', inc, '--json', 'edition'], { timeout: 60_000 })
    const b = await cli(['--repo', full, '--json', 'edition', '--full'], { timeout: 60_000 })
    expect(a.code, a.stderr).toBe(0)
    expect(b.code, b.stderr).toBe(0)
    const next = JSON.parse(lines(a.stdout).at(-1)!)
    const rebuilt = JSON.parse(lines(b.stdout).at(-1)!)
    expect(CID.parse(next.cid).version).toBe(1)
    expect(CID.parse(rebuilt.cid).version).toBe(1)
    expect(next.articles, label).toBe(expected)
    expect(rebuilt, `${label}: the next edition equals a full rebuild`).toMatchObject({ cid: next.cid, articles: next.articles })
    const ed = await cli(['--repo', inc, 'cat', `${next.cid}/edition.json`])
    expect(ed.code, ed.stderr).toBe(0)
    const named = JSON.parse(ed.stdout).articles.map((a: any) => a.cid)
    expect(named).toHaveLength(expected)
    expect(new Set(named)).toEqual(new Set(await listed(inc)))
    return next
  } finally {
    await rm(inc, { recursive: true, force: true })
    await rm(full, { recursive: true, force: true })
  }
}

/** What each group's kills did, printed at the end of the file. */
const landed: Record<string, string> = {}

let tmp: Awaited<ReturnType<typeof tempDir>>
let corpus: string
let base: string
beforeAll(async () => {
  tmp = await tempDir()
  corpus = join(tmp.path, 'corpus')
  gen(corpus, BASE_ARTICLES, 11)
  // the base repo: the corpus published and an edition made
  base = join(tmp.path, 'base')
  expect((await cli(['--repo', base, 'publish', corpus, '-q'], { timeout: 120_000 })).code).toBe(0)
  const ed = await cli(['--repo', base, '--json', 'edition'], { timeout: 60_000 })
  expect(ed.code, ed.stderr).toBe(0)
  expect(JSON.parse(ed.stdout)).toMatchObject({ articles: BASE_ARTICLES })
}, 240_000)
afterAll(async () => {
  console.log(`kills landed mid-work: ${Object.entries(landed).map(([k, v]) => `${k} ${v}`).join('; ')}`)
  await tmp.cleanup()
})

/** Rewrites an article of the corpus: its correction (published to the same path). */
async function correct (n: number, note: string): Promise<string> {
  const file = join(corpus, `article-${String(n).padStart(3, '0')}.txt`)
  await appendFile(file, `\nCorrection: ${note}.\n`)
  return file
}

/** The kill delay: a random part of the work's length, a little beyond it (some land just after). */
function delayOf (random: () => number, workMs: number): number {
  return Math.floor(random() * workMs * 1.15)
}

describe('crash safety: SIGKILL during publish of new and corrected articles into a repo with an edition', () => {
  const NEW = 25
  const CORRECTED = 5
  let repo: string
  let workMs = 500
  beforeAll(async () => {
    repo = join(tmp.path, 'publish')
    copyRepo(base, repo)
    for (let i = 0; i < KILLS; i++) gen(join(tmp.path, 'batches', `b${i}`), NEW, 100 + i)
    // how long the work of one batch takes on this machine now (on a copy, and a copy of the corpus files it corrects)
    const calib = join(tmp.path, 'publish-calibration')
    copyRepo(repo, calib)
    const run = await runAndKill(calib, ['publish', join(tmp.path, 'batches', 'b0'), '-q'], 'w-', null)
    expect(run.code, run.stderr).toBe(0)
    workMs = run.workMs ?? workMs
    await rm(calib, { recursive: true, force: true })
  }, 240_000)

  it(`${KILLS} kills: verify --all passes, every earlier pin and every printed CID stays pinned; publishing again completes; the next edition equals a full rebuild`, async () => {
    const random = prng(2112)
    let midWork = 0
    const corrected: string[] = []
    // the pins before each kill: those after the one before (nothing else writes meanwhile)
    let current = await pins(repo)
    for (let i = 0; i < KILLS; i++) {
      const batch = join(tmp.path, 'batches', `b${i}`)
      const files: string[] = []
      for (let k = 0; k < CORRECTED; k++) files.push(await correct(i * CORRECTED + k, `batch ${i}`))
      corrected.push(...files)
      const before = current
      const delay = delayOf(random, workMs)
      const run = await runAndKill(repo, ['--json', 'publish', batch, ...files], 'w-', delay)
      const what = `kill ${i} after ${delay} ms of ${workMs}`
      if (run.midWork) midWork++
      if (!run.killed) expect(run.code, `${what}: ${run.stderr}`).toBe(0)
      await verifyAll(repo, what)
      const after = await pins(repo)
      for (const cid of before.keys()) expect(after.has(cid), `${what}: ${cid} was pinned`).toBe(true)
      for (const line of lines(run.stdout)) expect(after.has(JSON.parse(line).cid), `${what}: printed ${line}`).toBe(true)
      current = after
    }
    landed.publish = `${midWork}/${KILLS}`
    // a good part of the kills landed inside the work (the repo open for writing), not before or after it
    expect(midWork, `kills were meant to land within the ${workMs} ms of work`).toBeGreaterThanOrEqual(KILLS / 4)

    // publishing again completes, and every article it prints is pinned
    const again = await cli(['--repo', repo, '--json', 'publish', join(tmp.path, 'batches'), ...corrected], { timeout: 120_000 })
    expect(again.code, again.stderr).toBe(0)
    const printed = lines(again.stdout).map(l => JSON.parse(l))
    expect(printed).toHaveLength(KILLS * (NEW + CORRECTED))
    const after = await pins(repo)
    for (const p of printed) expect(after.has(p.cid)).toBe(true)
    // every corrected article's current text is the last one written
    const sample = printed.find(p => p.path.endsWith('article-042.txt'))
    const text = await cli(['--repo', repo, 'cat', `${sample.cid}/article.txt`])
    expect(text.stdout).toMatch(/Correction: batch 8\.\n$/)
    await verifyAll(repo, 'after publishing again')
    expect(await listed(repo)).toHaveLength(BASE_ARTICLES + KILLS * NEW)
    const next = await nextEditionEqualsFull(tmp.path, repo, BASE_ARTICLES + KILLS * NEW, 'publish')
    expect(next.articles).toBe(BASE_ARTICLES + KILLS * NEW)
  }, 600_000)
})

describe('crash safety: SIGKILL during edition, with changes pending', () => {
  let repo: string
  let workMs = 500
  let count = BASE_ARTICLES
  /** Publishes changes for the next edition to take: 3 new articles and a correction. */
  async function pending (i: number): Promise<string[]> {
    const dir = join(tmp.path, 'edition-new', `e${i}`)
    gen(dir, 3, 500 + i)
    const file = await correct(200 + i, `edition ${i}`)
    const r = await cli(['--repo', repo, 'publish', dir, file, '-q'], { timeout: 60_000 })
    expect(r.code, r.stderr).toBe(0)
    count += 3
    return lines(r.stdout)
  }
  beforeAll(async () => {
    repo = join(tmp.path, 'edition')
    copyRepo(base, repo)
    await pending(0)
    const calib = join(tmp.path, 'edition-calibration')
    copyRepo(repo, calib)
    const run = await runAndKill(calib, ['edition'], 'w-', null)
    expect(run.code, run.stderr).toBe(0)
    workMs = run.workMs ?? workMs
    await rm(calib, { recursive: true, force: true })
  }, 240_000)

  it(`${KILLS} kills: verify --all passes, nothing pinned is lost but the edition replaced; edition again completes and equals a full rebuild`, async () => {
    const random = prng(4242)
    let midWork = 0
    let made = 0
    let current = await pins(repo)
    for (let i = 0; i < KILLS; i++) {
      // the pins before the kill: those after the one before, and what was published since
      const before = new Map(current)
      if (i > 0) for (const cid of await pending(i)) before.set(cid, { cid })
      const editionsBefore = [...before.values()].filter(p => p.metadata?.kind === 'edition').map(p => p.cid)
      expect(editionsBefore.length, `kill ${i}`).toBeGreaterThanOrEqual(1)
      const delay = delayOf(random, workMs)
      const run = await runAndKill(repo, ['--json', 'edition'], 'w-', delay)
      const what = `kill ${i} after ${delay} ms of ${workMs}`
      if (run.midWork) midWork++
      if (!run.killed) expect(run.code, `${what}: ${run.stderr}`).toBe(0)
      await verifyAll(repo, what)
      const after = await pins(repo)
      // every pin but the replaced edition's stays
      for (const cid of before.keys()) if (!editionsBefore.includes(cid)) expect(after.has(cid), `${what}: ${cid} was pinned`).toBe(true)
      const editionsAfter = [...after.values()].filter(p => p.metadata?.kind === 'edition').map(p => p.cid)
      // an edition is pinned whatever the moment: the old one, or the new one that replaced it
      expect(editionsAfter.length, what).toBeGreaterThanOrEqual(1)
      const fresh = editionsAfter.filter(cid => !editionsBefore.includes(cid))
      if (fresh.length > 0) made++
      // a printed edition is pinned
      for (const line of lines(run.stdout)) expect(after.has(JSON.parse(line).cid), `${what}: printed ${line}`).toBe(true)
      // an edition that was unpinned was replaced by a new one
      if (editionsBefore.some(cid => !after.has(cid))) expect(fresh.length, what).toBeGreaterThanOrEqual(1)
      current = after
    }
    landed.edition = `${midWork}/${KILLS} (${made} editions made before their kill)`
    expect(midWork, `kills were meant to land within the ${workMs} ms of work`).toBeGreaterThanOrEqual(KILLS / 4)

    // the next edition after the kills equals a full rebuild; made here, it is the same
    const next = await nextEditionEqualsFull(tmp.path, repo, count, 'edition')
    const again = await cli(['--repo', repo, '--json', 'edition'], { timeout: 60_000 })
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ cid: next.cid, articles: count })
    await verifyAll(repo, 'after the edition')
    const after = await pins(repo)
    expect(after.get(next.cid)?.metadata?.kind).toBe('edition')
  }, 600_000)
})

describe('crash safety: SIGKILL during pin rm of several roots', () => {
  const PER_KILL = 8
  let repo: string
  let workMs = 200
  let roots: string[] = []
  beforeAll(async () => {
    repo = join(tmp.path, 'pin-rm')
    copyRepo(base, repo)
    // roots that no edition names, beside the base's articles that the edition names
    const extra = join(tmp.path, 'pin-rm-extra')
    gen(extra, 2 * KILLS, 900)
    const r = await cli(['--repo', repo, 'publish', extra, '-q'], { timeout: 60_000 })
    expect(r.code, r.stderr).toBe(0)
    const unnamed = lines(r.stdout)
    const named = (await listed(repo)).filter(cid => !unnamed.includes(cid))
    // each kill removes 6 roots an edition names and 2 it does not
    for (let i = 0; i < KILLS; i++) roots.push(...named.slice(i * 6, i * 6 + 6), ...unnamed.slice(i * 2, i * 2 + 2))
    const calib = join(tmp.path, 'pin-rm-calibration')
    copyRepo(repo, calib)
    const run = await runAndKill(calib, ['pin', 'rm', ...roots.slice(0, PER_KILL)], 'w-', null)
    expect(run.code, run.stderr).toBe(0)
    workMs = run.workMs ?? workMs
    await rm(calib, { recursive: true, force: true })
  }, 240_000)

  it(`${KILLS} kills: verify --all passes, every other root stays pinned, a printed unpin holds; pin rm again completes; the next edition equals a full rebuild`, async () => {
    const random = prng(777)
    let midWork = 0
    const total = (await listed(repo)).length
    let current = await pins(repo)
    for (let i = 0; i < KILLS; i++) {
      const removing = roots.slice(i * PER_KILL, (i + 1) * PER_KILL)
      const before = current
      for (const cid of removing) expect(before.has(cid)).toBe(true)
      const delay = delayOf(random, workMs)
      const run = await runAndKill(repo, ['pin', 'rm', ...removing], 'w-', delay)
      const what = `kill ${i} after ${delay} ms of ${workMs}`
      if (run.midWork) midWork++
      if (!run.killed) expect(run.code, `${what}: ${run.stderr}`).toBe(0)
      await verifyAll(repo, what)
      const after = await pins(repo)
      for (const cid of before.keys()) if (!removing.includes(cid)) expect(after.has(cid), `${what}: ${cid} was pinned`).toBe(true)
      // an unpin printed is done
      for (const line of lines(run.stdout)) {
        const cid = /^unpinned (\S+)/.exec(line)?.[1]
        expect(cid, line).toBeDefined()
        expect(after.has(cid!), `${what}: ${line}`).toBe(false)
      }
      current = after
    }
    landed['pin rm'] = `${midWork}/${KILLS}`
    expect(midWork, `kills were meant to land within the ${workMs} ms of work`).toBeGreaterThanOrEqual(KILLS / 4)

    // pin rm again, of the roots the kills left pinned: it completes, and none of them is pinned
    const left = [...(await pins(repo)).keys()].filter(cid => roots.includes(cid))
    if (left.length > 0) {
      const again = await cli(['--repo', repo, 'pin', 'rm', ...left], { timeout: 60_000 })
      expect(again.code, again.stderr).toBe(0)
    }
    const after = await pins(repo)
    for (const cid of roots) expect(after.has(cid)).toBe(false)
    expect(await listed(repo)).toHaveLength(total - roots.length)
    // an article that stays is whole
    const kept = (await listed(repo))[0]
    expect((await cli(['--repo', repo, 'cat', `${kept}/metadata.json`])).code).toBe(0)
    await verifyAll(repo, 'after pin rm again')
    await nextEditionEqualsFull(tmp.path, repo, total - roots.length, 'pin-rm')
  }, 600_000)
})

describe('crash safety: SIGKILL during gc with garbage to sweep', () => {
  let repo: string
  let car: string
  let workMs = 500
  let keptBlocks = 0
  async function addGarbage (): Promise<void> {
    const r = await cli(['--repo', repo, 'import', '--no-pin', car], { timeout: 60_000 })
    expect(r.code, r.stderr).toBe(0)
  }
  beforeAll(async () => {
    repo = join(tmp.path, 'gc')
    copyRepo(base, repo)
    // garbage of every kind: an edition replaced (its own blocks), articles unpinned, and
    // content imported unpinned (a corpus and a 2 MiB file: blocks in files)
    const more = join(tmp.path, 'gc-more')
    gen(more, 10, 1300)
    expect((await cli(['--repo', repo, 'publish', more, '-q'], { timeout: 60_000 })).code).toBe(0)
    expect((await cli(['--repo', repo, 'edition'], { timeout: 60_000 })).code).toBe(0)
    const unpin = (await listed(repo)).slice(0, 5)
    expect((await cli(['--repo', repo, 'pin', 'rm', ...unpin])).code).toBe(0)
    const src = join(tmp.path, 'gc-src')
    const other = join(tmp.path, 'gc-other')
    gen(other, 150, 1301)
    await writeFile(join(tmp.path, 'gc-big.bin'), detBytes(2 * 1024 * 1024 + 5, 'gc-records'))
    expect((await cli(['--repo', src, 'publish', other, '-q'], { timeout: 60_000 })).code).toBe(0)
    expect((await cli(['--repo', src, 'add', join(tmp.path, 'gc-big.bin'), '-q'])).code).toBe(0)
    car = join(tmp.path, 'gc-garbage.car')
    expect((await cli(['--repo', src, 'export', '--all', '-o', car], { timeout: 60_000 })).code).toBe(0)
    // what stays, once everything is swept
    const calib = join(tmp.path, 'gc-calibration')
    copyRepo(repo, calib)
    expect((await cli(['--repo', calib, 'import', '--no-pin', car], { timeout: 60_000 })).code).toBe(0)
    const run = await runAndKill(calib, ['gc'], 'gco-', null)
    expect(run.code, run.stderr).toBe(0)
    workMs = run.workMs ?? workMs
    keptBlocks = JSON.parse((await cli(['--repo', calib, 'stat', '--json'])).stdout).blocks
    await rm(calib, { recursive: true, force: true })
  }, 240_000)

  it(`${KILLS} kills: verify --all passes and every pin stays after each; gc again sweeps all the garbage; the next edition equals a full rebuild`, async () => {
    const random = prng(1313)
    let midWork = 0
    // gc changes no pin: the pins are the same after each kill (an import --no-pin adds none)
    const before = await pins(repo)
    for (let i = 0; i < KILLS; i++) {
      // new garbage every other kill (a kill after the sweep left none)
      if (i % 2 === 0) await addGarbage()
      const delay = delayOf(random, workMs)
      const run = await runAndKill(repo, ['gc'], 'gco-', delay)
      const what = `kill ${i} after ${delay} ms of ${workMs}`
      if (run.midWork) midWork++
      if (!run.killed) expect(run.code, `${what}: ${run.stderr}`).toBe(0)
      await verifyAll(repo, what)
      expect([...(await pins(repo)).keys()].sort(), what).toEqual([...before.keys()].sort())
    }
    landed.gc = `${midWork}/${KILLS}`
    expect(midWork, `kills were meant to land within the ${workMs} ms of work`).toBeGreaterThanOrEqual(KILLS / 4)

    const again = await cli(['--repo', repo, '--json', 'gc'], { timeout: 60_000 })
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse((await cli(['--repo', repo, 'stat', '--json'])).stdout).blocks).toBe(keptBlocks)
    const articles = await listed(repo)
    expect(articles).toHaveLength(BASE_ARTICLES + 10 - 5)
    expect((await cli(['--repo', repo, 'cat', `${articles[articles.length - 1]}/article.txt`])).code).toBe(0)
    await verifyAll(repo, 'after gc again')
    await nextEditionEqualsFull(tmp.path, repo, BASE_ARTICLES + 10 - 5, 'gc')
  }, 600_000)
})
