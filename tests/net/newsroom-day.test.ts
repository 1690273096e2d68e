// The newsroom's day end to end (issue 20): the node (`serve --net local` with its gateway and
// its Kubo RPC subset) holds the key; throwaway CI runners, each a fresh repo with the key from
// the environment, publish and make editions pinned on the node, and are deleted. Nothing
// published is lost on the way: the node serves every page, link, feed and article of each
// edition under its name, keeps every permalink across a correction that changes the headline,
// keeps it all through `gc`, and a third fresh repo verifies the edition from the node.
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli as run, tempDir } from '../helpers/cli.js'
import { cliInNetns, LOOPBACK_ONLY, NETNS } from '../helpers/netns.js'
import { serve } from '../helpers/serve.js'
import type { Served } from '../helpers/serve.js'
import { editionContent } from '../helpers/edition.js'

const TOKEN = 'tok-newsroom-day-5e0a17-never-printed'

// every process of the day runs with the loopback-only preload: a connection, listen, DNS query or
// fetch beyond loopback is refused and written to NETWORK_LOG, which must stay empty
let networkLog = ''
const guarded = (env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, ...env, NODE_OPTIONS: `--import ${LOOPBACK_ONLY}`, LOOPBACK_FETCH: '1', NETWORK_LOG: networkLog })
const cli: typeof run = async (args, opts = {}) => await run(args, { ...opts, env: guarded(opts.env) })
const md = (title: string, date: string, text: string): string => `---\ntitle: ${title}\ndate: ${date}\ncategories: [World]\n---\n${text}\n\nA second paragraph.\n`

const ARTICLES: Record<string, string> = {
  'articles/talks.md': md('Ceasefire talks open in Geneva', '2025-07-09', 'Delegations met on Monday.'),
  'articles/harbour.md': md('Harbour reopens after the storm', '2025-07-10', 'Ships came back at dawn.'),
  'articles/budget.md': md('Council passes the budget', '2025-07-11', 'The vote was close.')
}
const CORRECTED = { 'articles/talks.md': md('Ceasefire talks open in Geneva, then stall', '2025-07-09', 'Delegations met on Monday and parted on Tuesday.') }

async function ok (args: string[], opts: Parameters<typeof cli>[1] = {}): Promise<string> {
  const res = await cli(args, { timeout: 180_000, ...opts })
  if (res.code !== 0) throw new Error(`${args.join(' ')} failed (${res.code}): ${res.stderr}`)
  return res.stdout
}

const decode = (s: string): string => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')

async function get (url: string): Promise<{ status: number, text: string, type: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(60_000), redirect: 'follow' })
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' }
}

