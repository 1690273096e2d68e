import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildEdition } from '../../../src/core/edition/build-edition.js'
import { publishArticles } from '../../../src/core/publish.js'
import { deleteArticle } from '../../../src/core/store/article-index.js'
import { unpinRoot } from '../../../src/core/store/pins.js'
import { openRepo } from '../../../src/core/store/repo.js'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { catCid } from '../../../src/core/read/cat.js'
import { readAll } from '../../../src/core/read-all.js'
import { getProfile } from '../../../src/core/unixfs/profiles.js'
import { tempDir } from '../../helpers/cli.js'
import type { Repo } from '../../../src/core/store/repo.js'

/** A small deterministic PRNG, so a failing sequence can be replayed from its seed. */
function prng (seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32 }
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
// few titles and dates, so that articles share a base name (`<date>-<slug>`) and take `-2`, `-3`
const TITLES = ['Council Votes on Budget', 'Storm Hits Coast', 'Court Rules on Appeal', 'Team Wins Final', 'Talks Resume in Geneva']

/** One article's text: title, date line (or none: undated), categories, body. */
function text (title: string, date: { y: number, m: number, d: number } | null, body: string): string {
  return `## ${title}\n\n${date != null ? `${MONTHS[date.m]} ${date.d}, ${date.y}\n\n` : ''}— Categories: Test\n\n${body}\n`
}

/**
 * A newsroom's day in random steps: new articles, corrections (new text, a new date
 * in another month, a different title), a return to an earlier text, removals (the
 * article unpinned and taken out of the index, as `pin rm` does) and their return.
 * After every step the next edition is made from the latest one and the change log
 * (incremental.ts), then again from every article (`full`, the oracle) from the same
 * previous edition: the same CID each time.
 */
async function day (repo: Repo, dir: string, seed: number, initial: number, steps: number): Promise<{ incremental: number, compared: number }> {
  const rand = prng(seed)
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]
  const date = (): { y: number, m: number, d: number } | null => rand() < 0.1 ? null : { y: 2024 + Math.floor(rand() * 2), m: Math.floor(rand() * 3), d: 1 + Math.floor(rand() * 3) }
  const files: Array<{ path: string, texts: string[], removed: string | null }> = []
  const publish = async (paths: string[]): Promise<void> => {
    for await (const r of publishArticles(paths, repo, { onlyHash: false })) if (!r.ok) throw new Error(`publish failed: ${r.error.message}`)
  }
  const add = async (): Promise<string> => {
    const path = join(dir, `a${files.length}.txt`)
    const t = text(pick(TITLES), date(), `Body of article ${files.length}. ${rand()}`)
    await writeFile(path, t)
    files.push({ path, texts: [t], removed: null })
    return path
  }
  const first: string[] = []
  for (let i = 0; i < initial; i++) first.push(await add())
  await publish(first)
  let result = await buildEdition(repo, { title: 'T' })
  let incremental = 0
  let compared = 0
  for (let step = 0; step < steps; step++) {
    const changed: string[] = []
    for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) {
      const op = rand()
      const live = files.filter(f => f.removed == null)
      const f = pick(live)
      if (op < 0.22) {
        changed.push(await add())
      } else if (op < 0.30) {
        // a second file with the same text: one bundle, so one article (its index record names the later file)
        const path = join(dir, `a${files.length}.txt`)
        const t = f.texts[f.texts.length - 1]
        await writeFile(path, t)
        files.push({ path, texts: [t], removed: null })
        changed.push(path)
      } else if (op < 0.45) {
        // a correction of the text
        const t = f.texts[f.texts.length - 1].replace(/\n$/, ` Corrected ${step}.\n`)
        await writeFile(f.path, t); f.texts.push(t); changed.push(f.path)
      } else if (op < 0.53) {
        // a new date (perhaps in another month, or none) and title
        const t = text(pick(TITLES), date(), `Redated ${step} ${rand()}`)
        await writeFile(f.path, t); f.texts.push(t); changed.push(f.path)
      } else if (op < 0.62 && f.texts.length > 1) {
        // back to an earlier text: that version is the current one again
        const t = f.texts[Math.floor(rand() * (f.texts.length - 1))]
        await writeFile(f.path, t); f.texts.push(t); changed.push(f.path)
      } else if (op < 0.85 && live.length > 3) {
        // removed: its current version unpinned and out of the index (pin rm); its path is retired
        const [r] = await Promise.all([(async () => { for await (const x of publishArticles([f.path], undefined, { onlyHash: true })) return x })()])
        if (r?.ok !== true) throw new Error('hash failed')
        // (a file whose text another removed file had is gone already)
        await unpinRoot(repo, CID.parse(r.cid)).catch((err: any) => { if (err?.name !== 'NotFoundError') throw err })
        await deleteArticle(repo.datastore, r.cid)
        await repo.flush()
        f.removed = r.cid
      } else {
        // a removed article comes back (its retired path is its own again), or nothing changes
        const back = files.find(x => x.removed != null)
        if (back != null) { back.removed = null; changed.push(back.path) }
      }
    }
    const unique = [...new Set(changed)].filter(p => files.find(f => f.path === p)?.removed == null)
    if (unique.length > 0) await publish(unique)
    const previous = result.cid.toString()
    const next = await buildEdition(repo, { title: 'T' })
    if (next.incremental) incremental++
    const full = await buildEdition(repo, { title: 'T', full: true, ...(next.unchanged ? {} : { previous: next.previous }) })
    expect(full.incremental).toBe(false)
    expect(full.cid.toString(), `seed ${seed}, step ${step}`).toBe(next.cid.toString())
    expect(full.articles).toBe(next.articles)
    expect(full.corrected).toBe(next.corrected)
    if (!next.unchanged) expect(next.previous).toBe(previous)
    compared++
    result = next
  }
  return { incremental, compared }
}

