// The gateway's index page: newest article first, 100 to a page, and it follows the repo.
import { execFileSync } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, ROOT, SAMPLE, tempDir } from '../helpers/cli.js'
import { serve } from '../helpers/serve.js'
import type { Served } from '../helpers/serve.js'

const GEN = join(ROOT, 'tests', 'fixtures', 'gen-articles.mjs')

describe('the index page', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let repo: string
  let node: Served
  let byCid: Map<string, { date: string, title: string }>
  beforeAll(async () => {
    tmp = await tempDir()
    repo = join(tmp.path, 'repo')
    execFileSync(process.execPath, [GEN, '--out', join(tmp.path, 'corpus'), '--count', '250', '--seed', '9'], { stdio: 'ignore' })
    const out = await cli(['--repo', repo, '--json', 'publish', join(tmp.path, 'corpus')], { timeout: 60_000 })
    byCid = new Map(out.stdout.trim().split('\n').map(l => JSON.parse(l)).map(r => [r.cid, { date: r.date, title: r.title }]))
    node = await serve(repo)
  }, 240_000)
  afterAll(async () => { await node?.stop('SIGKILL'); await tmp.cleanup() })

  const page = async (query = ''): Promise<{ status: number, cids: string[], html: string }> => {
    const res = await fetch(`${node.gateway}/${query}`, { signal: AbortSignal.timeout(10_000) })
    const html = await res.text()
    return { status: res.status, html, cids: [...html.matchAll(/<code>([a-z0-9]+)<\/code>/g)].map(m => m[1]) }
  }

  it('lists 100 articles a page, newest first, with links between pages; every article on exactly one page', async () => {
    const pages = [await page(), await page('?page=2'), await page('?page=3')]
    expect(pages.map(p => p.cids.length)).toEqual([100, 100, 50])
    expect(pages[0].html).toContain('rel="next" href="/?page=2"')
    expect(pages[0].html).not.toContain('rel="prev"')
    expect(pages[2].html).toContain('rel="prev" href="/?page=2"')
    expect(pages[2].html).not.toContain('rel="next"')
    const all = pages.flatMap(p => p.cids)
    expect(new Set(all).size).toBe(250)
    expect(new Set(all)).toEqual(new Set(byCid.keys()))
    const dates = all.map(c => byCid.get(c)!.date)
    expect(dates).toEqual([...dates].sort().reverse())
  })

  it('a page that does not exist is 404; a malformed one too', async () => {
    for (const q of ['?page=4', '?page=0', '?page=-1', '?page=x', '?page=1e3']) expect((await page(q)).status, q).toBe(404)
  })

  it('an article published by another process appears on it (its date puts it first)', async () => {
    const r = JSON.parse((await cli(['--repo', repo, '--json', 'publish', SAMPLE])).stdout)
    // the corpus's dates are from 2019 to 2025; the sample's is 2025-07-11
    const newest = [...byCid.values()].map(v => v.date).sort().at(-1)!
    const first = (await page()).cids
    expect(first).toContain(r.cid)
    if (r.date > newest) expect(first[0]).toBe(r.cid)
    expect((await page('?page=3')).cids).toHaveLength(51)
  })

  it('a corrected article is listed once, its current version, marked corrected, with a link to its earlier version', async () => {
    const story = join(tmp.path, 'story.txt')
    await writeFile(story, (await readFile(SAMPLE, 'utf8')).replace('## US Joins', '## Correction test: US Joins'))
    const before = JSON.parse((await cli(['--repo', repo, '--json', 'publish', story])).stdout)
    await writeFile(story, (await readFile(story, 'utf8')).replace('first time', 'first time (corrected)'))
    const after = JSON.parse((await cli(['--repo', repo, '--json', 'publish', story])).stdout)
    expect(after.cid).not.toBe(before.cid)
    const pages = [await page(), await page('?page=2'), await page('?page=3')]
    const all = pages.flatMap(p => p.cids)
    // 250 + the sample + this story, each once
    expect(all).toHaveLength(252)
    expect(all).toContain(after.cid)
    expect(all).not.toContain(before.cid)
    const row = pages.map(p => p.html).join('\n').split('\n').find(l => l.includes(`<code>${after.cid}</code>`))!
    expect(row).toContain('<em>corrected</em>')
    expect(row).toContain(`href="/ipfs/${before.cid}/article.txt?`)
    // the earlier version's link downloads it
    const old = await fetch(`${node.gateway}/ipfs/${before.cid}/article.txt`, { signal: AbortSignal.timeout(10_000) })
    expect(await old.text()).not.toContain('(corrected)')
  })
})
