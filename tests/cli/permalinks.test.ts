// Permalinks: an article's path in the edition is fixed the first time it appears and kept in every
// later edition (issue 20, item 4). Every edition here is made from a manifest written by the test,
// chained with --previous, so that the order articles appear in is the test's, not the CIDs'.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, tempDir } from '../helpers/cli.js'
import { editionContent } from '../helpers/edition.js'

const TITLE = 'Ministers rejected the plan'
const BASE = 'articles/2020-07-05-ministers-rejected-the-plan'

async function edition (repo: string, args: string[], cwd: string): Promise<{ cid: string, [k: string]: any }> {
  const res = await cli(['--repo', repo, 'edition', '--json', '--title', 'Test', ...args], { cwd })
  if (res.code !== 0) throw new Error(`edition failed (${res.code}): ${res.stderr}`)
  return JSON.parse(res.stdout)
}

async function editionJson (repo: string, cid: string): Promise<any> {
  return await editionContent(async p => {
    const res = await cli(['--repo', repo, 'cat', `${cid}/${p}`])
    expect(res.code).toBe(0)
    return res.stdout
  })
}

/** Article CID → its path in the edition. */
async function pathsOf (repo: string, cid: string): Promise<Map<string, string>> {
  return new Map((await editionJson(repo, cid)).articles.map((a: any) => [a.cid, a.path]))
}

const permutations = <T>(xs: T[]): T[][] => xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map(p => [x, ...p]))

