// From a throwaway CI runner to the newsroom's node (issue 20, items 3 and 4): a runner holds the
// site's manifest and the files it changed, nothing else; the previous edition is on the node
// (serve --net local), fetched from its gateway as verified blocks. Each runner's edition must be
// the edition the node makes of the same step holding everything, and keep every permalink.
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'
import { serve } from '../helpers/serve.js'
import type { Served } from '../helpers/serve.js'
import { editionContent } from '../helpers/edition.js'

const TITLE = 'Ministers rejected the plan'
const BASE = 'articles/2020-07-05-ministers-rejected-the-plan'
const article = (title: string, text: string): string => `---\ntitle: ${title}\ndate: 2020-07-05\n---\n${text}\n`

async function ok (args: string[], opts: Parameters<typeof cli>[1] = {}): Promise<string> {
  const res = await cli(args, opts)
  if (res.code !== 0) throw new Error(`${args.join(' ')} failed (${res.code}): ${res.stderr}`)
  return res.stdout
}

describe('edition on a fresh CI runner: the manifest and the changed files only, the previous edition on the node', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let site: string
  let node: string
  let name: string
  let siteKey: string
  let gw: Served
  let first: any
  beforeAll(async () => {
    tmp = await tempDir()
    site = join(tmp.path, 'site')
    node = join(tmp.path, 'node')
    await mkdir(join(site, 'articles'), { recursive: true })
    // two articles of the same date and title (one gets -2), and others
    await writeFile(join(site, 'articles', 'one.md'), article(TITLE, 'The first text.'))
    await writeFile(join(site, 'articles', 'two.md'), article(TITLE, 'The second text.'))
    await copyFile(SAMPLE, join(site, 'articles', 'sample.txt'))
    await writeFile(join(site, 'articles', 'brief.md'), '---\ntitle: A brief\ndate: 2026-11-30\n---\nText.\n')
    // the newsroom's node: it published everything once and holds the first edition its name points to
    await ok(['--repo', node, 'publish', 'articles', '--manifest', 'ipfs-manifest.json', '-q'], { cwd: site })
    name = JSON.parse(await ok(['--repo', node, 'key', 'gen', 'site', '--json'])).id
    siteKey = join(tmp.path, 'site.b64')
    await ok(['--repo', node, 'key', 'export', 'site', '-o', siteKey, '--format', 'base64'])
    first = JSON.parse(await ok(['--repo', node, 'edition', '--manifest', 'ipfs-manifest.json', '--ipns-key', 'site', '--json'], { cwd: site }))
    gw = await serve(node, [], 400_000)
  }, 240_000)
  afterAll(async () => { await gw?.stop('SIGKILL'); await tmp.cleanup() })

  /** A fresh runner: a checkout of the manifest and `files` (path → text), a fresh repo with the imported key; publish the files, make the edition, hand its record to the node. */
  async function runner (dir: string, manifest: string, files: Record<string, string>): Promise<{ edition: any, repo: string, manifest: string }> {
    await mkdir(join(dir, 'articles'), { recursive: true })
    await writeFile(join(dir, 'ipfs-manifest.json'), manifest)
    for (const [path, text] of Object.entries(files)) await writeFile(join(dir, path), text)
    const repo = join(dir, '.repo')
    await ok(['--repo', repo, 'key', 'import', 'site', '--from-env', 'SITE_KEY'], { env: { ...process.env, SITE_KEY: (await readFile(siteKey, 'utf8')).trim() } })
    await ok(['--repo', repo, 'publish', ...Object.keys(files), '--manifest', 'ipfs-manifest.json', '-q'], { cwd: dir })
    const res = await cli(['--repo', repo, 'edition', '--manifest', 'ipfs-manifest.json', '--ipns-key', 'site', '--resolve-from', gw.gateway, '--put-to', gw.gateway, '--json'], { cwd: dir })
    if (res.code !== 0) throw new Error(`the runner's edition failed (${res.code}): ${res.stderr}`)
    return { edition: JSON.parse(res.stdout), repo, manifest: await readFile(join(dir, 'ipfs-manifest.json'), 'utf8') }
  }

  /** The node makes the same step holding everything: the site's checkout, its repo. */
  async function fullMachine (files: Record<string, string>): Promise<any> {
    for (const [path, text] of Object.entries(files)) await writeFile(join(site, path), text)
    await ok(['--repo', node, 'publish', ...Object.keys(files), '--manifest', 'ipfs-manifest.json', '-q'], { cwd: site })
    // the same inputs: the feeds' id the runner's --ipns-key gives (the name stays the runner's to move)
    return JSON.parse(await ok(['--repo', node, 'edition', '--manifest', 'ipfs-manifest.json', '--feed-id', `ipns://${name}`, '--json'], { cwd: site }))
  }

  const editionJson = async (cid: string): Promise<any> => { const e = await editionContent(async p => await ok(['--repo', node, 'cat', `${cid}/${p}`])); return { ...e.index, ...e } }

  it('a correction that changes the headline, then a new article whose date and title collide, each from a fresh runner: the node\'s edition of the same step, every permalink kept', async () => {
    const manifest0 = await readFile(join(site, 'ipfs-manifest.json'), 'utf8')
    const cids0 = JSON.parse(manifest0)
    const ed0 = await editionJson(first.cid)
    const pathOf = (ed: any, cid: string): string => ed.articles.find((a: any) => a.cid === cid)?.path
    const onePath = pathOf(ed0, cids0['articles/one.md'].cid)
    const twoPath = pathOf(ed0, cids0['articles/two.md'].cid)
    expect([onePath, twoPath].sort()).toEqual([BASE, `${BASE}-2`])

    // runner 1: a correction of one.md that changes its headline; its earlier text is on the node alone
    const corrected = { 'articles/one.md': article('Ministers rejected the revised plan', 'The first text, corrected.') }
    // the node makes the same step first (holding everything), so that it holds the edition the
    // runner's record will point to: with no pin target, --put-to moves the name only to what the node holds
    const full1 = await fullMachine(corrected)
    const r1 = await runner(join(tmp.path, 'ci-1'), manifest0, corrected)
    expect(r1.edition).toMatchObject({ previous: first.cid, corrected: 1, name, sequence: 1 })
    // it read no bundle of the articles it did not change: they are not in its repo
    for (const key of ['articles/two.md', 'articles/sample.txt', 'articles/brief.md']) {
      const res = await cli(['--repo', r1.repo, 'cat', `${cids0[key].cid}/metadata.json`])
      expect(res.code, key).not.toBe(0)
    }
    expect(await readFile(join(site, 'ipfs-manifest.json'), 'utf8')).toBe(r1.manifest)
    expect(full1.cid).toBe(r1.edition.cid)
    // the name (the record the runner handed over) opens the corrected article at its first path
    const ed1 = await editionJson(r1.edition.cid)
    const newOne = JSON.parse(r1.manifest)['articles/one.md'].cid
    expect(pathOf(ed1, newOne)).toBe(onePath)
    expect(pathOf(ed1, cids0['articles/two.md'].cid)).toBe(twoPath)
    expect(await ok(['--repo', node, 'cat', `/ipns/${name}/${onePath}.html`])).toContain('<h1>Ministers rejected the revised plan</h1>')
    expect(await ok(['--repo', node, 'cat', `/ipns/${name}/${onePath.replace('articles/', 'corrections/')}/1.html`])).toContain('The first text.')
    await rm(join(tmp.path, 'ci-1'), { recursive: true, force: true })

    // runner 2, fresh again: a new article of the same date and title, from the manifest runner 1 committed
    const added = { 'articles/three.md': article(TITLE, 'The third text.') }
    const full2 = await fullMachine(added)
    const r2 = await runner(join(tmp.path, 'ci-2'), r1.manifest, added)
    expect(r2.edition).toMatchObject({ previous: r1.edition.cid, corrected: 1, articles: 5, sequence: 2 })
    expect(full2.cid).toBe(r2.edition.cid)
    const ed2 = await editionJson(r2.edition.cid)
    expect(pathOf(ed2, newOne)).toBe(onePath)
    expect(pathOf(ed2, cids0['articles/two.md'].cid)).toBe(twoPath)
    expect(pathOf(ed2, JSON.parse(r2.manifest)['articles/three.md'].cid)).toBe(`${BASE}-3`)
    expect(await ok(['--repo', node, 'cat', `/ipns/${name}/${BASE}-3/article.md`])).toContain('The third text.')
  }, 300_000)

  it('a gateway that alters a block of the previous edition is refused (exit 4): its bytes are never used', async () => {
    // a proxy to the node's gateway that serves every record as it is and every raw block with one byte flipped
    const server = createServer((req, res) => {
      fetch(gw.gateway + req.url!, { headers: { accept: req.headers.accept ?? '*/*' } }).then(async up => {
        const body = new Uint8Array(await up.arrayBuffer())
        if (req.url!.includes('format=raw') && body.length > 0) body[body.length - 1] ^= 0xff
        res.writeHead(up.status, { 'Content-Type': up.headers.get('content-type') ?? 'application/octet-stream' })
        res.end(body)
      }).catch(() => { res.writeHead(502); res.end() })
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    try {
      const lying = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const dir = join(tmp.path, 'ci-lie')
      await mkdir(dir, { recursive: true })
      await copyFile(join(site, 'ipfs-manifest.json'), join(dir, 'ipfs-manifest.json'))
      const repo = join(dir, '.repo')
      await ok(['--repo', repo, 'key', 'import', 'site', '--from-env', 'SITE_KEY'], { env: { ...process.env, SITE_KEY: (await readFile(siteKey, 'utf8')).trim() } })
      const res = await cli(['--repo', repo, 'edition', '--manifest', 'ipfs-manifest.json', '--ipns-key', 'site', '--resolve-from', lying], { cwd: dir })
      expect(res.code).toBe(4)
      expect(res.stderr).toMatch(new RegExp(`^error: ${lying.replace(/[.]/g, '\\.')} sent bytes that do not match block \\S+ \\(refused\\)\n$`))
      expect(res.stdout).toBe('')
    } finally {
      server.close()
      server.closeAllConnections()
    }
  }, 120_000)

  it('an article of the manifest neither on the runner nor in the previous edition: an error naming it', async () => {
    const dir = join(tmp.path, 'ci-3')
    await mkdir(dir, { recursive: true })
    const manifest = JSON.parse(await readFile(join(site, 'ipfs-manifest.json'), 'utf8'))
    // a bundle published elsewhere, never in an edition
    const elsewhere = join(tmp.path, 'elsewhere')
    await writeFile(join(tmp.path, 'lost.md'), article('Lost', 'Never seen by the node.'))
    const lost = JSON.parse(await ok(['--repo', elsewhere, 'publish', join(tmp.path, 'lost.md'), '--json'])).cid
    manifest['articles/lost.md'] = { ...manifest['articles/brief.md'], cid: lost }
    await writeFile(join(dir, 'ipfs-manifest.json'), JSON.stringify(manifest, null, 2))
    const repo = join(dir, '.repo')
    await ok(['--repo', repo, 'key', 'import', 'site', '--from-env', 'SITE_KEY'], { env: { ...process.env, SITE_KEY: (await readFile(siteKey, 'utf8')).trim() } })
    const res = await cli(['--repo', repo, 'edition', '--manifest', 'ipfs-manifest.json', '--ipns-key', 'site', '--resolve-from', gw.gateway], { cwd: dir })
    const r2cid = JSON.parse(await ok(['--repo', node, 'name', 'resolve', name, '--json'])).value.replace('/ipfs/', '')
    expect(res.code).toBe(3)
    expect(res.stderr).toBe(`error: ipfs-manifest.json: articles/lost.md: bundle ${lost} is not in the repo, nor recorded in the previous edition ${r2cid} (publish the article here first)\n`)
  }, 120_000)
})
