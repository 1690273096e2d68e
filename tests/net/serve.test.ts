import { createServer, get as httpGet } from 'node:http'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CarBufferReader } from '@ipld/car/buffer-reader'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, ROOT, SAMPLE, tempDir } from '../helpers/cli.js'
import { detBytes } from '../helpers/fixtures.js'
import { serve } from '../helpers/serve.js'
import type { Served } from '../helpers/serve.js'
import type { AddressInfo } from 'node:net'
import { track } from '../helpers/processes.js'

describe('two nodes on loopback: A publishes and serves, B fetches', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let a: Served
  let cid: string
  let bigCid: string
  let big: Buffer
  beforeAll(async () => {
    tmp = await tempDir()
    const repoA = join(tmp.path, 'A')
    cid = (await cli(['--repo', repoA, 'publish', SAMPLE, '-q'])).stdout.trim()
    big = detBytes(5 * 1024 * 1024 + 3, 'network')
    await writeFile(join(tmp.path, 'big.bin'), big)
    bigCid = (await cli(['--repo', repoA, 'add', join(tmp.path, 'big.bin'), '-q'])).stdout.trim()
    a = await serve(repoA)
  })
  afterAll(async () => { await a?.stop('SIGKILL'); await tmp.cleanup() })

  it('serve prints its peer ID, multiaddrs ending in /p2p/<id>, and the gateway URL', () => {
    expect(a.peerId).toMatch(/^12D3Koo/)
    expect(a.multiaddrs.length).toBeGreaterThan(0)
    for (const m of a.multiaddrs) expect(m).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+(/ws)?/p2p/${a.peerId}$`))
    expect(a.gateway).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('get --peer fetches over bitswap: byte-identical files, verified', async () => {
    const out = join(tmp.path, 'via-peer')
    const res = await cli(['--repo', join(tmp.path, 'B1'), 'get', cid, '--peer', a.multiaddrs[0], '--net', 'local', '-o', out, '--timeout', '20s'])
    expect(res.stderr).toMatch(/article checked against metadata\.json/)
    expect(res.code).toBe(0)
    expect(await readFile(join(out, 'article.txt'))).toEqual(await readFile(SAMPLE))
  })

  it('get --peer without --net dials that peer and nothing else: no listening, no bootstrap, no DNS', async () => {
    const out = join(tmp.path, 'peer-only')
    const log = join(tmp.path, 'network.log')
    const guard = join(ROOT, 'tests', 'fixtures', 'loopback-only.mjs')
    const res = await cli(['--repo', join(tmp.path, 'B0'), 'get', cid, '--peer', a.multiaddrs[0], '-o', out, '--timeout', '20s'], { env: { NODE_OPTIONS: `--import ${guard}`, NETWORK_LOG: log } })
    expect(existsSync(log) ? await readFile(log, 'utf8') : '').toBe('')
    expect(res.code).toBe(0)
    expect(await readFile(join(out, 'article.txt'))).toEqual(await readFile(SAMPLE))
    // asking for the network as well is refused rather than silently dropped
    const refused = await cli(['--repo', join(tmp.path, 'B0'), 'get', cid, '--peer', a.multiaddrs[0], '--dht', '-o', join(tmp.path, 'x')])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/^error: --dht: .*--online/)
  })

  it('get --peer of a 5 MiB file', async () => {
    const out = join(tmp.path, 'big-via-peer.bin')
    const res = await cli(['--repo', join(tmp.path, 'B2'), 'get', bigCid, '--peer', a.multiaddrs[0], '--net', 'local', '-o', out, '--timeout', '30s'], { timeout: 40_000 })
    expect(res.code).toBe(0)
    expect(Buffer.compare(await readFile(out), big)).toBe(0)
  })

  it('get --gateway-url fetches trustlessly from A\'s gateway: identical again', async () => {
    const out = join(tmp.path, 'via-gateway')
    const res = await cli(['--repo', join(tmp.path, 'B3'), 'get', cid, '--gateway-url', a.gateway, '-o', out, '--timeout', '20s'])
    expect(res.code).toBe(0)
    expect(await readFile(join(out, 'article.txt'))).toEqual(await readFile(SAMPLE))
  })

  it('a lying gateway (one block altered) makes get exit 4 and write nothing', async () => {
    const liar = createServer((req, res) => {
      void (async () => {
        const upstream = await fetch(a.gateway + (req.url ?? '/'), { headers: { accept: req.headers.accept ?? '*/*' } })
        const body = Buffer.from(await upstream.arrayBuffer())
        if (body.includes('coalition of the willing')) body[body.indexOf('coalition')] ^= 0x20
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' })
        res.end(body)
      })().catch(() => { res.writeHead(500); res.end() })
    })
    await new Promise<void>(resolve => liar.listen(0, '127.0.0.1', resolve))
    try {
      const port = (liar.address() as AddressInfo).port
      const out = join(tmp.path, 'via-liar')
      const res = await cli(['--repo', join(tmp.path, 'B4'), 'get', cid, '--gateway-url', `http://127.0.0.1:${port}`, '-o', out, '--timeout', '20s'])
      expect(res.code).toBe(4)
      expect(res.stderr).toMatch(new RegExp(`^error: ${cid}: `))
      expect(existsSync(out)).toBe(false)
    } finally {
      liar.closeAllConnections()
      await new Promise(resolve => liar.close(resolve))
    }
  })

  it('--timeout ends a hopeless fetch with exit 3 naming the CID', async () => {
    const missing = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
    const started = Date.now()
    const res = await cli(['--repo', join(tmp.path, 'B5'), 'get', missing, '--peer', a.multiaddrs[0], '--net', 'local', '--timeout', '2s', '-o', join(tmp.path, 'never')])
    expect(res.code).toBe(3)
    expect(res.stderr).toMatch(new RegExp(`^error: .*${missing}`))
    expect(Date.now() - started).toBeLessThan(15_000)
  })

  it('bad network arguments are usage errors', async () => {
    expect((await cli(['--repo', join(tmp.path, 'B6'), 'get', cid, '--peer', 'not-a-multiaddr', '--net', 'local'])).code).toBe(2)
    expect((await cli(['--repo', join(tmp.path, 'B6'), 'get', cid, '--gateway-url', 'ftp://x'])).code).toBe(2)
    expect((await cli(['--repo', join(tmp.path, 'B6'), 'serve', '--net', 'local', '--listen', '/ip4/10.0.0.1/tcp/0'])).code).toBe(2)
    // a port out of range is refused before anything starts, naming the option (it used to start the node, then fail with Node's message)
    const port = await cli(['--repo', join(tmp.path, 'B7'), 'serve', '--net', 'local', '--gateway-listen', '127.0.0.1:99999'])
    expect(port.stderr).toBe('error: --gateway-listen "127.0.0.1:99999" is not host:port (a port from 0 to 65535)\n')
    expect(port.code).toBe(2)
    expect(existsSync(join(tmp.path, 'B7'))).toBe(false)
  })
})

