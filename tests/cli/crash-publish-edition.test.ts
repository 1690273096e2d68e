import { join } from 'node:path'
import { rm } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, tempDir } from '../helpers/cli.js'
import { nextEditionEqualsFull } from '../helpers/edition-full.js'
import { BASE_ARTICLES, baseRepo, copyRepo, correct as correctIn, delayOf, gen, KILLS, listed, lines, pins, prng, runAndKill, verifyAll } from '../helpers/kill.js'

// Crash safety of the repo's own records (issue #21): the pins, versions and article
// index a publish writes with its blocks, and the edition built from them; SIGKILL during
// publish and during edition. 20 SIGKILLs at random moments (timed from the process's own
// lease, tests/helpers/kill.ts); after each, `verify --all` passes, nothing pinned (but
// the edition being replaced) is missing and every listed article is pinned; after the
// kills, the interrupted command runs to its end, and the next edition equals a full
// rebuild (tests/helpers/edition-full.ts).

/** What each group's kills did, printed at the end of the file. */
const landed: Record<string, string> = {}

let tmp: Awaited<ReturnType<typeof tempDir>>
let corpus: string
let base: string
beforeAll(async () => {
  tmp = await tempDir()
  ;({ corpus, base } = await baseRepo(tmp.path))
}, 240_000)
afterAll(async () => {
  console.log(`kills landed mid-work: ${Object.entries(landed).map(([k, v]) => `${k} ${v}`).join('; ')}`)
  await tmp.cleanup()
})

const correct = async (n: number, note: string): Promise<string> => await correctIn(corpus, n, note)

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
      // one that ended before its kill measured its work again: the machine's load changes
      if (run.workMs != null) workMs = run.workMs
      if (!run.killed) expect(run.code, `${what}: ${run.stderr}`).toBe(0)
      // all read only: at once
      const [, after, shown] = await Promise.all([verifyAll(repo, what), pins(repo), listed(repo)])
      // an article listed is pinned: its index entries and its pin land in one commit
      for (const cid of shown) expect(after.has(cid), `${what}: ${cid} is listed`).toBe(true)
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
    await nextEditionEqualsFull(tmp.path, repo, BASE_ARTICLES + KILLS * NEW, 'publish')
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
      // one that ended before its kill measured its work again: the machine's load changes
      if (run.workMs != null) workMs = run.workMs
      if (!run.killed) expect(run.code, `${what}: ${run.stderr}`).toBe(0)
      // all read only: at once
      const [, after, shown] = await Promise.all([verifyAll(repo, what), pins(repo), listed(repo)])
      // an article listed is pinned: its index entries and its pin land in one commit
      for (const cid of shown) expect(after.has(cid), `${what}: ${cid} is listed`).toBe(true)
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

    // the next edition after the kills equals a full rebuild (in copies); edition again here completes
    await nextEditionEqualsFull(tmp.path, repo, count, 'edition')
    const again = await cli(['--repo', repo, '--json', 'edition'], { timeout: 60_000 })
    expect(again.code, again.stderr).toBe(0)
    const next = JSON.parse(again.stdout)
    expect(next).toMatchObject({ articles: count })
    await verifyAll(repo, 'after the edition')
    const after = await pins(repo)
    expect(after.get(next.cid)?.metadata?.kind).toBe('edition')
  }, 600_000)
})