describe('permalinks never move', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let site: string
  let repo: string
  /** The published manifest: file → entry. */
  let published: Record<string, any>
  beforeAll(async () => {
    tmp = await tempDir()
    site = join(tmp.path, 'site')
    repo = join(tmp.path, 'repo')
    await mkdir(join(site, 'articles'), { recursive: true })
    // three articles of the same date and title, told apart by their text; one of another title
    for (const [i, name] of ['x', 'y', 'z'].entries()) await writeFile(join(site, 'articles', `${name}.md`), `---\ntitle: ${TITLE}\ndate: 2020-07-05\n---\nText number ${i + 1}.\n`)
    await writeFile(join(site, 'articles', 'other.md'), '---\ntitle: Another story\ndate: 2020-07-06\n---\nOther text.\n')
    expect((await cli(['--repo', repo, 'publish', 'articles', '--manifest', 'all.json', '-q'], { cwd: site })).code).toBe(0)
    published = JSON.parse(await readFile(join(site, 'all.json'), 'utf8'))
  }, 120_000)
  afterAll(async () => { await tmp.cleanup() })

  /** A site folder of its own with one article file (not yet written), and a repo of its own. */
  async function oneArticleSite (name: string, fileName: string): Promise<{ dir: string, own: string, file: string }> {
    const dir = join(tmp.path, name)
    await mkdir(join(dir, 'articles'), { recursive: true })
    return { dir, own: join(tmp.path, `repo-${name}`), file: join(dir, 'articles', fileName) }
  }

  /** Writes a manifest of these files (their published entries) and returns its name. */
  async function manifest (name: string, files: string[], entries: Record<string, any> = published): Promise<string> {
    await writeFile(join(site, name), JSON.stringify(Object.fromEntries(files.map(f => [`articles/${f}.md`, entries[`articles/${f}.md`]])), null, 2) + '\n')
    return name
  }

  it('collisions in every order: an article keeps the path it first had; a newcomer takes the next free suffix', async () => {
    const cidOf = (f: string): string => published[`articles/${f}.md`].cid
    // the CIDs sort in some order; every order of appearance is tried, so a newcomer that sorts first by CID comes after the others in some
    for (const order of permutations(['x', 'y', 'z'])) {
      let previous = 'none'
      const first = new Map<string, string>()
      for (let k = 1; k <= order.length; k++) {
        const ed = await edition(repo, ['--manifest', await manifest('m.json', ['other', ...order.slice(0, k)]), '--previous', previous], site)
        const paths = await pathsOf(repo, ed.cid)
        for (const f of order.slice(0, k)) {
          if (!first.has(f)) first.set(f, paths.get(cidOf(f))!)
          expect(paths.get(cidOf(f)), `${order.join('')}: ${f} in edition ${k}`).toBe(first.get(f))
        }
        previous = ed.cid
      }
      // the first to appear has the plain path, the next ones -2 and -3, whatever their CIDs
      expect(order.map(f => first.get(f)), order.join('')).toEqual([BASE, `${BASE}-2`, `${BASE}-3`])
    }
  }, 300_000)

  it('a correction that changes the headline keeps the path: the old URL is the corrected article', async () => {
    const before = await edition(repo, ['--manifest', await manifest('m.json', ['x', 'other']), '--previous', 'none'], site)
    const path = (await pathsOf(repo, before.cid)).get(published['articles/x.md'].cid)
    expect(path).toBe(BASE)
    // a copy of the site's manifest, corrected: the new headline and its CID
    const corrected = join(site, 'articles', 'x.md')
    const original = await readFile(corrected, 'utf8')
    await writeFile(join(site, 'm2.json'), await readFile(join(site, 'm.json'), 'utf8'))
    await writeFile(corrected, '---\ntitle: Ministers rejected the revised plan\ndate: 2020-07-05\n---\nText number 1, corrected.\n')
    try {
      const pub = await cli(['--repo', repo, 'publish', 'articles/x.md', '--manifest', 'm2.json', '--json'], { cwd: site })
      expect(pub.code).toBe(0)
      const after = await edition(repo, ['--manifest', 'm2.json', '--previous', before.cid], site)
      expect(after.corrected).toBe(1)
      const ed = await editionJson(repo, after.cid)
      const entry = ed.articles.find((a: any) => a.cid === JSON.parse(pub.stdout).cid)
      expect(entry).toMatchObject({ path: BASE, page: `${BASE}.html`, title: 'Ministers rejected the revised plan' })
      expect(ed.corrections[BASE]).toMatchObject([{ cid: published['articles/x.md'].cid, path: BASE.replace('articles/', 'corrections/') + '/1', title: TITLE }])
      const page = await cli(['--repo', repo, 'cat', `${after.cid}/${BASE}.html`])
      expect(page.stdout).toContain('<h1>Ministers rejected the revised plan</h1>')
      expect((await cli(['--repo', repo, 'cat', `${after.cid}/${BASE}/article.md`])).stdout).toContain('corrected')
      // the path the new headline would have had is not made
      expect((await cli(['--repo', repo, 'cat', `${after.cid}/articles/2020-07-05-ministers-rejected-the-revised-plan.html`])).code).not.toBe(0)
    } finally {
      await writeFile(corrected, original)
    }
  }, 120_000)

  it('an article removed: its path is retired, a newcomer of the same date and title does not take it; the article back takes it again', async () => {
    const cidOf = (f: string): string => published[`articles/${f}.md`].cid
    const one = await edition(repo, ['--manifest', await manifest('m.json', ['x', 'other']), '--previous', 'none'], site)
    expect((await pathsOf(repo, one.cid)).get(cidOf('x'))).toBe(BASE)
    // x removed, y (same date and title) new: y does not take x's path
    const two = await edition(repo, ['--manifest', await manifest('m.json', ['y', 'other']), '--previous', one.cid], site)
    const ed = await editionJson(repo, two.cid)
    expect(new Map(ed.articles.map((a: any) => [a.cid, a.path])).get(cidOf('y'))).toBe(`${BASE}-2`)
    expect(ed.retired).toEqual([{ path: BASE, cids: [cidOf('x')] }])
    expect((await cli(['--repo', repo, 'cat', `${two.cid}/${BASE}.html`])).code).not.toBe(0)
    // still retired an edition later, with a third newcomer
    const three = await edition(repo, ['--manifest', await manifest('m.json', ['y', 'z', 'other']), '--previous', two.cid], site)
    const paths3 = await pathsOf(repo, three.cid)
    expect([paths3.get(cidOf('y')), paths3.get(cidOf('z'))]).toEqual([`${BASE}-2`, `${BASE}-3`])
    expect((await editionJson(repo, three.cid)).retired).toEqual([{ path: BASE, cids: [cidOf('x')] }])
    // x back: its own path again
    const four = await edition(repo, ['--manifest', await manifest('m.json', ['x', 'y', 'z', 'other']), '--previous', three.cid], site)
    const paths4 = await pathsOf(repo, four.cid)
    expect([paths4.get(cidOf('x')), paths4.get(cidOf('y')), paths4.get(cidOf('z'))]).toEqual([BASE, `${BASE}-2`, `${BASE}-3`])
    expect((await editionJson(repo, four.cid)).retired).toEqual([])
  }, 120_000)

  it('the same inputs and the same previous edition give the same CID on another machine', async () => {
    // the article that sorts last by CID appears first: it keeps the plain path
    const last = ['x', 'y', 'z'].sort((a, b) => published[`articles/${a}.md`].cid < published[`articles/${b}.md`].cid ? -1 : 1)[2]
    const one = await edition(repo, ['--manifest', await manifest('m.json', [last, 'other']), '--previous', 'none'], site)
    const two = await edition(repo, ['--manifest', await manifest('m.json', ['x', 'y', 'z', 'other']), '--previous', one.cid], site)
    // another machine: the same articles published, the previous edition imported from a CAR
    const other = join(tmp.path, 'repo-b')
    expect((await cli(['--repo', other, 'publish', 'articles/x.md', 'articles/y.md', 'articles/z.md', 'articles/other.md', '-q'], { cwd: site })).code).toBe(0)
    const car = join(tmp.path, 'one.car')
    expect((await cli(['--repo', repo, 'export', one.cid, '-o', car])).code).toBe(0)
    expect((await cli(['--repo', other, 'import', car])).code).toBe(0)
    const again = await edition(other, ['--manifest', 'm.json', '--previous', one.cid], site)
    expect(again.cid).toBe(two.cid)
    const paths = await pathsOf(other, again.cid)
    expect(paths.get(published[`articles/${last}.md`].cid)).toBe(BASE)
  }, 120_000)

  it('a return to an earlier text keeps every correction\'s number, from a manifest and from the repo alike (A → B → A → C)', async () => {
    const { dir, own, file } = await oneArticleSite('revert', 'r.md')
    const texts = ['first', 'second', 'first', 'third'].map(t => `---\ntitle: A story told again\ndate: 2021-03-04\n---\nThe ${t} text.\n`)
    const path = 'articles/2021-03-04-a-story-told-again'
    const cids: string[] = []
    let previous = { manifest: 'none', repo: 'none' }
    const seen: Array<{ manifest: string[], repo: string[], previous: string[], ls: string[], version: string }> = []
    for (const t of texts) {
      await writeFile(file, t)
      const pub = await cli(['--repo', own, 'publish', 'articles/r.md', '--manifest', 'r.json', '-q'], { cwd: dir })
      expect(pub.code, pub.stderr).toBe(0)
      cids.push(pub.stdout.trim())
      const byManifest = await edition(own, ['--manifest', 'r.json', '--previous', previous.manifest], dir)
      const byRepo = await edition(own, ['--previous', previous.repo], dir)
      previous = { manifest: byManifest.cid, repo: byRepo.cid }
      const corrections = async (cid: string): Promise<string[]> => {
        const ed = await editionJson(own, cid)
        expect(ed.articles.map((a: any) => [a.path, a.cid])).toEqual([[path, cids[cids.length - 1]]])
        const list = ed.corrections[path] ?? []
        // each correction's address is its number: corrections/<name>/<n>
        list.forEach((e: any, i: number) => expect(e.path).toBe(`${path.replace('articles/', 'corrections/')}/${i + 1}`))
        return list.map((e: any) => e.cid)
      }
      // ls numbers the earlier versions as the edition does
      const ls = await cli(['--repo', own, 'ls', '--json'])
      expect(ls.code).toBe(0)
      const [row] = ls.stdout.trim().split('\n').map(l => JSON.parse(l))
      seen.push({ manifest: await corrections(byManifest.cid), repo: await corrections(byRepo.cid), previous: JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'))['articles/r.md'].previous ?? [], ls: row.earlier.map((e: any) => e.cid), version: `${row.version} of ${row.versions}` })
    }
    const [a, b, , c] = cids
    expect(cids[2]).toBe(a)
    expect(c).not.toBe(a)
    // corrections/…/1 is the first text in every edition after it was replaced, /2 the second
    const want = [[], [a], [a, b], [a, b]]
    // the current text's version: the last, except after the return to the first text, which keeps its number
    const versions = ['1 of 1', '2 of 2', '1 of 2', '3 of 3']
    expect(seen).toEqual(want.map((list, i) => ({ manifest: list, repo: list, previous: list, ls: list, version: versions[i] })))
    // the last edition's first correction is the first text
    const first = await cli(['--repo', own, 'cat', `${previous.manifest}/${path.replace('articles/', 'corrections/')}/1/article.md`])
    expect(first.stdout).toContain('The first text.')
    // ls shows each version once: the current one, then the two earlier ones, numbered as the edition numbers them
    const ls = await cli(['--repo', own, 'ls', '--all-versions', '--json'])
    expect(ls.code).toBe(0)
    const rows = ls.stdout.trim().split('\n').map(l => JSON.parse(l))
    expect(rows.map((r: any) => [r.cid, r.version, r.current])).toEqual([[c, 3, true], [b, 2, false], [a, 1, false]])
  }, 180_000)

  it('after a return to an earlier text, that version\'s page says it is the current text again, and ls marks it', async () => {
    const { dir, own, file } = await oneArticleSite('again', 'g.md')
    const path = 'articles/2021-03-05-said-twice'
    let ed = ''
    for (const t of ['first', 'second', 'first']) {
      await writeFile(file, `---\ntitle: Said twice\ndate: 2021-03-05\n---\nThe ${t} text.\n`)
      expect((await cli(['--repo', own, 'publish', 'articles/g.md', '-q'], { cwd: dir })).code).toBe(0)
      ed = (await edition(own, [], dir)).cid
    }
    const page = (await cli(['--repo', own, 'cat', `${ed}/${path.replace('articles/', 'corrections/')}/1.html`])).stdout
    expect(page).toContain('it is the current text again')
    expect(page).toContain('The first text.')
    expect((await cli(['--repo', own, 'cat', `${ed}/${path.replace('articles/', 'corrections/')}/2.html`])).stdout).toContain('since corrected')
    const ls = await cli(['--repo', own, 'ls'])
    expect(ls.stdout).toMatch(/ {2}earlier 1: \S+ .*\(the current text again\)\n {2}earlier 2: /)
  }, 180_000)

  it('a manifest started after a correction takes the repo\'s earlier versions: its edition keeps the address; the repo\'s next edition after a manifest\'s holds the repo\'s articles, as --full does', async () => {
    const { dir, own, file } = await oneArticleSite('late', 'h.md')
    const path = 'articles/2021-03-06-harbour-fire'
    const write = async (t: string): Promise<string> => {
      await writeFile(file, `---\ntitle: Harbour fire\ndate: 2021-03-06\n---\nThe ${t} text.\n`)
      const pub = await cli(['--repo', own, 'publish', 'articles/h.md', '-q'], { cwd: dir })
      expect(pub.code, pub.stderr).toBe(0)
      return pub.stdout.trim()
    }
    const a = await write('first')
    const one = await edition(own, [], dir)
    const b = await write('second')
    // the manifest begins now: the entry carries the version the repo recorded before
    expect((await cli(['--repo', own, 'publish', 'articles/h.md', '--manifest', 'late.json', '-q'], { cwd: dir })).code).toBe(0)
    expect(JSON.parse(await readFile(join(dir, 'late.json'), 'utf8'))['articles/h.md']).toMatchObject({ cid: b, previous: [a] })
    const two = await edition(own, ['--manifest', 'late.json', '--previous', one.cid], dir)
    expect(two.corrected).toBe(1)
    const ed = await editionJson(own, two.cid)
    expect(ed.articles.map((x: any) => [x.path, x.cid])).toEqual([[path, b]])
    expect(ed.retired).toEqual([])
    // the repo holds an article the manifest does not list; the repo's next edition after the manifest's
    // holds both (it is built from the repo's articles, not from the manifest's edition and the log)
    await writeFile(join(dir, 'articles', 'k.md'), '---\ntitle: Not in the manifest\ndate: 2021-03-07\n---\nOnly in the repo.\n')
    const k = (await cli(['--repo', own, 'publish', 'articles/k.md', '-q'], { cwd: dir })).stdout.trim()
    const three = await edition(own, ['--manifest', 'late.json'], dir)
    expect(three.articles).toBe(1)
    const c = await write('third')
    const four = await edition(own, [], dir)
    expect(four.articles).toBe(2)
    const full = await edition(own, ['--full', '--previous', four.previous], dir)
    expect(full.cid).toBe(four.cid)
    const paths = await pathsOf(own, four.cid)
    expect(paths.get(c)).toBe(path)
    expect(paths.get(k)).toBe('articles/2021-03-07-not-in-the-manifest')
  }, 180_000)
})
