// edition lands on the same targets as publish (--pin-remote-url … --pin-remote-kind kubo-rpc here,
// into a real `serve --rpc-listen`), and moves the name only once every target holds the edition.
import { rm, mkdir, readFile, writeFile } from 'node:fs/promises'
import { createServer, request } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import { verify } from '../../src/index.js'
import { cli, tempDir } from '../helpers/cli.js'
import { serve } from '../helpers/serve.js'
import type { Served } from '../helpers/serve.js'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { editionContent } from '../helpers/edition.js'

const TOKEN = 'tok-edition-rpc-2b7c91-never-printed'
const article = (title: string, day: number): string => `## ${title}\n\nJuly ${day}, 2025\n\n— Categories: World\n\nText of ${title}.\n`

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

describe('edition --pin-remote-url: the newsroom\'s node holds the edition before the name moves', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let node: Served
  let name: string
  let siteKey: string
  let site: string
  beforeAll(async () => {
    tmp = await tempDir()
    const newsroom = join(tmp.path, 'newsroom')
    const gen = await cli(['--repo', newsroom, 'key', 'gen', 'site', '--json'])
    expect(gen.code, gen.stderr).toBe(0)
    name = JSON.parse(gen.stdout).id
    const keyFile = join(tmp.path, 'site.b64')
    expect((await cli(['--repo', newsroom, 'key', 'export', 'site', '-o', keyFile, '--format', 'base64'])).code).toBe(0)
    siteKey = (await readFile(keyFile, 'utf8')).trim()
    node = await serve(newsroom, ['--rpc-listen', '127.0.0.1:0'], 300_000, process.execPath, { ...process.env, IPFS_PUBLISH_RPC_TOKEN: TOKEN })
    site = join(tmp.path, 'site')
    await mkdir(join(site, 'articles'), { recursive: true })
    await writeFile(join(site, 'articles', 'a.txt'), article('Alpha', 1))
    await writeFile(join(site, 'articles', 'b.txt'), article('Bravo', 2))
  }, 120_000)
  afterAll(async () => { await node?.stop('SIGKILL'); await tmp?.cleanup() })

  /** A fresh runner: the site key imported from the environment, the articles published with a manifest. */
  const runner = async (dir: string, pinFirst: boolean): Promise<string> => {
    const repo = join(tmp.path, dir)
    expect((await cli(['--repo', repo, 'key', 'import', 'site', '--from-env', 'SITE_KEY'], { env: { SITE_KEY: siteKey } })).code).toBe(0)
    // a.txt pinned on the node by publish; b.txt published on the runner only
    if (pinFirst) {
      const pinned = await cli(['--repo', repo, 'publish', 'articles/a.txt', '--pin-remote-url', node.rpc!, '--pin-remote-kind', 'kubo-rpc', '--net', 'local'], { cwd: site, env: { IPFS_PINNING_TOKEN: TOKEN }, timeout: 60_000 })
      expect(pinned.code, pinned.stderr).toBe(0)
    }
    const r = await cli(['--repo', repo, 'publish', 'articles/', '--manifest', join(tmp.path, `${dir}.json`)], { cwd: site })
    expect(r.code, r.stderr).toBe(0)
    return repo
  }
  const edition = async (repo: string, target: string, manifest: string): Promise<Awaited<ReturnType<typeof cli>>> => await cli(['--repo', repo, '--json', 'edition', '--manifest', manifest,
    '--ipns-key', 'site', '--resolve-from', node.gateway, '--put-to', node.gateway, '--pin-remote-url', target, '--pin-remote-kind', 'kubo-rpc', '--pin-timeout', '60s', '--net', 'local'], { env: { IPFS_PINNING_TOKEN: TOKEN }, timeout: 120_000 })

  const hostile = async (mode: 'refuse' | 'mid-upload' | 'lies'): Promise<{ url: string, server: Server }> => {
    const server = createServer((req, res) => {
      const notPinned = (): void => { res.writeHead(500); res.end(JSON.stringify({ Message: 'not pinned', Code: 0, Type: 'error' })) }
      if (mode === 'refuse') { res.writeHead(403); res.end(JSON.stringify({ Message: 'uploads refused here', Code: 0, Type: 'error' })); return }
      if (mode === 'mid-upload') {
        if (req.url?.startsWith('/api/v0/version') === true) { res.end(JSON.stringify({ Version: '0.0.0' })); return }
        if (req.url?.startsWith('/api/v0/pin/ls') === true) { notPinned(); return }
        req.once('data', () => { req.socket.destroy() })
        return
      }
      // lies: takes the upload without reading it, says the pin is made and that it pins everything
      if (req.url?.startsWith('/api/v0/pin/ls') === true) {
        const arg = new URL(req.url, 'http://x').searchParams.get('arg') ?? ''
        res.end(JSON.stringify({ Keys: { [arg]: { Type: 'recursive' } } }))
        return
      }
      if (req.url?.startsWith('/api/v0/pin/add') === true) { res.end(JSON.stringify({ Pins: [] })); return }
      res.end('')
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
  }

  for (const [mode, message] of [['refuse', /refused the access token \(403\)/], ['mid-upload', /cannot be reached|other side closed|socket|terminated/], ['lies', /did not confirm the upload/]] as const) {
    it(`a target that ${mode === 'refuse' ? 'refuses' : mode === 'mid-upload' ? 'drops the connection mid-upload' : 'says pinned without holding the blocks'}: exit 1, the name not moved (no record signed, nothing put)`, async () => {
      const repo = await runner(`runner-${mode}`, false)
      const { url, server } = await hostile(mode)
      try {
        const r = await edition(repo, url, join(tmp.path, `runner-${mode}.json`))
        expect(r.code, r.stderr).toBe(1)
        expect(r.stderr).toMatch(new RegExp(`^error: bafy[a-z0-9]+ could not be pinned on ${url.replaceAll('.', '\\.')}: .*; /ipns/${name} was not moved\\n$`))
        expect(r.stdout + r.stderr).toMatch(message)
        expect(r.stderr).not.toMatch(/handed the record/)
        // the edition is printed, without a name or sequence
        const printed = r.stdout.trim().split('\n').map(l => JSON.parse(l))
        expect(printed.at(-1)).toMatchObject({ articles: 2 })
        expect(printed.at(-1).sequence).toBeUndefined()
        // no record on the runner, none on the node
        expect((await cli(['--repo', repo, 'name', 'resolve', name])).code).not.toBe(0)
        expect((await fetch(`${node.gateway}/ipns/${name}?format=ipns-record`)).status).not.toBe(200)
      } finally {
        server.closeAllConnections()
        await new Promise(resolve => server.close(resolve))
      }
    }, 180_000)
  }

  it('a wrong token is said as such (exit 1, one line), not as the broken upload it causes; the name does not move', async () => {
    const repo = await runner('runner-token', false)
    const r = await cli(['--repo', repo, '--json', 'edition', '--manifest', join(tmp.path, 'runner-token.json'), '--ipns-key', 'site', '--resolve-from', node.gateway, '--put-to', node.gateway,
      '--pin-remote-url', node.rpc!, '--pin-remote-kind', 'kubo-rpc', '--net', 'local'], { env: { IPFS_PINNING_TOKEN: 'not-the-token' }, timeout: 120_000 })
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toMatch(/refused the access token \(403\); \/ipns\/\S+ was not moved\n$/)
    expect(r.stderr).not.toMatch(/EPIPE|cannot be reached/)
    expect((await cli(['--repo', repo, 'name', 'resolve', name])).code).not.toBe(0)
  }, 180_000)

  it('--put-to without a pin target: the node must hold the edition already, else exit 1 and the name is not moved; a node that does not take the record: no sequence printed', async () => {
    const before = await fetch(`${node.gateway}/ipns/${name}?format=ipns-record`)
    const held = before.status === 200 ? Buffer.from(await before.arrayBuffer()) : undefined
    const repo = await runner('runner-nopin', false)
    const r = await cli(['--repo', repo, '--json', 'edition', '--manifest', join(tmp.path, 'runner-nopin.json'), '--ipns-key', 'site', '--resolve-from', node.gateway, '--put-to', node.gateway, '--net', 'local'], { timeout: 120_000 })
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toMatch(new RegExp(`^error: ${node.gateway.replaceAll('.', '\\.')} does not hold edition bafy[a-z0-9]+: pin it there first .*; /ipns/${name} was not moved\n$`))
    expect(r.stdout.trim().split('\n').map(l => JSON.parse(l)).at(-1).sequence).toBeUndefined()
    // the node's record is the one it held before
    const after = await fetch(`${node.gateway}/ipns/${name}?format=ipns-record`)
    expect(after.status).toBe(before.status)
    if (held != null) expect(Buffer.from(await after.arrayBuffer()).equals(held)).toBe(true)
    // a node that is not there: the put fails, and stdout names no sequence
    const closed = createServer()
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
    const dead = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`
    await new Promise(resolve => closed.close(resolve))
    const own = join(tmp.path, 'own-node')
    expect((await cli(['--repo', own, 'key', 'import', 'site', '--from-env', 'SITE_KEY'], { env: { SITE_KEY: siteKey } })).code).toBe(0)
    expect((await cli(['--repo', own, 'publish', 'articles/'], { cwd: site })).code).toBe(0)
    const put = await cli(['--repo', own, 'edition', '--ipns-key', 'site', '--put-to', dead, '--pin-remote-url', node.rpc!, '--pin-remote-kind', 'kubo-rpc', '--net', 'local'], { env: { IPFS_PINNING_TOKEN: TOKEN }, timeout: 120_000 })
    expect(put.code, put.stderr).toBe(3)
    expect(put.stderr).toMatch(/did not take the record of \S+: ECONNREFUSED; \/ipns\/\S+ was not moved there\n$/)
    expect(put.stdout).not.toMatch(/sequence/)
  }, 240_000)

  /** A loopback proxy in front of the node's RPC API that keeps what the node says of each dag/import (its Stats line). */
  const recording = async (upstream: string): Promise<{ url: string, imported: number[], server: Server }> => {
    const imported: number[] = []
    const server = createServer((req, res) => {
      const u = new URL(upstream)
      const out = request({ host: u.hostname, port: u.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        let text = ''
        up.on('data', (d: Buffer) => { text += d.toString() })
        up.on('end', () => {
          if (req.url?.startsWith('/api/v0/dag/import') === true) for (const l of text.split('\n')) if (l.includes('"Stats"')) imported.push(JSON.parse(l).Stats.BlockCount)
          res.writeHead(up.statusCode ?? 502, up.headers)
          res.end(text)
        })
      })
      req.pipe(out)
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, imported, server }
  }

  it('pinned via kubo-rpc into the node: after the runner is deleted the node serves the edition and its pages, and /ipns/<name>/ serves it', async () => {
    const repo = await runner('runner-good', true)
    const proxy = await recording(node.rpc!)
    let r: Awaited<ReturnType<typeof cli>>
    try {
      r = await edition(repo, proxy.url, join(tmp.path, 'runner-good.json'))
    } finally {
      proxy.server.closeAllConnections()
      proxy.server.close()
    }
    expect(r.code, r.stderr).toBe(0)
    // the node pins no previous edition: the whole DAG of the edition travelled, and the node confirmed every block
    const blocks = async (cid: string): Promise<number> => JSON.parse((await cli(['--repo', repo, '--json', 'export', cid, '-o', join(tmp.path, `${cid}.car`)])).stdout).blocks
    const edCid = JSON.parse(r.stdout.trim().split('\n').at(-1)!).cid
    expect(proxy.imported).toEqual([await blocks(edCid)])
    const lines = r.stdout.trim().split('\n').map(l => JSON.parse(l))
    const made = lines.at(-1)
    expect(made).toMatchObject({ name, articles: 2 })
    expect(lines.find(l => l.target != null)).toMatchObject({ cid: made.cid, status: 'pinned', target: proxy.url, before: null })
    expect((await fetch(`${node.gateway}/ipns/${name}?format=ipns-record`)).status).toBe(200)
    await rm(repo, { recursive: true, force: true })

    const index = await fetch(`${node.gateway}/ipfs/${made.cid}/`)
    expect(index.status).toBe(200)
    const html = await index.text()
    const json = await editionContent(async p => await (await fetch(`${node.gateway}/ipfs/${made.cid}/${p}`)).text())
    expect(json.articles).toHaveLength(2)
    for (const a of json.articles) {
      const page = await fetch(`${node.gateway}/ipfs/${made.cid}/${a.page}`)
      expect(page.status, a.page).toBe(200)
      expect(await page.text()).toContain(a.title)
      // the bundle: the one publish pinned there, and the one only the edition's upload carried
      expect((await fetch(`${node.gateway}/ipfs/${made.cid}/${a.path}/`)).status, a.path).toBe(200)
    }
    // the whole DAG, every block read from the node alone and checked against its CID
    await verify(CID.parse(made.cid), gatewayBlocks(node.gateway))
    const named = await fetch(`${node.gateway}/ipns/${name}/`)
    expect(named.status).toBe(200)
    expect(await named.text()).toBe(html)
    // the node pins the edition itself
    const ls = await fetch(`${node.rpc}/api/v0/pin/ls?arg=${made.cid}&type=recursive`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })
    expect(Object.keys((await ls.json()).Keys)).toContain(made.cid)
  }, 240_000)
})
