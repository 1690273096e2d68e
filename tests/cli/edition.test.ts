import { execFileSync } from 'node:child_process'
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, ROOT, SAMPLE, tempDir } from '../helpers/cli.js'
import { editionContent } from '../helpers/edition.js'

const GEN = join(ROOT, 'tests', 'fixtures', 'gen-articles.mjs')
const IPFS_CAR = join(ROOT, 'node_modules', '.bin', 'ipfs-car')
const XSS_TITLE = '<img src=x onerror=alert(1)>'

/** The Debian package python3-feedparser (.ci/run installs it): an independent Atom parser. */
const PYTHON = '/usr/bin/python3'
const FEEDPARSER = `
import feedparser, json, sys
f = feedparser.parse(sys.argv[1], response_headers={'content-location': sys.argv[2], 'content-type': 'application/atom+xml'})
print(json.dumps({'bozo': bool(f.bozo), 'error': str(f.get('bozo_exception', '')), 'version': f.version, 'updated': f.feed.get('updated'),
  'links': [{'rel': l.get('rel'), 'href': l.get('href')} for l in f.feed.get('links', [])],
  'entries': [{'id': e.get('id'), 'link': e.get('link'), 'summary': e.get('summary'), 'published': e.get('published'), 'updated': e.get('updated')} for e in f.entries]}))
`

/** A site folder: the sample, 30 generated articles, one whose title is markup, and an undated one (plain text). */
async function site (dir: string): Promise<void> {
  execFileSync(process.execPath, [GEN, '--out', join(dir, 'articles'), '--count', '30', '--seed', '7'], { stdio: 'ignore' })
  await copyFile(SAMPLE, join(dir, 'articles', 'sample.txt'))
  await writeFile(join(dir, 'articles', 'markup.md'), `---\ntitle: "${XSS_TITLE}"\ndate: 2026-11-30\ncategories: ["<b>x</b>"]\n---\nThe body.\n`)
  await writeFile(join(dir, 'articles', 'undated.txt'), 'An undated note\n\nIts first paragraph, <not markup>.\n\nIts second.\n')
}

async function edition (repo: string, args: string[] = [], cwd?: string) {
  const res = await cli(['--repo', repo, 'edition', '--json', ...args], { cwd })
  if (res.code !== 0) throw new Error(`edition failed (${res.code}): ${res.stderr}`)
  return JSON.parse(res.stdout)
}

