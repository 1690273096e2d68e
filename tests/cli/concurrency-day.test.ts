import { execFileSync } from 'node:child_process'
import { appendFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, ROOT, SAMPLE, tempDir } from '../helpers/cli.js'
import { nextEditionEqualsFull } from '../helpers/edition-full.js'
import { serve } from '../helpers/serve.js'
import type { Served } from '../helpers/serve.js'
import { editionContent } from '../helpers/edition.js'

// A newsroom's day on one repo (issue #21): four publishers (each correcting some of
// its articles mid-way), a loop making editions, a gc loop and `serve --net local`,
// all at once. Afterwards every article printed is pinned, the store verifies, the
// latest edition names every current article, and it equals a full rebuild.

const GEN = join(ROOT, 'tests', 'fixtures', 'gen-articles.mjs')
const PUBLISHERS = 4
const PER_PUBLISHER = 24
/** A bound on the whole day: every loop stops by itself by then. */
const DAY_MS = 150_000

const lines = (stdout: string): string[] => stdout.split('\n').filter(l => l !== '')

describe('a day on one repo: four publishers, an edition loop, gc and serve at once', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let repo: string
  let served: Served | undefined
  beforeAll(async () => {
    tmp = await tempDir()
    for (let k = 0; k < PUBLISHERS; k++) {
      execFileSync(process.execPath, [GEN, '--out', join(tmp.path, `desk-${k}`), '--count', String(PER_PUBLISHER), '--seed', String(3000 + k)], { stdio: 'ignore' })
    }
    repo = join(tmp.path, 'repo')
    expect((await cli(['--repo', repo, 'publish', SAMPLE, '-q'])).code).toBe(0)
  })
  afterAll(async () => {
    await served?.stop('SIGKILL')
    await tmp.cleanup()
  })

  it('every printed article stays pinned, the store verifies, and the latest edition names every current article and equals a full rebuild', async () => {
    const deadline = Date.now() + DAY_MS
    served = await serve(repo, [], DAY_MS + 60_000)
    /** The last CID printed for each source path (its current version), and every CID printed. */
    const current = new Map<string, string>()
    const printed = new Set<string>()
    const failures: string[] = []
    const sample = (await cli(['--repo', repo, '--json', 'publish', SAMPLE])).stdout
    current.set(JSON.parse(sample).path, JSON.parse(sample).cid)

    async function publish (files: string[], who: string): Promise<void> {
      const r = await cli(['--repo', repo, '--json', 'publish', ...files])
      // a publisher waits while gc sweeps, and says so: nothing else goes to stderr
      const said = lines(r.stderr).filter(l => !/^waiting for gc \(pid \d+\) to finish$/.test(l))
      if (r.code !== 0 || said.length > 0) failures.push(`${who}: exit ${r.code}: ${r.stderr}`)
      for (const line of lines(r.stdout)) {
        const { path, cid } = JSON.parse(line)
        current.set(path, cid)
        printed.add(cid)
      }
    }

    // each publisher: its articles five at a time; after the second and the fourth step it corrects two of them (rewritten, published again)
    let publishing = PUBLISHERS
    const publishers = Array.from({ length: PUBLISHERS }, async (_, k) => {
      try {
        const desk = join(tmp.path, `desk-${k}`)
        const files = (await readdir(desk)).sort().map(f => join(desk, f))
        for (let step = 0; step * 5 < files.length && Date.now() < deadline; step++) {
          await publish(files.slice(step * 5, step * 5 + 5), `publisher ${k} step ${step}`)
          if (step === 1 || step === 3) {
            const fix = [files[step * 5 - 3], files[step * 5 + 1]]
            for (const f of fix) await appendFile(f, `\nCorrection by desk ${k} at step ${step}.\n`)
            await publish(fix, `publisher ${k} correcting at step ${step}`)
          }
        }
      } finally {
        publishing--
      }
    })

    // an edition about every second, until the publishers are done and one more after them (bounded in count and time)
    const editions: Array<{ cid: string, articles: number, after: boolean }> = []
    const editionLoop = (async () => {
      for (let n = 0; n < 60 && Date.now() < deadline; n++) {
        const after = publishing === 0
        const r = await cli(['--repo', repo, '--json', 'edition'])
        if (r.code !== 0) failures.push(`edition ${n}: exit ${r.code}: ${r.stderr}`)
        else editions.push({ ...JSON.parse(lines(r.stdout).at(-1)!), after })
        if (after) break
        await sleep(1000)
      }
    })()

    // gc, over and over, while the others work
    let gcs = 0
    const gcLoop = (async () => {
      for (let n = 0; n < 30 && publishing > 0 && Date.now() < deadline; n++) {
        const r = await cli(['--repo', repo, '--json', 'gc'])
        if (r.code !== 0) failures.push(`gc ${n}: exit ${r.code}: ${r.stderr}`)
        else gcs++
        await sleep(700)
      }
    })()

    // the gateway serves the editions as they are made: one read mid-day, one at the end
    const fetched: string[] = []
    async function fetchEdition (): Promise<void> {
      const last = editions.at(-1)
      if (last == null) return
      const res = await fetch(`${served!.gateway}/ipfs/${last.cid}/edition.json`, { signal: AbortSignal.timeout(30_000) })
      if (res.status !== 200) failures.push(`gateway: ${res.status} for edition ${last.cid}`)
      else {
        const ed = await editionContent(async p => await (await fetch(`${served!.gateway}/ipfs/${last.cid}/${p}`, { signal: AbortSignal.timeout(30_000) })).text())
        if (ed.articles.length !== last.articles) failures.push(`gateway: edition ${last.cid} names ${ed.articles.length} articles, not ${last.articles}`)
        fetched.push(last.cid)
      }
    }
    const reader = (async () => {
      while (editions.length < 2 && publishing > 0 && Date.now() < deadline) await sleep(200)
      await fetchEdition()
    })()

    await Promise.all([...publishers, editionLoop, gcLoop, reader])
    await fetchEdition()
    expect(failures).toEqual([])
    expect(gcs).toBeGreaterThan(0)
    expect(fetched.length).toBeGreaterThanOrEqual(1)
    const stopped = await served.stop()
    expect(served.stderr()).not.toMatch(/error/i)
    expect(stopped).toBe(0)
    served = undefined

    // every article printed (current and corrected versions) is pinned
    const pinned = new Set(lines((await cli(['--repo', repo, 'pin', 'ls', '-q'])).stdout))
    for (const cid of printed) expect(pinned.has(cid), cid).toBe(true)
    expect(printed.size).toBe(PUBLISHERS * (PER_PUBLISHER + 4))
    const all = await cli(['--repo', repo, 'verify', '--all'], { timeout: 60_000 })
    expect(all.stderr).toBe('')
    expect(all.code).toBe(0)
    // the articles listed are the current versions
    const currentCids = new Set(current.values())
    expect(currentCids.size).toBe(PUBLISHERS * PER_PUBLISHER + 1)
    expect(new Set(lines((await cli(['--repo', repo, 'ls', '-q'])).stdout))).toEqual(currentCids)

    // the latest edition, made after the publishers were done, names every current article
    const latest = editions.at(-1)!
    expect(latest.after, 'an edition was made after the publishers were done').toBe(true)
    expect(latest.articles).toBe(currentCids.size)
    expect(pinned.has(latest.cid)).toBe(true)
    const ed = await editionContent(async p => (await cli(['--repo', repo, 'cat', `${latest.cid}/${p}`])).stdout)
    expect(new Set(ed.articles.map((a: any) => a.cid))).toEqual(currentCids)

    // and the chain of editions made during the day equals a full rebuild: the next edition
    // (one more change, in one copy) and edition --full (the same change, in another) are the same
    await nextEditionEqualsFull(tmp.path, repo, currentCids.size, 'day')
    console.log(`the day: ${editions.length} editions, ${gcs} gc runs, ${printed.size} CIDs printed, edition fetched from the gateway ${fetched.length} time(s)`)
  }, 300_000)
})
