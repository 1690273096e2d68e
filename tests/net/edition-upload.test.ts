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
 * The bytes of what an edition rewrites whole whatever changed (edition.json, the feeds, the index
 * pages: every top-level entry but articles/ and corrections/ whose CID differs from the previous
 * edition's), from the dag-pb sizes of the new edition's root as the node serves it.
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
  for (const [name, l] of now) if (name !== 'articles' && name !== 'corrections' && before.get(name)?.cid !== l.cid) bytes += l.size
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
    expect(await pinnedOn(node, large.cids[1])).toBe(true)
    await verify(CID.parse(large.cids[1]), gatewayBlocks(node.gateway))
  }, 900_000)
})
