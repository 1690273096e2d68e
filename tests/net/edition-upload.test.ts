// edition --pin-remote-kind kubo-rpc into a real `serve --rpc-listen`: the first upload carries the
// whole edition; the next one, to a node that pins the previous edition, carries only the blocks
// that changed (a small fraction, and about as small at 400 articles as at 100). A node that lacks
// the previous edition gets the whole DAG. Measured by a counting proxy on loopback in front of
// the node's RPC port (the bytes of each dag/import body, and the node's own count of blocks).
import { execFileSync } from 'node:child_process'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { createServer, request } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import { verify } from '../../src/index.js'
import { cli, ROOT, tempDir } from '../helpers/cli.js'
import { serve } from '../helpers/serve.js'
import type { Served } from '../helpers/serve.js'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { editionContent } from '../helpers/edition.js'

const TOKEN = 'tok-edition-upload-5d2e88-never-printed'
const GEN = join(ROOT, 'tests', 'fixtures', 'gen-articles.mjs')

/** A loopback proxy in front of an RPC API that counts the bytes of each dag/import body and keeps the node's block count. */
async function counting (upstream: string): Promise<{ url: string, imports: Array<{ bytes: number, blocks: number }>, server: Server }> {
  const imports: Array<{ bytes: number, blocks: number }> = []
  const server = createServer((req, res) => {
    const u = new URL(upstream)
    let bytes = 0
    req.on('data', (d: Buffer) => { bytes += d.byteLength })
    const out = request({ host: u.hostname, port: u.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      let text = ''
      up.on('data', (d: Buffer) => { text += d.toString() })
      up.on('end', () => {
        if (req.url?.startsWith('/api/v0/dag/import') === true) {
          for (const l of text.split('\n')) if (l.includes('"Stats"')) imports.push({ bytes, blocks: JSON.parse(l).Stats.BlockCount })
        }
        res.writeHead(up.statusCode ?? 502, up.headers)
        res.end(text)
      })
    })
    out.on('error', () => { res.destroy() })
    req.pipe(out)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, imports, server }
}

/**
 * The bytes of what an edition rewrites whole whatever changed: edition.json (the index), the feeds
 * and the front page, whose sizes are bounded (the newest 100 and 50 articles, one line per month),
 * from the dag-pb sizes of the new edition's root as the node serves it.
 */
async function rewritten (gateway: string, next: string, previous: string): Promise<number> {
  const dagPb = await import('@ipld/dag-pb')
  const links = async (cid: string): Promise<Map<string, { cid: string, size: number }>> => {
    const res = await fetch(`${gateway}/ipfs/${cid}?format=raw`, { signal: AbortSignal.timeout(30_000) })
    expect(res.status).toBe(200)
    return new Map(dagPb.decode(new Uint8Array(await res.arrayBuffer())).Links.map(l => [l.Name ?? '', { cid: l.Hash.toString(), size: l.Tsize ?? 0 }]))
  }
  const [now, before] = await Promise.all([links(next), links(previous)])
  let bytes = 0
  for (const [name, l] of now) if (['edition.json', 'feed.xml', 'feed.json', 'index.html'].includes(name) && before.get(name)?.cid !== l.cid) bytes += l.size
  return bytes
}

/** Blocks read from a gateway alone (`?format=raw`), for our own verification of what that node holds. */
function gatewayBlocks (gateway: string): any {
  return {
    async * get (cid: CID) {
      const res = await fetch(`${gateway}/ipfs/${cid}?format=raw`, { signal: AbortSignal.timeout(30_000) })
      if (!res.ok) throw Object.assign(new Error(`${cid}: ${res.status}`), { name: 'NotFoundError' })
      yield new Uint8Array(await res.arrayBuffer())
    }
  }
}

async function pinnedOn (node: Served, cid: string): Promise<boolean> {
  const ls = await fetch(`${node.rpc}/api/v0/pin/ls?arg=${cid}&type=recursive`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })
  return ls.status === 200 && Object.keys((await ls.json()).Keys).includes(cid)
}

