import { join } from 'node:path'
import { rm, writeFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, tempDir } from '../helpers/cli.js'
import { detBytes } from '../helpers/fixtures.js'
import { nextEditionEqualsFull } from '../helpers/edition-full.js'
import { BASE_ARTICLES, baseRepo, copyRepo, delayOf, gen, KILLS, listed, lines, pins, prng, runAndKill, verifyAll } from '../helpers/kill.js'

// Crash safety of the repo's own records (issue #21): the pin set, SIGKILL during pin rm
// and during gc. 20 SIGKILLs at random moments (timed from the process's own lease, tests/helpers/kill.ts); after each,
// `verify --all` passes and nothing pinned (that was not being removed) is missing;
// after the kills, the interrupted command runs to its end, and the next edition equals
// a full rebuild (`edition` in one copy of the repo, `edition --full` in another).

/** What each group's kills did, printed at the end of the file. */
const landed: Record<string, string> = {}

let tmp: Awaited<ReturnType<typeof tempDir>>
let base: string
beforeAll(async () => {
  tmp = await tempDir()
  ;({ base } = await baseRepo(tmp.path))
}, 240_000)
afterAll(async () => {
  console.log(`kills landed mid-work: ${Object.entries(landed).map(([k, v]) => `${k} ${v}`).join('; ')}`)
  await tmp.cleanup()
})

describe('crash safety: SIGKILL during pin rm of several roots', () => {
  const PER_KILL = 8
  let repo: string
  let workMs = 200
  const roots: string[] = []
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
      // one that ended before its kill measured its work again: the machine's load changes
      if (run.workMs != null) workMs = run.workMs
      if (!run.killed) expect(run.code, `${what}: ${run.stderr}`).toBe(0)
      // all read only: at once
      const [, after, shown] = await Promise.all([verifyAll(repo, what), pins(repo), listed(repo)])
      // an article listed is pinned: its unpin and its index entries' removal land in one commit
      for (const cid of shown) expect(after.has(cid), `${what}: ${cid} is listed`).toBe(true)
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
      // one that ended before its kill measured its work again: the machine's load changes
      if (run.workMs != null) workMs = run.workMs
      if (!run.killed) expect(run.code, `${what}: ${run.stderr}`).toBe(0)
      const [, after] = await Promise.all([verifyAll(repo, what), pins(repo)])
      expect([...after.keys()].sort(), what).toEqual([...before.keys()].sort())
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