describe('incremental editions: the same CID as a full rebuild', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { tmp = await tempDir() })
  afterAll(async () => { await tmp.cleanup() })

  for (const seed of [1, 2]) {
    it(`random days of new, corrected, redated, reverted, removed and returning articles (seed ${seed})`, async () => {
      const dir = join(tmp.path, `articles-${seed}`)
      await mkdir(dir, { recursive: true })
      const repo = await openRepo(join(tmp.path, `repo-${seed}`))
      try {
        const { incremental, compared } = await day(repo, dir, seed, 30, 30)
        expect(compared).toBe(30)
        // the change log made nearly every edition (a step with no change returns the latest edition)
        expect(incremental).toBeGreaterThanOrEqual(28)
      } finally {
        await repo.close()
      }
    }, 300_000)
  }

  it('two files with the same text are one article (the later file\'s); correcting the first leaves that article where it is', async () => {
    const dir = join(tmp.path, 'articles-same')
    await mkdir(dir, { recursive: true })
    const repo = await openRepo(join(tmp.path, 'repo-same'))
    try {
      const publish = async (paths: string[]): Promise<string[]> => {
        const out: string[] = []
        for await (const r of publishArticles(paths, repo)) { if (!r.ok) throw new Error(r.error.message); out.push(r.cid) }
        return out
      }
      const same = text('Storm Hits Coast', { y: 2025, m: 1, d: 2 }, 'The same words.')
      await writeFile(join(dir, 'a.txt'), same)
      await writeFile(join(dir, 'other.txt'), text('Team Wins Final', { y: 2025, m: 1, d: 3 }, 'Other words.'))
      await publish([join(dir, 'a.txt'), join(dir, 'other.txt')])
      await buildEdition(repo, { title: 'T' })
      await writeFile(join(dir, 'b.txt'), same)
      const [c] = await publish([join(dir, 'b.txt')])
      const second = await buildEdition(repo, { title: 'T' })
      expect(second).toMatchObject({ articles: 2, incremental: true })
      await writeFile(join(dir, 'a.txt'), text('Storm Hits Coast', { y: 2025, m: 1, d: 2 }, 'The same words, corrected.'))
      await publish([join(dir, 'a.txt')])
      const next = await buildEdition(repo, { title: 'T' })
      expect(next).toMatchObject({ articles: 3, incremental: true })
      const full = await buildEdition(repo, { title: 'T', full: true, previous: next.previous })
      expect(full.cid.toString()).toBe(next.cid.toString())
      // the previous edition named in another multibase is the same CID, recorded in its usual text
      const upper = await buildEdition(repo, { title: 'T', full: true, previous: next.previous!.toUpperCase() })
      expect(upper).toMatchObject({ cid: full.cid, previous: next.previous })
      expect(c).toBeDefined()
    } finally {
      await repo.close()
    }
  }, 120_000)

  it('a CI runner: from a manifest and the previous edition (fetched), the articles it published are the changed ones; the same CID as a full build; a change it did not publish makes a full build', async () => {
    const dir = join(tmp.path, 'articles-runner')
    await mkdir(dir, { recursive: true })
    const node = await openRepo(join(tmp.path, 'repo-node'))
    const runners: Repo[] = []
    try {
      const manifest: Record<string, { cid: string, link: string, title: string | null, date: string | null, previous?: string[] }> = {}
      const publish = async (repo: Repo, files: string[]): Promise<void> => {
        for await (const r of publishArticles(files.map(f => join(dir, f)), repo)) {
          if (!r.ok) throw new Error(r.error.message)
          const key = r.path.slice(dir.length + 1)
          const before = manifest[key]
          if (before != null && before.cid !== r.cid) manifest[key] = { ...r, cid: r.cid, previous: [...(before.previous ?? []), before.cid].filter(c => c !== r.cid) }
          else manifest[key] = { cid: r.cid, link: r.link, title: r.title, date: r.date, ...(before?.previous != null ? { previous: before.previous } : {}) }
        }
      }
      const files: string[] = []
      for (let i = 0; i < 40; i++) {
        files.push(`r${i}.txt`)
        await writeFile(join(dir, `r${i}.txt`), text(TITLES[i % TITLES.length], { y: 2025, m: i % 4, d: 1 + (i % 5) }, `Runner body ${i}.`))
      }
      await publish(node, files)
      let previous = (await buildEdition(node, { title: 'T', manifest: structuredClone(manifest) })).cid.toString()
      // the node holds everything a runner lacks
      const fetchBlock = async (cid: CID): Promise<Uint8Array> => await readAll(node.blockstore.get(cid))
      const runner = async (name: string, changed: string[]): Promise<{ incremental: boolean, cid: string }> => {
        const r = await openRepo(join(tmp.path, name))
        runners.push(r)
        await publish(r, changed)
        // the node publishes them too (CI pins them there): what the next runner fetches
        await publish(node, changed)
        const made = await buildEdition(r, { title: 'T', manifest: structuredClone(manifest), previous, fetchBlock })
        const oracle = await openRepo(join(tmp.path, `${name}-full`))
        runners.push(oracle)
        for await (const x of publishArticles(changed.map(f => join(dir, f)), oracle)) if (!x.ok) throw new Error(x.error.message)
        const full = await buildEdition(oracle, { title: 'T', manifest: structuredClone(manifest), previous, fetchBlock, full: true })
        expect(full.cid.toString(), name).toBe(made.cid.toString())
        // the upload: what the node lacks of the new edition goes to it (edition --pin-remote-kind kubo-rpc)
        const todo = [made.cid]
        for (let c = todo.pop(); c != null; c = todo.pop()) {
          if (await node.blockstore.has(c)) continue
          const bytes = await readAll(r.blockstore.get(c))
          await node.blockstore.put(c, bytes)
          if (c.code === dagPb.code) for (const l of dagPb.decode(bytes).Links) todo.push(l.Hash)
        }
        await node.flush()
        previous = made.cid.toString()
        return { incremental: made.incremental, cid: made.cid.toString() }
      }
      await writeFile(join(dir, 'r3.txt'), text(TITLES[3], { y: 2025, m: 3, d: 4 }, 'Runner body 3, corrected.'))
      await writeFile(join(dir, 'r40.txt'), text(TITLES[0], { y: 2025, m: 0, d: 1 }, 'A new one with a taken base name.'))
      expect((await runner('runner-1', ['r3.txt', 'r40.txt'])).incremental).toBe(true)
      await writeFile(join(dir, 'r7.txt'), text(TITLES[2], { y: 2025, m: 3, d: 2 }, 'Runner body 7, corrected once.'))
      expect((await runner('runner-2', ['r7.txt'])).incremental).toBe(true)
      // the manifest changes an article this runner did not publish (its earlier version dropped by hand): the
      // sums disagree, the full build runs, and it takes that in
      expect(manifest['r3.txt'].previous).toHaveLength(1)
      delete manifest['r3.txt'].previous
      await writeFile(join(dir, 'r10.txt'), text(TITLES[0], { y: 2025, m: 2, d: 5 }, 'Runner body 10, corrected.'))
      expect((await runner('runner-3', ['r10.txt'])).incremental).toBe(false)
      // and the next runner is incremental again
      await writeFile(join(dir, 'r11.txt'), text(TITLES[1], { y: 2025, m: 3, d: 2 }, 'Runner body 11, corrected.'))
      expect((await runner('runner-4', ['r11.txt'])).incremental).toBe(true)
    } finally {
      for (const r of runners) await r.close()
      await node.close()
    }
  }, 300_000)

  it('an articles/ folder that crosses the HAMT threshold both ways (plain ↔ sharded), then changes inside the HAMT', async () => {
    const dir = join(tmp.path, 'articles-big')
    await mkdir(dir, { recursive: true })
    const repo = await openRepo(join(tmp.path, 'repo-big'))
    try {
      let n = 0
      const cids = new Map<string, string>()
      const publish = async (paths: string[]): Promise<void> => {
        for await (const r of publishArticles(paths, repo)) { if (!r.ok) throw new Error(r.error.message); cids.set(r.path, r.cid) }
      }
      const add = async (count: number): Promise<void> => {
        const paths: string[] = []
        for (let i = 0; i < count; i++, n++) {
          const path = join(dir, `b${n}.txt`)
          await writeFile(path, text(TITLES[n % TITLES.length], { y: 2024 + (n % 2), m: n % 12, d: 1 + (n % 28) }, `Body ${n}.`))
          paths.push(path)
        }
        await publish(paths)
      }
      const remove = async (count: number): Promise<void> => {
        for (const [path, cid] of [...cids].slice(0, count)) {
          await unpinRoot(repo, CID.parse(cid))
          await deleteArticle(repo.datastore, cid)
          cids.delete(path)
        }
        await repo.flush()
      }
      /** The next edition, checked against a full rebuild; whether its articles/ is a HAMT, and its size estimate. */
      const next = async (): Promise<{ sharded: boolean, size: number }> => {
        const e = await buildEdition(repo, { title: 'T' })
        expect(e.incremental).toBe(true)
        const full = await buildEdition(repo, { title: 'T', full: true, previous: e.previous })
        expect(full.cid.toString()).toBe(e.cid.toString())
        const index = JSON.parse(new TextDecoder().decode(await readAll(catCid(`${e.cid}/edition.json`, repo.blockstore))))
        const root = dagPb.decode(await readAll(repo.blockstore.get(e.cid)))
        const articles = dagPb.decode(await readAll(repo.blockstore.get(root.Links.find(l => l.Name === 'articles')!.Hash)))
        return { sharded: UnixFS.unmarshal(articles.Data!).type === 'hamt-sharded-directory', size: index.sizes.articles }
      }
      await add(1000)
      await buildEdition(repo, { title: 'T' })
      await add(1)
      let state = await next()
      expect(state.sharded).toBe(false)
      // enough new articles to cross the threshold (the index records the folder's size estimate), then back under it
      const per = state.size / n
      const over = Math.ceil((getProfile('unixfs-v1-2025').hamtThresholdBytes - state.size) / per) + 3
      await add(over)
      state = await next()
      expect(state.sharded).toBe(true)
      await remove(over + 3)
      state = await next()
      expect(state.sharded).toBe(false)
      await add(over + 40)
      state = await next()
      expect(state.sharded).toBe(true)
      // inside the HAMT: additions, removals and a correction in one step, then each alone
      await add(7)
      await remove(5)
      const [path] = [...cids.keys()].slice(-1)
      await writeFile(path, text('Team Wins Final', { y: 2025, m: 5, d: 9 }, 'Corrected.'))
      await publish([path])
      expect((await next()).sharded).toBe(true)
      await add(1)
      expect((await next()).sharded).toBe(true)
      await remove(1)
      expect((await next()).sharded).toBe(true)
    } finally {
      await repo.close()
    }
  }, 600_000)
})