describe('edition --pin-remote-kind kubo-rpc: the next edition sends only its new blocks', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let node: Served
  let fresh: Served
  beforeAll(async () => {
    tmp = await tempDir()
    const env = { ...process.env, IPFS_PUBLISH_RPC_TOKEN: TOKEN }
    node = await serve(join(tmp.path, 'node'), ['--rpc-listen', '127.0.0.1:0'], 900_000, process.execPath, env)
    fresh = await serve(join(tmp.path, 'fresh'), ['--rpc-listen', '127.0.0.1:0'], 900_000, process.execPath, env)
  }, 120_000)
  afterAll(async () => { await node?.stop('SIGKILL'); await fresh?.stop('SIGKILL'); await tmp?.cleanup() })

  /** An edition of the repo uploaded to the targets (each behind its own counting proxy); its CID and what each received. */
  const edition = async (repo: string, targets: Served[]): Promise<{ cid: string, previous: string | null, imports: Array<Array<{ bytes: number, blocks: number }>> }> => {
    const proxies = await Promise.all(targets.map(async t => await counting(t.rpc!)))
    try {
      const r = await cli(['--repo', repo, '--json', 'edition', '--date', '2025-08-01', ...proxies.flatMap(p => ['--pin-remote-url', p.url]), '--pin-remote-kind', 'kubo-rpc', '--pin-timeout', '120s', '--net', 'local'],
        { env: { IPFS_PINNING_TOKEN: TOKEN }, timeout: 300_000 })
      expect(r.code, r.stderr).toBe(0)
      const made = JSON.parse(r.stdout.trim().split('\n').at(-1)!)
      return { cid: made.cid, previous: made.previous, imports: proxies.map(p => p.imports) }
    } finally {
      for (const p of proxies) { p.server.closeAllConnections(); p.server.close() }
    }
  }

  /** N articles published and an edition uploaded to the node; then one article changed, published, and the next edition uploaded. */
  const twoEditions = async (n: number, also: Served[] = []): Promise<{ rewritten?: number, first: { bytes: number, blocks: number }, next: { bytes: number, blocks: number }, repo: string, cids: string[], alsoImports: Array<{ bytes: number, blocks: number }> }> => {
    const dir = join(tmp.path, `articles-${n}`)
    const repo = join(tmp.path, `repo-${n}`)
    execFileSync(process.execPath, [GEN, '--out', dir, '--count', String(n), '--seed', String(n), '--min-kb', '2', '--max-kb', '4'], { stdio: 'ignore' })
    expect((await cli(['--repo', repo, 'publish', dir, '-q'], { timeout: 300_000 })).code).toBe(0)
    const one = await edition(repo, [node])
    expect(one.imports[0]).toHaveLength(1)
    expect(await pinnedOn(node, one.cid)).toBe(true)
    // one article corrected
    const files = (await readdir(dir)).filter(f => f.endsWith('.txt') || f.endsWith('.md')).sort()
    const changed = join(dir, files[Math.floor(files.length / 2)])
    await writeFile(changed, (await readFile(changed, 'utf8')).replace(/\n\n([^\n]+)/, '\n\n$1 (corrected)'))
    const p = await cli(['--repo', repo, 'publish', changed, '-q'], { timeout: 120_000 })
    expect(p.code, p.stderr).toBe(0)
    const two = await edition(repo, [node, ...also])
    expect(two.cid).not.toBe(one.cid)
    expect(two.previous).toBe(one.cid)
    expect(two.imports[0]).toHaveLength(1)
    return { first: one.imports[0][0], next: two.imports[0][0], repo, cids: [one.cid, two.cid], alsoImports: two.imports.slice(1).flat() }
  }

  /** The number of blocks of a DAG, by export from the repo. */
  const blocksOf = async (repo: string, cid: string): Promise<number> => JSON.parse((await cli(['--repo', repo, '--json', 'export', cid, '-o', join(tmp.path, `${cid}.car`)], { timeout: 120_000 })).stdout).blocks

  let small: Awaited<ReturnType<typeof twoEditions>>
  it('100 articles: the first upload is the whole edition; the next, one article changed, a small fraction of it; the node then holds the whole new edition, read back from it alone', async () => {
    small = await twoEditions(100, [fresh])
    const [first, next] = small.cids
    expect(small.first.blocks).toBe(await blocksOf(small.repo, first))
    small.rewritten = await rewritten(node.gateway, next, first)
    console.log(`100 articles: first upload ${small.first.bytes} bytes (${small.first.blocks} blocks), next ${small.next.bytes} bytes (${small.next.blocks} blocks), of which the top-level files the edition rewrites (edition.json, feeds, index) ${small.rewritten}`)
    // the changed article's blocks, its page, the folders above them, and the files the edition
    // writes anew each time (edition.json, the feeds, the index page: their size grows with the site,
    // not with the change); the unchanged articles and their pages do not travel
    expect(small.next.blocks).toBeLessThan(small.first.blocks / 10)
    expect(small.next.bytes - small.rewritten).toBeLessThan(small.first.bytes / 10)
    expect(await pinnedOn(node, next)).toBe(true)
    // every block of the new edition, read from the node's gateway alone and checked against its CID
    await verify(CID.parse(next), gatewayBlocks(node.gateway))
    // the node that held no previous edition got the whole DAG, and holds it
    expect(small.alsoImports).toHaveLength(1)
    expect(small.alsoImports[0].blocks).toBe(await blocksOf(small.repo, next))
    expect(small.alsoImports[0].bytes).toBeGreaterThan(small.first.bytes * 0.9)
    expect(await pinnedOn(fresh, next)).toBe(true)
    await verify(CID.parse(next), gatewayBlocks(fresh.gateway))
  }, 900_000)

  it('400 articles: the next upload is as many blocks as at 100 (their number does not grow with the site)', async () => {
    expect(small).toBeDefined()
    const large = await twoEditions(400)
    const layout = await rewritten(node.gateway, large.cids[1], large.cids[0])
    console.log(`400 articles: first upload ${large.first.bytes} bytes (${large.first.blocks} blocks), next ${large.next.bytes} bytes (${large.next.blocks} blocks), of which the top-level files the edition rewrites (edition.json, feeds, index) ${layout}`)
    expect(large.first.bytes).toBeGreaterThan(small.first.bytes * 3)
    // the same blocks as at 100 articles (one more shard level at most): the count does not grow with the site
    expect(large.next.blocks).toBeLessThanOrEqual(small.next.blocks + 3)
    expect(large.next.blocks).toBeLessThan(large.first.blocks / 50)
    expect(large.next.bytes - layout).toBeLessThan(large.first.bytes / 10)
    // by month: a change rewrites its month's page and record, not a file that grows with the site
    expect(large.next.bytes).toBeLessThan(large.first.bytes / 10)
    expect(large.next.bytes).toBeLessThan(small.next.bytes * 1.5)
    expect(await pinnedOn(node, large.cids[1])).toBe(true)
    await verify(CID.parse(large.cids[1]), gatewayBlocks(node.gateway))
  }, 900_000)

  it('a fresh CI runner (--resolve-from the newsroom\'s node): the diff against the previous edition, what the runner lacks fetched from the gateway; a block found nowhere is an error naming it (exit 1, the name not moved)', async () => {
    const newsroom = join(tmp.path, 'newsroom')
    const gen = await cli(['--repo', newsroom, 'key', 'gen', 'site', '--json'])
    expect(gen.code, gen.stderr).toBe(0)
    const name = JSON.parse(gen.stdout).id
    const keyFile = join(tmp.path, 'site.b64')
    expect((await cli(['--repo', newsroom, 'key', 'export', 'site', '-o', keyFile, '--format', 'base64'])).code).toBe(0)
    const siteKey = (await readFile(keyFile, 'utf8')).trim()
    // the newsroom's node: it takes the records of its own key's name
    const home = await serve(newsroom, ['--rpc-listen', '127.0.0.1:0'], 600_000, process.execPath, { ...process.env, IPFS_PUBLISH_RPC_TOKEN: TOKEN })
    try {
      const site = join(tmp.path, 'site')
      execFileSync(process.execPath, [GEN, '--out', join(site, 'articles'), '--count', '30', '--seed', '7', '--min-kb', '2', '--max-kb', '4'], { stdio: 'ignore' })
      const manifest = join(site, 'ipfs-manifest.json')
      /** A runner: an empty repo, the key from the environment, every article published with the manifest, then the edition. */
      const runner = async (dir: string, gateway: string, targets: string[]): Promise<Awaited<ReturnType<typeof cli>>> => {
        const repo = join(tmp.path, dir)
        expect((await cli(['--repo', repo, 'key', 'import', 'site', '--from-env', 'SITE_KEY'], { env: { SITE_KEY: siteKey } })).code).toBe(0)
        const p = await cli(['--repo', repo, 'publish', 'articles/', '--manifest', manifest, '-q'], { cwd: site, timeout: 120_000 })
        expect(p.code, p.stderr).toBe(0)
        return await cli(['--repo', repo, '--json', 'edition', '--manifest', manifest, '--ipns-key', 'site', '--resolve-from', gateway, '--put-to', home.gateway,
          ...targets.flatMap(t => ['--pin-remote-url', t]), '--pin-remote-kind', 'kubo-rpc', '--pin-timeout', '120s', '--net', 'local'], { cwd: site, env: { IPFS_PINNING_TOKEN: TOKEN }, timeout: 300_000 })
      }
      const change = async (file: string): Promise<void> => {
        const path = join(site, 'articles', file)
        await writeFile(path, (await readFile(path, 'utf8')).replace(/\n\n([^\n]+)/, '\n\n$1 (corrected)'))
      }
      const made = (r: Awaited<ReturnType<typeof cli>>): any => JSON.parse(r.stdout.trim().split('\n').at(-1)!)

      // day 1: the whole edition to the newsroom's node
      const first = await runner('runner-1', home.gateway, [home.rpc!])
      expect(first.code, first.stderr).toBe(0)
      const e1 = made(first).cid

      // day 2, a fresh runner, one article changed: the home node (pins day 1) gets the difference, the
      // node that pins nothing of the site (fresh) the whole DAG; what the runner lacks (the pages
      // kept from day 1) is fetched from the home node's gateway and checked
      await change('article-11.txt')
      const homeProxy = await counting(home.rpc!)
      const freshProxy = await counting(fresh.rpc!)
      let second: Awaited<ReturnType<typeof cli>>
      try {
        second = await runner('runner-2', home.gateway, [homeProxy.url, freshProxy.url])
      } finally {
        for (const p of [homeProxy, freshProxy]) { p.server.closeAllConnections(); p.server.close() }
      }
      expect(second.code, second.stderr).toBe(0)
      const e2 = made(second)
      expect(e2).toMatchObject({ previous: e1, name })
      expect(homeProxy.imports).toHaveLength(1)
      expect(freshProxy.imports).toHaveLength(1)
      console.log(`CI runner, 30 articles: to the node pinning day 1 ${homeProxy.imports[0].bytes} bytes (${homeProxy.imports[0].blocks} blocks); to a node without it ${freshProxy.imports[0].bytes} bytes (${freshProxy.imports[0].blocks} blocks)`)
      expect(homeProxy.imports[0].blocks * 5).toBeLessThan(freshProxy.imports[0].blocks)
      for (const n of [home, fresh]) {
        expect(await pinnedOn(n, e2.cid)).toBe(true)
        await verify(CID.parse(e2.cid), gatewayBlocks(n.gateway))
      }

      // day 3, another fresh runner whose gateway does not give one page kept from day 2, uploading to a
      // node that pins nothing of the site: that page is nowhere
      await change('article-12.txt')
      const ed2 = await editionContent(async p => await (await fetch(`${home.gateway}/ipfs/${e2.cid}/${p}`)).text())
      const kept = ed2.articles.find((a: any) => !/article-1[12]\./.test(a.file ?? a.path) && typeof a.page === 'string')
      const etag = (await fetch(`${home.gateway}/ipfs/${e2.cid}/${kept.page}?format=raw`)).headers.get('etag')
      const page = /^"(.+)\.raw"$/.exec(etag ?? '')![1]
      const holey = createServer((req, res) => {
        if (req.url?.startsWith(`/ipfs/${page}`) === true) { res.writeHead(404); res.end('not here'); return }
        const u = new URL(home.gateway)
        const out = request({ host: u.hostname, port: u.port, method: req.method, path: req.url, headers: req.headers }, (up) => { res.writeHead(up.statusCode ?? 502, up.headers); up.pipe(res) })
        out.on('error', () => { res.destroy() })
        req.pipe(out)
      })
      await new Promise<void>(resolve => holey.listen(0, '127.0.0.1', resolve))
      let third: Awaited<ReturnType<typeof cli>>
      try {
        third = await runner('runner-3', `http://127.0.0.1:${(holey.address() as AddressInfo).port}`, [node.rpc!])
      } finally {
        holey.closeAllConnections()
        holey.close()
      }
      expect(third.code, third.stderr).toBe(1)
      expect(third.stderr).toMatch(new RegExp(`^error: \\S+ could not be pinned on ${node.rpc!.replaceAll('.', '\\.')}: block ${page} of edition \\S+ cannot be sent: block ${page} is not in the repo, and no gateway gave it \\(.*404.*\\); the target does not pin the previous edition ${e2.cid}, so the whole edition is sent: name with --resolve-from a gateway that holds it, or pin the previous edition there first; /ipns/${name} was not moved\\n$`))
      expect(await pinnedOn(node, made(third).cid)).toBe(false)

      // the runner of day 2 holds its edition partially (the root only, a direct pin): served, its RPC
      // API says so as Kubo does, and does not count it as a recursive pin (which an upload relies on)
      const partial = await serve(join(tmp.path, 'runner-2'), ['--rpc-listen', '127.0.0.1:0'], 120_000, process.execPath, { ...process.env, IPFS_PUBLISH_RPC_TOKEN: TOKEN })
      try {
        const ls = async (type: string): Promise<Response> => await fetch(`${partial.rpc}/api/v0/pin/ls?arg=${e2.cid}&type=${type}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })
        const recursive = await ls('recursive')
        expect(recursive.status).toBe(500)
        expect(await recursive.json()).toMatchObject({ Message: `path '${e2.cid}' is not pinned`, Type: 'error' })
        expect(await (await ls('all')).json()).toEqual({ Keys: { [e2.cid]: { Type: 'direct' } } })
        expect(await (await ls('direct')).json()).toEqual({ Keys: { [e2.cid]: { Type: 'direct' } } })
        const all = await (await fetch(`${partial.rpc}/api/v0/pin/ls?type=recursive`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).json()
        expect(Object.keys(all.Keys)).not.toContain(e2.cid)
      } finally {
        await partial.stop('SIGKILL')
      }
    } finally {
      await home.stop('SIGKILL')
    }
  }, 900_000)
})
