import { request } from 'node:http'
import { CarBufferReader } from '@ipld/car/buffer-reader'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyBlock } from '../../src/core/store/verifying-blockstore.js'
import { gatewayWithSample } from '../helpers/gateway.js'
import type { GatewayFixture } from '../helpers/gateway.js'
import type { Gateway } from '../../src/net/gateway.js'

/** A raw HTTP request (fetch would normalise `..` out of the path before sending it). */
async function raw (gw: Gateway, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number, headers: Record<string, any>, body: Buffer }> {
  const u = new URL(gw.url)
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers, timeout: 10_000 }, res => {
      const parts: Buffer[] = []
      res.on('data', (d: Buffer) => parts.push(d))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('the HTTP gateway', () => {
  let fixture: GatewayFixture
  let gw: Gateway
  let cid: string
  let articleCid: string
  beforeAll(async () => {
    fixture = await gatewayWithSample()
    gw = fixture.gw
    cid = fixture.article.cid
    articleCid = fixture.article.files[0].cid
  })
  afterAll(async () => { await fixture?.close() })

  it('answers subdomain requests on localhost (<cid>.ipfs.localhost:<port>), as the links made for a localhost gateway ask', async () => {
    const port = new URL(gw.url).port
    const link = new URL(fixture.article.link.replace(/^https:\/\/[^/]+/, `http://${cid}.ipfs.localhost:${port}`))
    const file = await raw(gw, 'GET', link.pathname + link.search, { host: link.host })
    expect(file.status).toBe(200)
    expect(file.body.toString()).toContain('Download IPFS')
    expect(file.headers['x-ipfs-path']).toBe(`/ipfs/${cid}/article.txt`)
    // the folder's listing links stay on that origin
    const dir = await raw(gw, 'GET', '/', { host: link.host })
    expect(dir.status).toBe(200)
    expect(dir.body.toString()).toContain('href="/article.txt"')
    expect((await raw(gw, 'GET', '/', { host: `notacid.ipfs.localhost:${port}` })).status).toBe(400)
    // and dot segments are refused there too
    expect((await raw(gw, 'GET', '/%2e%2e/x', { host: link.host })).status).toBe(400)
  })

  it('lists a folder and serves a file with its media type, ETag, immutable caching and nosniff', async () => {
    const dir = await raw(gw, 'GET', `/ipfs/${cid}`)
    expect(dir.status).toBe(200)
    expect(dir.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(dir.body.toString()).toContain(`/ipfs/${cid}/article.txt`)
    const file = await raw(gw, 'GET', `/ipfs/${cid}/article.txt`)
    expect(file.status).toBe(200)
    expect(file.headers['content-type']).toBe('text/plain; charset=utf-8')
    expect(file.headers.etag).toBe(`"${articleCid}"`)
    expect(file.headers['cache-control']).toBe('public, max-age=29030400, immutable')
    expect(file.headers['x-content-type-options']).toBe('nosniff')
    expect(file.body.toString()).toContain('coalition of the willing')
    const json = await raw(gw, 'GET', `/ipfs/${cid}/metadata.json`)
    expect(json.headers['content-type']).toBe('application/json')
    const bare = await raw(gw, 'GET', `/ipfs/${articleCid}`)
    expect(bare.headers['content-type']).toBe('text/plain; charset=utf-8')
  })

  it('?filename=…&download=true asks the browser to save the file', async () => {
    const r = await raw(gw, 'GET', `/ipfs/${cid}/article.txt?filename=story.txt&download=true`)
    expect(r.headers['content-disposition']).toBe('attachment; filename="story.txt"; filename*=UTF-8\'\'story.txt')
    const inline = await raw(gw, 'GET', `/ipfs/${cid}/article.txt?filename=story.txt`)
    expect(inline.headers['content-disposition']).toMatch(/^inline; /)
  })

  it('HEAD sends the headers without a body; If-None-Match gives 304', async () => {
    const h = await raw(gw, 'HEAD', `/ipfs/${cid}/article.txt`)
    expect(h.status).toBe(200)
    expect(h.headers['content-length']).toBe('3501')
    expect(h.body.length).toBe(0)
    const again = await raw(gw, 'GET', `/ipfs/${cid}/article.txt`, { 'if-none-match': `"${articleCid}"` })
    expect(again.status).toBe(304)
  })

  it('serves trustless raw blocks (?format=raw and Accept) that hash to their CID', async () => {
    for (const [path, headers] of [[`/ipfs/${cid}?format=raw`, {}], [`/ipfs/${cid}`, { accept: 'application/vnd.ipld.raw' }]] as const) {
      const r = await raw(gw, 'GET', path, headers)
      expect(r.status).toBe(200)
      expect(r.headers['content-type']).toBe('application/vnd.ipld.raw')
      const { CID } = await import('multiformats/cid')
      expect(() => verifyBlock(CID.parse(cid), r.body)).not.toThrow()
    }
  })

  it('serves CARs (?format=car and Accept) holding the whole DAG, each block verifiable', async () => {
    for (const [path, headers] of [[`/ipfs/${cid}?format=car`, {}], [`/ipfs/${cid}`, { accept: 'application/vnd.ipld.car' }]] as const) {
      const r = await raw(gw, 'GET', path, headers)
      expect(r.status).toBe(200)
      expect(r.headers['content-type']).toBe('application/vnd.ipld.car; version=1; order=dfs; dups=n')
      const car = CarBufferReader.fromBytes(r.body)
      expect(car.getRoots().map(String)).toEqual([cid])
      const blocks = [...car.blocks()]
      expect(blocks).toHaveLength(3)
      for (const b of blocks) verifyBlock(b.cid, b.bytes)
    }
  })

  it('answers 400, 404, 405 and 414 where it should, and never climbs out of a CID', async () => {
    expect((await raw(gw, 'GET', '/ipfs/not-a-cid')).status).toBe(400)
    expect((await raw(gw, 'GET', '/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')).status).toBe(404)
    expect((await raw(gw, 'GET', `/ipfs/${cid}/nope.txt`)).status).toBe(404)
    expect((await raw(gw, 'GET', '/elsewhere')).status).toBe(404)
    const post = await raw(gw, 'POST', `/ipfs/${cid}`)
    expect(post.status).toBe(405)
    expect(post.headers.allow).toBe('GET, HEAD')
    for (const path of [`/ipfs/${cid}/../${articleCid}`, `/ipfs/${cid}/%2e%2e/x`, `/ipfs/${cid}/a%2Fb`, `/ipfs/${cid}/..%5c..%5cx`]) {
      const r = await raw(gw, 'GET', path)
      expect(r.status, path).toBe(400)
    }
    expect((await raw(gw, 'GET', `/ipfs/${cid}/${'a'.repeat(10_000)}`)).status).toBe(414)
  })

  it('the index page lists the articles with their Download IPFS links', async () => {
    const r = await raw(gw, 'GET', '/')
    expect(r.status).toBe(200)
    expect(r.body.toString()).toContain('US Joins Ukraine Peace Force Talks')
    expect(r.body.toString()).toMatch(new RegExp(`href="/ipfs/${cid}/article\\.txt\\?filename=[^"]+&amp;download=true">Download IPFS</a>`))
  })

  it('refuses every spelling of a dot segment (400) instead of serving another CID\'s content', async () => {
    for (const path of [`/ipfs/${cid}/%2e%2e/${articleCid}`, `/ipfs/${cid}/%2E%2E/${articleCid}`, `/ipfs/${cid}/.%2e/${articleCid}`, `/ipfs/${cid}/x\\..\\${articleCid}`, `/ipfs/${cid}/x%5c..%5c${articleCid}`, `/ipfs/${cid}/%2e/article.txt`]) {
      const r = await raw(gw, 'GET', path)
      expect(r.status, path).toBe(400)
      expect(r.headers['x-ipfs-path'], path).toBeUndefined()
    }
  })

  it('answers single byte ranges with 206 (and 416 past the end), as readers resuming a download ask', async () => {
    const full = await raw(gw, 'GET', `/ipfs/${cid}/article.txt`)
    expect(full.headers['accept-ranges']).toBe('bytes')
    const size = full.body.length
    const part = await raw(gw, 'GET', `/ipfs/${cid}/article.txt`, { Range: 'bytes=100-199' })
    expect(part.status).toBe(206)
    expect(part.headers['content-range']).toBe(`bytes 100-199/${size}`)
    expect(Buffer.compare(part.body, full.body.subarray(100, 200))).toBe(0)
    const open = await raw(gw, 'GET', `/ipfs/${cid}/article.txt`, { Range: 'bytes=3000-' })
    expect(Buffer.compare(open.body, full.body.subarray(3000))).toBe(0)
    const tail = await raw(gw, 'GET', `/ipfs/${cid}/article.txt`, { Range: 'bytes=-10' })
    expect(Buffer.compare(tail.body, full.body.subarray(size - 10))).toBe(0)
    const past = await raw(gw, 'GET', `/ipfs/${cid}/article.txt`, { Range: `bytes=${size}-` })
    expect(past.status).toBe(416)
    expect(past.headers['content-range']).toBe(`bytes */${size}`)
    const several = await raw(gw, 'GET', `/ipfs/${cid}/article.txt`, { Range: 'bytes=0-1,5-6' })
    expect(several.status).toBe(200)
  })
})

describe('gateway robustness', () => {
  it('100 clients that leave after the first chunk of a large file leave no handler behind', async () => {
    const { join } = await import('node:path')
    const { openRepo } = await import('../../src/index.js')
    const { startGateway } = await import('../../src/net/gateway.js')
    const { addPath } = await import('../../src/core/add.js')
    const { writeFile } = await import('node:fs/promises')
    const { detBytes } = await import('../helpers/fixtures.js')
    const { tempDir } = await import('../helpers/cli.js')
    const tmp = await tempDir()
    const repo = await openRepo(join(tmp.path, 'repo'))
    const logged: string[] = []
    const gw = await startGateway(repo, { listen: '127.0.0.1:0', log: line => logged.push(line) })
    try {
      await writeFile(join(tmp.path, 'big.bin'), detBytes(24 * 1024 * 1024, 'leave'))
      const { cid } = await addPath(join(tmp.path, 'big.bin'), repo)
      const u = new URL(gw.url)
      await Promise.all(Array.from({ length: 100 }, async () => new Promise<void>((resolve) => {
        const req = request({ host: u.hostname, port: u.port, path: `/ipfs/${cid}` }, res => {
          res.once('data', () => { req.destroy(); resolve() })
        })
        req.on('error', () => resolve())
        req.end()
      })))
      // every handler ends once its client is gone (none waits for 'drain' on a destroyed response)
      for (let i = 0; i < 100 && gw.inflight() > 0; i++) await new Promise(resolve => setTimeout(resolve, 20))
      expect(gw.inflight()).toBe(0)
      const closed = Promise.race([gw.close().then(() => 'closed'), new Promise(resolve => setTimeout(() => resolve('stuck'), 5000))])
      expect(await closed).toBe('closed')
      expect(logged).toEqual([])
    } finally {
      await repo.close()
      await tmp.cleanup()
    }
  }, 240_000)

  it('a symlink answers its target as inode/symlink; a corrupt block answers 502 and is logged once', async () => {
    const { join } = await import('node:path')
    const { openRepo } = await import('../../src/index.js')
    const { startGateway } = await import('../../src/net/gateway.js')
    const { addPath } = await import('../../src/core/add.js')
    const { mkdir, symlink, writeFile } = await import('node:fs/promises')
    const { tempDir } = await import('../helpers/cli.js')
    const { engineOf } = await import('../../src/core/store/engine-of.js')
    const { CID } = await import('multiformats/cid')
    const tmp = await tempDir()
    const repo = await openRepo(join(tmp.path, 'repo'))
    const logged: string[] = []
    const gw = await startGateway(repo, { listen: '127.0.0.1:0', log: line => logged.push(line) })
    try {
      const site = join(tmp.path, 'site')
      await mkdir(site)
      await writeFile(join(site, 'a.txt'), 'the bytes of a\n')
      await symlink('../../etc/passwd', join(site, 'link'))
      const { cid } = await addPath(site, repo)
      const link = await raw(gw, 'GET', `/ipfs/${cid}/link`)
      expect(link.status).toBe(200)
      expect(link.headers['content-type']).toBe('inode/symlink')
      expect(link.body.toString()).toBe('../../etc/passwd')
      // damage a.txt's block in the store
      const dir = await raw(gw, 'GET', `/ipfs/${cid}/a.txt?format=raw`)
      expect(dir.status).toBe(200)
      const { rawCid } = await import('../../src/core/unixfs/hash.js')
      const aCid = rawCid(Buffer.from('the bytes of a\n'))
      await engineOf(repo).putBlock(aCid.multihash.bytes, Buffer.from('THE BYTES OF A\n'))
      await repo.flush()
      const bad = await raw(gw, 'GET', `/ipfs/${cid}/a.txt`)
      expect(bad.status).toBe(502)
      expect(logged).toHaveLength(1)
      expect(logged[0]).toMatch(new RegExp(`^gateway: GET /ipfs/${cid}/a\\.txt: 502 ${cid}: block ${CID.parse(aCid.toString())} does not match its hash`))
    } finally {
      await gw.close()
      await repo.close()
      await tmp.cleanup()
    }
  })
})
