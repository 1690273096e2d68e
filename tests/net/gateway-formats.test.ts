// The gateway of `serve`: media types, paths inside files, and the formats it answers (path and trustless gateway specifications).
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CarBufferReader } from '@ipld/car/buffer-reader'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'
import { detBytes } from '../helpers/fixtures.js'
import { serve } from '../helpers/serve.js'
import type { Served } from '../helpers/serve.js'

/** What each file of the folder is served as. */
const TYPES: Record<string, string> = {
  'feed.xml': 'application/xml',
  'data.json': 'application/json',
  'style.css': 'text/css; charset=utf-8',
  'pic.svg': 'image/svg+xml',
  'app.js': 'text/javascript; charset=utf-8',
  'image.png': 'image/png',
  'photo.webp': 'image/webp',
  'font.woff2': 'font/woff2',
  'page.html': 'text/html; charset=utf-8',
  'notes.md': 'text/markdown; charset=utf-8',
  'blocks.car': 'application/vnd.ipld.car',
  // no extension: the bytes decide
  README: 'text/plain; charset=utf-8',
  blob: 'application/octet-stream'
}

describe('the gateway of serve: media types, paths and formats', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let node: Served
  let folder: string
  let big: string
  let edition: string
  let name: string
  const get = async (path: string, headers: Record<string, string> = {}): Promise<Response> => await fetch(`${node.gateway}${path}`, { headers, signal: AbortSignal.timeout(30_000) })

  beforeAll(async () => {
    tmp = await tempDir()
    const repo = join(tmp.path, 'repo')
    const dir = join(tmp.path, 'folder')
    await mkdir(dir)
    for (const file of Object.keys(TYPES)) {
      const binary = ['image.png', 'photo.webp', 'font.woff2', 'blocks.car', 'blob'].includes(file)
      await writeFile(join(dir, file), binary ? Buffer.concat([Buffer.from([0x89, 0, 0xff, 0]), detBytes(64, file)]) : `the text of ${file}\n`)
    }
    folder = (await cli(['--repo', repo, 'add', dir, '-q'])).stdout.trim()
    // a file of several blocks
    await writeFile(join(tmp.path, 'big.bin'), detBytes(3 * 1024 * 1024 + 7, 'big'))
    big = (await cli(['--repo', repo, 'add', join(tmp.path, 'big.bin'), '-q'])).stdout.trim()
    expect(big).toMatch(/^bafy/) // dag-pb: a root with links, not one raw block
    expect((await cli(['--repo', repo, 'publish', SAMPLE, '-q'])).code).toBe(0)
    name = JSON.parse((await cli(['--repo', repo, 'key', 'gen', 'site', '--json'])).stdout).id
    const ed = await cli(['--repo', repo, 'edition', '--ipns-key', 'site', '--json'])
    expect(ed.code).toBe(0)
    edition = JSON.parse(ed.stdout).cid
    node = await serve(repo, [], 240_000)
  }, 240_000)
  afterAll(async () => { await node?.stop('SIGKILL'); await tmp?.cleanup() })

  it('serves each file with the media type of its name, from the MIME table; the sandbox and nosniff stay', async () => {
    for (const [file, type] of Object.entries(TYPES)) {
      const res = await get(`/ipfs/${folder}/${file}`)
      expect(res.status, file).toBe(200)
      expect(res.headers.get('content-type'), file).toBe(type)
      expect(res.headers.get('x-content-type-options'), file).toBe('nosniff')
      expect(res.headers.get('content-security-policy'), file).toMatch(/^sandbox\b/)
      expect(res.headers.get('content-security-policy'), file).not.toMatch(/allow-same-origin|allow-scripts/)
      await res.arrayBuffer()
    }
    // an edition's Atom feed, by CID and by its IPNS name
    for (const path of [`/ipfs/${edition}/feed.xml`, `/ipns/${name}/feed.xml`]) {
      const feed = await get(path)
      expect(feed.status, path).toBe(200)
      expect(feed.headers.get('content-type'), path).toBe('application/xml')
      expect(await feed.text(), path).toContain('<feed xmlns="http://www.w3.org/2005/Atom">')
    }
  })

  it('a path inside a file is 404 "no such path", whether the file is one block or many', async () => {
    for (const [path, file] of [[`${big}/x`, big], [`${big}/x/y`, big], [`${folder}/feed.xml/x`, `${folder}/feed.xml`], [`${edition}/feed.xml/x`, `${edition}/feed.xml`]]) {
      const res = await get(`/ipfs/${path}`)
      expect(res.status, path).toBe(404)
      expect(await res.text(), path).toBe(`${path}: no such path, ${file} is a file\n`)
    }
    const missing = await get(`/ipfs/${folder}/nope.txt`)
    expect(missing.status).toBe(404)
    expect(await missing.text()).toBe(`${folder}/nope.txt: no such path, ${folder} has no entry "nope.txt"\n`)
    // the file itself is still served whole
    const whole = await get(`/ipfs/${big}`)
    expect(whole.status).toBe(200)
    expect(Buffer.compare(Buffer.from(await whole.arrayBuffer()), detBytes(3 * 1024 * 1024 + 7, 'big'))).toBe(0)
    expect(node.stderr()).not.toMatch(/gateway: .* 5\d\d /)
  })

  it('a CID whose block is not UnixFS (an empty dag-pb node) is 400; its raw block is served', async () => {
    const res = await get('/ipfs/bafyaaaa')
    expect(res.status).toBe(400)
    expect(await res.text()).toMatch(/not UnixFS data/)
    const block = await get('/ipfs/bafyaaaa?format=raw')
    expect(block.status).toBe(200)
    expect(block.headers.get('content-type')).toBe('application/vnd.ipld.raw')
    expect((await block.arrayBuffer()).byteLength).toBe(0)
    expect((await get('/ipfs/bafy')).status).toBe(400)
    expect(node.stderr()).not.toMatch(/gateway: .* 5\d\d /)
  })

  it('a ?format= it does not serve is 400, and so is an IPNS record asked of /ipfs/ or of a path', async () => {
    for (const path of [`/ipfs/${folder}?format=foo`, `/ipfs/${folder}?format=tar`, `/ipfs/${folder}/feed.xml?format=dag-json`, `/ipfs/${folder}?format=ipns-record`, `/ipns/${name}/feed.xml?format=ipns-record`, `/ipfs/${folder}?format=car&car-version=2`, `/ipfs/${folder}?format=car&car-dups=y`]) {
      const res = await get(path)
      expect(res.status, path).toBe(400)
      expect(res.headers.get('content-type'), path).toBe('text/plain; charset=utf-8')
      await res.arrayBuffer()
    }
    const ipfsRecord = await get(`/ipfs/${folder}`, { accept: 'application/vnd.ipfs.ipns-record' })
    expect(ipfsRecord.status).toBe(400)
    // the name's own record is still served
    const record = await get(`/ipns/${name}?format=ipns-record`)
    expect(record.status).toBe(200)
    expect(record.headers.get('content-type')).toBe('application/vnd.ipfs.ipns-record')
  })

  it('an Accept of only a CAR it does not write is 406; one it writes (version 1, dfs, no duplicates) is that CAR; a browser gets the page', async () => {
    for (const accept of ['application/vnd.ipld.car; version=2', 'application/vnd.ipld.car; dups=y', 'application/vnd.ipld.car; order=foo', 'application/vnd.ipld.dag-json']) {
      const res = await get(`/ipfs/${folder}`, { accept })
      expect(res.status, accept).toBe(406)
      await res.arrayBuffer()
    }
    for (const accept of ['application/vnd.ipld.car', 'application/vnd.ipld.car; version=1; order=dfs; dups=n', 'application/vnd.ipld.car; version=2, application/vnd.ipld.car; version=1; q=0.5']) {
      const res = await get(`/ipfs/${folder}`, { accept })
      expect(res.status, accept).toBe(200)
      expect(res.headers.get('content-type'), accept).toBe('application/vnd.ipld.car; version=1; order=dfs; dups=n')
      const car = CarBufferReader.fromBytes(new Uint8Array(await res.arrayBuffer()))
      expect(car.version, accept).toBe(1)
      expect(car.getRoots().map(String), accept).toEqual([folder])
    }
    const page = await get(`/ipfs/${folder}`, { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' })
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await page.text()).toContain(`/ipfs/${folder}/feed.xml`)
  })
})