describe('serve shuts down cleanly', () => {
  it('on SIGTERM: a response already under way is finished whole, then it exits 0-or-130, and the store verifies', async () => {
    const tmp = await tempDir()
    try {
      const repo = join(tmp.path, 'A')
      const big = detBytes(6 * 1024 * 1024 + 11, 'in-flight')
      await writeFile(join(tmp.path, 'big.bin'), big)
      const cid = (await cli(['--repo', repo, 'add', join(tmp.path, 'big.bin'), '-q'])).stdout.trim()
      const s = await serve(repo)
      // the response has started (headers in hand) and its body is not read yet when SIGTERM comes
      const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
        const req = httpGet(`${s.gateway}/ipfs/${cid}`, resolve)
        req.on('error', reject)
      })
      res.pause()
      expect(res.statusCode).toBe(200)
      const stopped = s.stop('SIGTERM')
      await new Promise(resolve => setTimeout(resolve, 300))
      const parts: Buffer[] = []
      res.on('data', (d: Buffer) => parts.push(d))
      await new Promise<void>((resolve, reject) => { res.on('end', () => resolve()); res.on('error', reject); res.resume() })
      expect(Buffer.compare(Buffer.concat(parts), big)).toBe(0)
      expect([0, 130]).toContain(await stopped)
      expect(s.stderr()).not.toMatch(/Error|at /)
      expect((await cli(['--repo', repo, 'verify', '--all'])).code).toBe(0)
    } finally {
      await tmp.cleanup()
    }
  })
})

describe('SIGTERM during a transfer', () => {
  it('ends the fetching process cleanly with nothing written, and both stores verify', async () => {
    const tmp = await tempDir()
    const { spawn } = await import('node:child_process')
    const { BIN } = await import('../helpers/cli.js')
    try {
      const repoA = join(tmp.path, 'A')
      await writeFile(join(tmp.path, 'big.bin'), detBytes(48 * 1024 * 1024, 'sigterm'))
      const cid = (await cli(['--repo', repoA, 'add', join(tmp.path, 'big.bin'), '-q'])).stdout.trim()
      const a = await serve(repoA)
      const repoB = join(tmp.path, 'B')
      const out = join(tmp.path, 'out.bin')
      const getter = track(spawn(process.execPath, [BIN, '--repo', repoB, 'get', cid, '--peer', a.multiaddrs[0], '--net', 'local', '-o', out], { stdio: ['ignore', 'pipe', 'pipe'] }))
      let err = ''
      getter.stderr.on('data', (d: Buffer) => { err += d.toString() })
      const killer = setTimeout(() => getter.kill('SIGKILL'), 30_000)
      // wait until blocks are arriving (large ones wait in tmp/ until their commit), then stop the fetch
      for (let i = 0; i < 100 && !existsSync(join(repoB, 'tmp')); i++) await new Promise(resolve => setTimeout(resolve, 50))
      getter.kill('SIGTERM')
      const code = await new Promise<number | null>(resolve => getter.on('close', resolve))
      clearTimeout(killer)
      expect(code).toBe(130)
      expect(err.trim()).toBe('error: interrupted')
      expect(existsSync(out)).toBe(false)
      expect(await a.stop('SIGTERM')).toBe(0)
      expect((await cli(['--repo', repoA, 'verify', '--all'])).code).toBe(0)
      const verifyB = await cli(['--repo', repoB, 'verify', '--all'])
      expect(verifyB.stderr).toBe('')
      expect(verifyB.code).toBe(0)
    } finally {
      await tmp.cleanup()
    }
  }, 240_000)
})