describe('a newsroom\'s day: the node and throwaway CI runners', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let nodeRepo: string
  let node: Served
  let name: string
  let siteKey: string
  beforeAll(async () => {
    tmp = await tempDir()
    networkLog = join(tmp.path, 'network.log')
    nodeRepo = join(tmp.path, 'node')
    // once, on the node: the key whose name always points to the latest edition; CI gets it as a secret
    name = JSON.parse(await ok(['--repo', nodeRepo, 'key', 'gen', 'site', '--json'])).id
    const keyFile = join(tmp.path, 'site.b64')
    await ok(['--repo', nodeRepo, 'key', 'export', 'site', '-o', keyFile, '--format', 'base64'])
    siteKey = (await readFile(keyFile, 'utf8')).trim()
    await rm(keyFile)
    node = await serve(nodeRepo, ['--rpc-listen', '127.0.0.1:0'], 900_000, process.execPath, guarded({ IPFS_PUBLISH_RPC_TOKEN: TOKEN }))
  }, 120_000)
  afterAll(async () => { await node?.stop('SIGKILL'); await tmp?.cleanup() })

  /** A throwaway runner: a checkout of `manifest` (if any) and `files`, a fresh repo with the key from the environment; publishes the files and makes the edition, both pinned on the node; then the folder is deleted. */
  async function runner (dir: string, manifest: string | null, files: Record<string, string>): Promise<{ edition: any, manifest: string, publish: any[] }> {
    const checkout = join(tmp.path, dir)
    await mkdir(join(checkout, 'articles'), { recursive: true })
    if (manifest != null) await writeFile(join(checkout, 'ipfs-manifest.json'), manifest)
    for (const [path, text] of Object.entries(files)) await writeFile(join(checkout, path), text)
    const repo = join(checkout, '.ipfs-publish')
    const env = { ...process.env, SITE_KEY: siteKey, IPFS_PINNING_TOKEN: TOKEN }
    const pin = ['--pin-remote-url', node.rpc!, '--pin-remote-kind', 'kubo-rpc', '--net', 'local']
    await ok(['--repo', repo, 'key', 'import', 'site', '--from-env', 'SITE_KEY'], { env })
    const published = await ok(['--repo', repo, '--json', 'publish', ...Object.keys(files), '--manifest', 'ipfs-manifest.json', ...pin], { cwd: checkout, env })
    const made = await ok(['--repo', repo, '--json', 'edition', '--manifest', 'ipfs-manifest.json', '--ipns-key', 'site',
      '--resolve-from', node.gateway, '--put-to', node.gateway, ...pin], { cwd: checkout, env })
    const lines = made.trim().split('\n').map(l => JSON.parse(l))
    const out = { edition: lines.at(-1), manifest: await readFile(join(checkout, 'ipfs-manifest.json'), 'utf8'), publish: published.trim().split('\n').map(l => JSON.parse(l)) }
    // the runner is gone a minute later
    await rm(checkout, { recursive: true, force: true })
    return out
  }

  /** Every page of the site under `base` (a URL ending in `/`), crawled from its front page: every relative href/src answers 200; returns the URLs seen. */
  async function crawl (base: string): Promise<Set<string>> {
    const seen = new Set<string>()
    const queue = [base]
    while (queue.length > 0) {
      const url = queue.shift()!
      if (seen.has(url)) continue
      seen.add(url)
      const res = await get(url)
      expect(res.status, url).toBe(200)
      // the edition's own pages; a bundle's folder is the gateway's listing (its links are the gateway's, absolute)
      if (!res.type.startsWith('text/html') || !(url === base || url.endsWith('.html'))) continue
      for (const m of res.text.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
        const ref = decode(m[1])
        if (/^[a-z][a-z0-9+.-]*:/i.test(ref) || ref.startsWith('//') || ref.startsWith('#')) continue // absolute: not the node's to serve
        const next = new URL(ref, url)
        next.hash = ''
        expect(next.href.startsWith(base), `${ref} on ${url} leaves the site`).toBe(true)
        queue.push(next.href)
      }
    }
    return seen
  }

  /** Both feeds of the site under `base`: each item's `ipfs://` id answers 200 on the node, and each item's page does; returns the ids. */
  async function feeds (base: string): Promise<string[]> {
    const atom = await get(base + 'feed.xml')
    expect(atom.status).toBe(200)
    const atomIds = [...atom.text.matchAll(/<entry>\s*<id>ipfs:\/\/([^<]+)<\/id>/g)].map(m => m[1])
    const json = await get(base + 'feed.json')
    expect(json.status).toBe(200)
    const items = JSON.parse(json.text).items as Array<{ id: string, url: string }>
    const jsonIds = items.map(i => i.id.replace(/^ipfs:\/\//, ''))
    expect(atomIds.length).toBeGreaterThan(0)
    expect(atomIds.sort()).toEqual([...jsonIds].sort())
    for (const id of atomIds) expect((await get(`${node.gateway}/ipfs/${id}/`)).status, `ipfs://${id}`).toBe(200)
    for (const item of items) expect((await get(new URL(item.url, base).href)).status, item.url).toBe(200)
    return atomIds
  }

  /** What the node's name points to, read from the node's gateway (the record, checked by its own resolver). */
  const resolved = async (): Promise<string> => {
    const res = await cli(['--repo', join(tmp.path, 'reader'), '--json', 'name', 'resolve', name, '--from', node.gateway, '--net', 'local'])
    expect(res.code, res.stderr).toBe(0)
    return JSON.parse(res.stdout).value.replace(/^\/ipfs\//, '').replace(/\/$/, '')
  }

  it('runner 1 publishes and makes the edition, runner 2 corrects a headline: the node serves all of it, before and after gc, and a fresh repo verifies it', async () => {
    // morning: runner 1 publishes the articles and the first edition, both pinned on the node
    const r1 = await runner('ci-1', null, ARTICLES)
    expect(r1.publish.filter(p => p.target != null && p.status === 'pinned').map(p => p.cid).sort()).toEqual(
      r1.publish.filter(p => p.target == null && p.cid != null).map(p => p.cid).sort())
    const ed1 = r1.edition.cid
    expect(r1.edition).toMatchObject({ name, articles: 3, previous: null })
    expect(await resolved()).toBe(ed1)
    const named = `${node.gateway}/ipns/${name}/`
    const pages1 = await crawl(named)
    // the front page, three article pages, edition.json and the feeds at least
    expect([...pages1].filter(u => /\/articles\/[^/]+\.html$/.test(u))).toHaveLength(3)
    for (const file of ['feed.xml', 'feed.json', 'edition.json']) expect(pages1, file).toContain(named + file)
    const ids1 = await feeds(named)
    const manifest1 = JSON.parse(r1.manifest)
    expect(ids1.sort()).toEqual(Object.values(manifest1).map((e: any) => e.cid).sort())
    const json1 = await editionContent(async p => (await get(`${node.gateway}/ipfs/${ed1}/${p}`)).text)
    expect(json1.index.schema).toBe('ipfs-publish/edition@4')
    const talksCid0 = manifest1['articles/talks.md'].cid
    const talks = json1.articles.find((a: any) => a.cid === talksCid0)
    expect(talks.path).toBe('articles/2025-07-09-ceasefire-talks-open-in-geneva')

    // afternoon: runner 2 holds the manifest and the corrected file only
    const r2 = await runner('ci-2', r1.manifest, CORRECTED)
    const ed2 = r2.edition.cid
    expect(r2.edition).toMatchObject({ name, articles: 3, corrected: 1, previous: ed1 })
    const manifest2 = JSON.parse(r2.manifest)
    const talksCid1 = manifest2['articles/talks.md'].cid
    expect(talksCid1).not.toBe(talksCid0)

    const check = async (): Promise<void> => {
      // the name points at the new edition, which names the first as the one it replaces
      expect(await resolved()).toBe(ed2)
      const front = await get(named)
      expect(front.status).toBe(200)
      expect(front.text).toBe((await get(`${node.gateway}/ipfs/${ed2}/`)).text)
      const json2Res = await get(`${node.gateway}/ipfs/${ed2}/edition.json`)
      expect(json2Res.status).toBe(200)
      const json2 = await editionContent(async p => (await get(`${node.gateway}/ipfs/${ed2}/${p}`)).text)
      expect(json2.index.previous).toBe(ed1)
      // every article path of the first edition is in the second: bundle and page
      for (const a of json1.articles) {
        expect((await get(`${named}${a.path}/`)).status, a.path).toBe(200)
        expect((await get(`${named}${a.path}.html`)).status, a.path).toBe(200)
        expect(json2.articles.some((b: any) => b.path === a.path), a.path).toBe(true)
      }
      // the corrected article at its first path, with its new headline and text; its earlier version kept
      const page = await get(`${named}${talks.path}.html`)
      expect(page.text).toContain('Ceasefire talks open in Geneva, then stall')
      expect(page.text).toContain('parted on Tuesday')
      expect((await get(`${named}${talks.path}/article.md`)).text).toBe(CORRECTED['articles/talks.md'])
      expect(json2.articles.find((b: any) => b.path === talks.path).cid).toBe(talksCid1)
      const earlier = await get(`${node.gateway}/ipfs/${talksCid0}/article.md`)
      expect(earlier.status).toBe(200)
      expect(earlier.text).toBe(ARTICLES['articles/talks.md'])
      expect((await get(`${named}${talks.path.replace('articles/', 'corrections/')}/1.html`)).text).toContain('Delegations met on Monday.')
      // every page and link of the new edition, both feeds and their ids
      await crawl(named)
      const ids2 = await feeds(named)
      expect(ids2).toContain(talksCid1)
      expect(ids2).not.toContain(talksCid0)
    }
    await check()

    // the node collects garbage while it serves: nothing of the edition goes
    const gc = await cli(['--repo', nodeRepo, 'gc'], { timeout: 180_000 })
    expect(gc.code, gc.stderr).toBe(0)
    await check()

    // a third fresh repo fetches the edition from the node and checks every block
    const v = await cli(['--repo', join(tmp.path, 'verifier'), 'verify', ed2, '--from', node.gateway, '--net', 'local'], { timeout: 180_000 })
    expect(v.code, v.stderr).toBe(0)

    // nothing of the day left loopback; and the guard was there to see it: a source off this machine is refused and logged
    expect(existsSync(networkLog) ? await readFile(networkLog, 'utf8') : '').toBe('')
    const probeLog = join(tmp.path, 'probe.log')
    // (inside a network namespace holding only lo: the probe could reach nothing even if the guard were missing)
    if (NETNS) {
      const probe = await cliInNetns(['--repo', join(tmp.path, 'verifier'), 'verify', ed2, '--from', 'http://192.0.2.1:9', '--timeout', '5s'], { env: { NETWORK_LOG: probeLog } })
      expect(probe.code).not.toBe(0)
      expect(await readFile(probeLog, 'utf8')).toContain('192.0.2.1')
    }
  }, 900_000)
})