describe('edition: the whole site as one CID', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let dir: string
  let repo: string
  let first: any
  beforeAll(async () => {
    tmp = await tempDir()
    dir = join(tmp.path, 'site')
    await site(dir)
    repo = join(tmp.path, 'repo')
    expect((await cli(['--repo', repo, 'publish', 'articles', '--manifest', 'ipfs-manifest.json', '-q'], { cwd: dir })).code).toBe(0)
    first = await edition(repo)
  }, 240_000)
  afterAll(async () => { await tmp.cleanup() })

  it('prints the root CID, the number of articles and a link; it is pinned; the same again is unchanged', async () => {
    expect(first).toMatchObject({ previous: null, articles: 33, unchanged: false })
    expect(first.link).toBe(`https://${first.cid}.ipfs.dweb.link/`)
    const pins = await cli(['--repo', repo, 'pin', 'ls'])
    expect(pins.stdout).toContain(first.cid)
    // the network options one CI script passes to every command are accepted (and ignored: it stays offline)
    const again = await edition(repo, ['--net', 'local', '--no-bootstrap'])
    expect(again).toMatchObject({ cid: first.cid, unchanged: true, previous: null })
  })

  it('the same articles in a fresh repo, from the manifest, give the same CID', async () => {
    const other = join(tmp.path, 'repo-b')
    expect((await cli(['--repo', other, 'publish', 'articles', '-q'], { cwd: dir })).code).toBe(0)
    expect((await edition(other, ['--manifest', 'ipfs-manifest.json'], dir)).cid).toBe(first.cid)
    expect((await edition(join(tmp.path, 'repo-b'))).cid).toBe(first.cid)
  })

  it('holds index.html, feeds, edition.json and every article by its own CID; ipfs-car packs the same root', async () => {
    const out = join(tmp.path, 'got')
    expect((await cli(['--repo', repo, 'get', first.cid, '-o', out])).code).toBe(0)
    const car = execFileSync(process.execPath, [IPFS_CAR, 'pack', out, '--no-wrap', '--output', join(tmp.path, 'e.car')], { encoding: 'utf8', timeout: 120_000 }).trim()
    expect(car).toBe(first.cid)
    const ed = await editionContent(async p => await readFile(join(out, p), 'utf8'))
    expect(ed.index).toMatchObject({ schema: 'ipfs-publish/edition@4', previous: null, profile: 'unixfs-v1-2025', generator: { name: 'ipfs-publish' } })
    expect(ed.articles).toHaveLength(33)
    const manifest = JSON.parse(await readFile(join(dir, 'ipfs-manifest.json'), 'utf8'))
    // each article's folder in the edition is its bundle, by the CID publish printed
    for (const a of ed.articles) {
      const ls = await cli(['--repo', repo, 'cat', `${first.cid}/${a.path}/metadata.json`])
      expect(ls.code).toBe(0)
      expect(Object.values(manifest).some((m: any) => m.cid === a.cid)).toBe(true)
    }
    // newest first
    const dates = ed.articles.map((a: any) => a.date).filter((d: any) => d != null)
    expect([...dates].sort().reverse()).toEqual(dates)
    const html = await readFile(join(out, 'index.html'), 'utf8')
    // everything from an article is escaped; links are relative
    expect(html).not.toContain(XSS_TITLE)
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(html).not.toContain('<b>x</b>')
    expect(html).not.toMatch(/href="\/| src="/)
  })

  it('feeds: parsed by two independent parsers (@extractus/feed-extractor, Python feedparser), --feed-size entries, ids ipfs://<cid>, links to pages, summaries', async () => {
    const small = await edition(repo, ['--feed-size', '5'])
    const out = join(tmp.path, 'feeds')
    expect((await cli(['--repo', repo, 'get', small.cid, '-o', out])).code).toBe(0)
    const { extractFromXml, extractFromJson } = await import('@extractus/feed-extractor')
    const ed = await editionContent(async p => await readFile(join(out, p), 'utf8'))
    // as a reader that fetched the feeds from a gateway: their links are relative to them
    const at = `http://127.0.0.1:8080/ipfs/${small.cid}/`
    const atom = extractFromXml(await readFile(join(out, 'feed.xml'), 'utf8'), { baseUrl: at, getExtraEntryFields: (e: any) => ({ rawId: e.id }) } as any) as any
    const json = extractFromJson(JSON.parse(await readFile(join(out, 'feed.json'), 'utf8')), { baseUrl: at } as any) as any
    for (const feed of [atom, json]) {
      expect(feed.title).toBe('Newsroom')
      expect(feed.entries).toHaveLength(5)
      expect(feed.entries.map((e: any) => e.id ?? e.rawId)).toEqual(ed.articles.slice(0, 5).map((a: any) => `ipfs://${a.cid}`))
      // a reader's link is the article's page in the edition, relative to the feed
      expect(feed.entries.map((e: any) => e.link)).toEqual(ed.articles.slice(0, 5).map((a: any) => at + a.page))
      for (const e of feed.entries) expect(e.description).not.toBe('')
    }
    const doc = JSON.parse(await readFile(join(out, 'feed.json'), 'utf8'))
    expect(doc).toMatchObject({ version: 'https://jsonfeed.org/version/1.1', home_page_url: './', feed_url: 'feed.json' })
    expect(doc.items[0].attachments[0]).toMatchObject({ url: expect.stringMatching(/^https:\/\/bafy[a-z0-9]+\.ipfs\.dweb\.link\/article\.(txt|md)\?/), mime_type: expect.stringMatching(/^text\//), size_in_bytes: expect.any(Number) })
    for (const item of doc.items) {
      expect(item.summary).not.toBe(item.title)
      expect(item.content_text).toBe(item.summary)
    }
    const xml = await readFile(join(out, 'feed.xml'), 'utf8')
    expect(xml).toContain('rel="enclosure"')
    expect(xml).not.toContain('1970')

    // the whole feed, every article in it, through feedparser, as a reader fetching it from a gateway would
    const whole = await edition(repo, ['--feed-size', '100'])
    const all = join(tmp.path, 'feeds-all')
    expect((await cli(['--repo', repo, 'get', whole.cid, '-o', all])).code).toBe(0)
    const base = `http://127.0.0.1:8080/ipfs/${whole.cid}/`
    const parsed = JSON.parse(execFileSync(PYTHON, ['-c', FEEDPARSER, join(all, 'feed.xml'), `${base}feed.xml`], { encoding: 'utf8', timeout: 60_000 }))
    const edAll = await editionContent(async p => await readFile(join(all, p), 'utf8'))
    expect(parsed).toMatchObject({ bozo: false, version: 'atom10', updated: `${edAll.index.updated}T00:00:00Z` })
    expect(parsed.links).toEqual(expect.arrayContaining([{ rel: 'self', href: `${base}feed.xml` }, { rel: 'alternate', href: base }]))
    expect(parsed.entries).toHaveLength(33)
    for (const [i, e] of parsed.entries.entries()) {
      const a = edAll.articles[i]
      expect(e.id).toBe(`ipfs://${a.cid}`)
      expect(e.link).toBe(base + a.page)
      expect(e.summary).not.toBe(a.title)
      if (a.date != null) expect(e.published).toBe(`${a.date}T00:00:00Z`)
      else expect(e.published).toBeNull()
    }
    const sample = parsed.entries.find((e: any) => e.link.endsWith('-us-joins-ukraine-peace-force-talks-plans-ready-to-act.html'))
    expect(sample.summary).toMatch(/^The United States has, for the first time, stepped into European-led discussions/)
    // the undated article: no date of its own anywhere; Atom's required updated is the edition's date
    const undated = edAll.articles.find((a: any) => a.title === 'An undated note')
    expect(undated).toMatchObject({ date: null, path: expect.stringMatching(/^articles\/undated-an-undated-note$/) })
    const entry = parsed.entries.find((e: any) => e.id === `ipfs://${undated.cid}`)
    expect(entry).toMatchObject({ published: null, updated: `${edAll.index.updated}T00:00:00Z`, summary: 'Its first paragraph, <not markup>.' })
    const item = JSON.parse(await readFile(join(all, 'feed.json'), 'utf8')).items.find((i: any) => i.id === `ipfs://${undated.cid}`)
    expect(item).not.toHaveProperty('date_published')
    expect(item.summary).toBe('Its first paragraph, <not markup>.')
    // the link a reader opens is a readable page of the edition, not the house-format text
    const page = await readFile(join(all, undated.page), 'utf8')
    expect(page).toContain('<h1>An undated note</h1>')
    expect(page).toContain('<p>Its first paragraph, &lt;not markup&gt;.</p>')
    const samplePage = await readFile(join(all, sample.link.slice(base.length)), 'utf8')
    expect(samplePage).toContain('<time datetime="2025-07-11">2025-07-11</time> · Defence &amp; Security')
    expect(samplePage).not.toMatch(/## |Categories:|<script/)
  })

  it('a correction: the article gets a new CID, the edition a new CID whose previous is the old one; the old version stays pinned and listed', async () => {
    const before = await edition(repo)
    const path = join(dir, 'articles', 'sample.txt')
    const manifestBefore = JSON.parse(await readFile(join(dir, 'ipfs-manifest.json'), 'utf8'))
    const oldCid = manifestBefore['articles/sample.txt'].cid
    await writeFile(path, (await readFile(path, 'utf8')).replace('first time', 'first time (corrected)'))
    const pub = await cli(['--repo', repo, 'publish', 'articles/sample.txt', '--manifest', 'ipfs-manifest.json', '--json'], { cwd: dir })
    expect(pub.code).toBe(0)
    const newCid = JSON.parse(pub.stdout).cid
    expect(newCid).not.toBe(oldCid)
    const manifest = JSON.parse(await readFile(join(dir, 'ipfs-manifest.json'), 'utf8'))
    expect(manifest['articles/sample.txt']).toMatchObject({ cid: newCid, previous: [oldCid] })

    const next = await edition(repo)
    expect(next).toMatchObject({ previous: before.cid, corrected: 1, unchanged: false })
    expect(next.cid).not.toBe(before.cid)
    const ed = await editionContent(async p => (await cli(['--repo', repo, 'cat', `${next.cid}/${p}`])).stdout)
    const entry = ed.articles.find((a: any) => a.cid === newCid)
    const correction = entry.path.replace('articles/', 'corrections/') + '/1'
    expect(ed.corrections[entry.path]).toMatchObject([{ cid: oldCid, date: '2025-07-11', path: correction, page: `${correction}.html` }])
    const page = (await cli(['--repo', repo, 'cat', `${next.cid}/index.html`])).stdout
    expect(page).toContain('Corrected.')
    expect(page).toContain(`href="${correction}.html"`)
    // its month's page (page/<yyyy-mm>.html, the month its path names) too, its links relative to page/
    const month = (await cli(['--repo', repo, 'cat', `${next.cid}/page/${entry.path.slice('articles/'.length, 'articles/'.length + 7)}.html`])).stdout
    expect(month).toContain('Corrected.')
    expect(month).toContain(`href="../${correction}.html"`)
    // the current version's page links its earlier one, whose page links back
    const current = (await cli(['--repo', repo, 'cat', `${next.cid}/${entry.page}`])).stdout
    expect(current).toContain(`href="../${correction}.html"`)
    const earlier = (await cli(['--repo', repo, 'cat', `${next.cid}/${correction}.html`])).stdout
    expect(earlier).toContain(`href="../../${entry.page}"`)
    expect(earlier).toContain('version 1 of this article')
    expect(earlier).not.toContain('(corrected)')
    expect(current).toContain('first time (corrected)')
    // the manifest says the same: an edition from it is the same edition
    expect((await edition(repo, ['--manifest', 'ipfs-manifest.json', '--previous', before.cid], dir)).cid).toBe(next.cid)

    // the old version: unpinned, it stays held by the edition's pin (an ordinary recursive pin), which says so; kept by gc, readable
    const rm = await cli(['--repo', repo, 'pin', 'rm', oldCid])
    expect(rm.stderr).toBe('')
    expect(rm.code).toBe(0)
    expect(rm.stdout).toBe(`unpinned ${oldCid} (its blocks stay held by pinned edition ${next.cid})\n`)
    expect((await cli(['--repo', repo, 'gc'])).code).toBe(0)
    const old = await cli(['--repo', repo, 'cat', `${next.cid}/${ed.corrections[entry.path][0].path}/article.txt`])
    expect(old.code).toBe(0)
    expect(old.stdout).not.toContain('(corrected)')
    expect((await cli(['--repo', repo, 'verify', '--all'])).code).toBe(0)
  }, 240_000)

  it('articles published under the unixfs-v0-2015 profile (metadata.json a UnixFS file node, not a raw block) make an edition', async () => {
    const own = join(tmp.path, 'repo-v0')
    const res = await cli(['--repo', own, 'publish', SAMPLE, '--cid-profile', 'unixfs-v0-2015', '-q'])
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout.trim()).toMatch(/^Qm/)
    const ed = await edition(own, ['--cid-profile', 'unixfs-v0-2015', '--title', 'V0'])
    expect(ed.articles).toBe(1)
    const content = await editionContent(async p => (await cli(['--repo', own, 'cat', `${ed.cid}/${p}`])).stdout)
    expect(content.articles[0].cid).toBe(res.stdout.trim())
    expect((await cli(['--repo', own, 'cat', `${ed.cid}/${content.articles[0].page}`])).stdout).toContain('<h1>')
  }, 120_000)

  it('bad input: a clear error, the documented exit code, nothing made', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['--feed-size', '0'], 2, /^error: --feed-size must be a whole number of at least 1\n$/],
      [['--manifest', 'missing.json'], 3, /^error: manifest missing.json does not exist\n$/],
      [['--manifest', 'empty.json'], 2, /^error: empty.json lists no articles\n$/],
      [['--previous', 'not-a-cid'], 2, /^error: --previous "not-a-cid" is not a CID \(or "none"\)\n$/],
      // a usage error is found before any file is read
      [['--manifest', 'missing.json', '--previous', 'garbage'], 2, /^error: --previous "garbage" is not a CID \(or "none"\)\n$/],
      [['--date', '2026-02-30'], 2, /^error: --date "2026-02-30" is not a date \(YYYY-MM-DD\)\n$/]
    ]
    await writeFile(join(dir, 'empty.json'), '{}\n')
    for (const [args, code, message] of cases) {
      const res = await cli(['--repo', repo, 'edition', ...args], { cwd: dir })
      expect(res.code, args.join(' ')).toBe(code)
      expect(res.stderr).toMatch(message)
    }
    await writeFile(join(dir, 'foreign.json'), JSON.stringify({ 'x.txt': { cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', link: '', title: null, date: null } }))
    const res = await cli(['--repo', repo, 'edition', '--manifest', 'foreign.json'], { cwd: dir })
    expect(res.code).toBe(3)
    expect(res.stderr).toMatch(/^error: foreign.json: x.txt: bundle bafkrei\S+ is not in the repo, nor recorded in the previous edition bafy\S+ \(publish the article here first\)\n$/)
    // with no previous edition
    const none = await cli(['--repo', repo, 'edition', '--manifest', 'foreign.json', '--previous', 'none'], { cwd: dir })
    expect(none.code).toBe(3)
    expect(none.stderr).toMatch(/^error: foreign.json: x.txt: bundle bafkrei\S+ is not in the repo \(publish the article here first\)\n$/)
    // a folder in the repo whose metadata.json is a folder, not a file: not an article bundle (exit 2)
    const fake = join(tmp.path, 'fake-bundle')
    await mkdir(join(fake, 'metadata.json'), { recursive: true })
    await writeFile(join(fake, 'metadata.json', 'x.txt'), 'not metadata')
    await writeFile(join(fake, 'article.txt'), 'text')
    const folder = (await cli(['--repo', repo, 'add', fake, '-q'])).stdout.trim()
    await writeFile(join(dir, 'fake.json'), JSON.stringify({ 'f.txt': { cid: folder, link: '', title: null, date: null } }))
    const notBundle = await cli(['--repo', repo, 'edition', '--manifest', 'fake.json', '--previous', 'none'], { cwd: dir })
    expect(notBundle.stderr).toBe(`error: fake.json: f.txt: ${folder} is not an article bundle (no metadata.json of ipfs-publish)\n`)
    expect(notBundle.code).toBe(2)
  })

  it('an edition with no dated article: Atom needs a date, none is made up; --date gives the edition its date', async () => {
    const only = join(tmp.path, 'repo-undated')
    expect((await cli(['--repo', only, 'publish', join(dir, 'articles', 'undated.txt'), '-q'])).code).toBe(0)
    const res = await cli(['--repo', only, 'edition'])
    expect(res.code).toBe(2)
    expect(res.stderr).toBe("error: no article of the edition has a date, and its Atom feed needs one: give the edition's date (edition --date YYYY-MM-DD)\n")
    const dated = await edition(only, ['--date', '2026-12-01'])
    // the refused build made no edition
    expect(dated.previous).toBeNull()
    const xml = (await cli(['--repo', only, 'cat', `${dated.cid}/feed.xml`])).stdout
    expect(xml).toContain('<updated>2026-12-01T00:00:00Z</updated>')
    expect(xml).not.toContain('<published>')
    const ed = await editionContent(async p => (await cli(['--repo', only, 'cat', `${dated.cid}/${p}`])).stdout)
    expect(ed).toMatchObject({ index: { updated: '2026-12-01' }, articles: [{ date: null }] })
    // another date is another edition
    expect((await edition(only, ['--date', '2026-12-02'])).cid).not.toBe(dated.cid)
  })
})

describe('edition and key on a missing or empty repo', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { tmp = await tempDir() })
  afterAll(async () => { await tmp.cleanup() })
  const exists = async (path: string): Promise<boolean> => { const { stat } = await import('node:fs/promises'); return await stat(path).then(() => true, () => false) }

  it('a missing repo: edition says there is none (exit 1) and creates nothing, with --allow-empty too', async () => {
    const repo = join(tmp.path, 'none')
    for (const extra of [[], ['--allow-empty']]) {
      const res = await cli(['--repo', repo, 'edition', ...extra])
      expect(res.code, extra.join(' ')).toBe(1)
      expect(res.stdout).toBe('')
      expect(res.stderr).toMatch(/^error: no repo at .*\(a command that writes to a repo makes one: publish, add, import, key gen, key import, name publish, pin add, pin remote service add, serve\)\n$/)
      expect(await exists(repo)).toBe(false)
    }
  })

  it('key gen and key import on a missing repo make one and say so on stderr, in one line; not when it exists', async () => {
    const repo = join(tmp.path, 'keys')
    const gen = await cli(['--repo', repo, 'key', 'gen', 'site', '--json'])
    expect(gen.code).toBe(0)
    expect(gen.stderr).toBe(`no repo at ${repo}: made a new one for the key\n`)
    expect(JSON.parse(gen.stdout)).toMatchObject({ name: 'site' })
    const again = await cli(['--repo', repo, 'key', 'gen', 'other'])
    expect(again.code).toBe(0)
    expect(again.stderr).not.toMatch(/no repo/)
    const file = join(tmp.path, 'site.key')
    expect((await cli(['--repo', repo, 'key', 'export', 'site', '-o', file])).code).toBe(0)
    const other = join(tmp.path, 'imported')
    const imported = await cli(['--repo', other, 'key', 'import', 'site', file])
    expect(imported.code).toBe(0)
    expect(imported.stderr.split('\n')[0]).toBe(`no repo at ${other}: made a new one for the key`)
    expect((await cli(['--repo', other, 'key', 'ls'])).stdout).toBe(`${JSON.parse(gen.stdout).id} site\n`)
    // a key that cannot be read makes no repo
    await writeFile(join(tmp.path, 'bad.key'), 'not a key')
    const bad = await cli(['--repo', join(tmp.path, 'bad'), 'key', 'import', 'site', join(tmp.path, 'bad.key')])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).not.toMatch(/made a new one/)
    expect(await exists(join(tmp.path, 'bad'))).toBe(false)
  })

  it('an empty repo (no article): edition is refused (exit 1, nothing made) unless --allow-empty', async () => {
    const repo = join(tmp.path, 'empty')
    // a repo holding a file added, but no article
    await writeFile(join(tmp.path, 'plain.bin'), 'not an article')
    const added = (await cli(['--repo', repo, 'add', join(tmp.path, 'plain.bin'), '-q'])).stdout.trim()
    const res = await cli(['--repo', repo, 'edition'])
    expect(res.code).toBe(1)
    expect(res.stdout).toBe('')
    expect(res.stderr).toBe('error: the repo holds no published articles: publish some first (an edition of none is made only with --allow-empty)\n')
    expect((await cli(['--repo', repo, 'pin', 'ls', '-q'])).stdout).toBe(`${added}\n`)
    const empty = await edition(repo, ['--allow-empty', '--date', '2025-01-01'])
    expect(empty).toMatchObject({ articles: 0, unchanged: false, previous: null })
    expect((await cli(['--repo', repo, 'pin', 'ls', '-q'])).stdout.trim().split('\n').sort()).toEqual([added, empty.cid].sort())
    const ed = await editionContent(async p => (await cli(['--repo', repo, 'cat', `${empty.cid}/${p}`])).stdout)
    expect(ed.articles).toEqual([])
  })
})
