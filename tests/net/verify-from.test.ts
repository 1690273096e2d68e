// verify --from: the article fetched back from elsewhere, each source on its own, every block
// checked; honest sources pass, lying ones are named (exit 4), silent ones are exit 3.
import { createServer } from 'node:http'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'
import { serve } from '../helpers/serve.js'
import type { Served } from '../helpers/serve.js'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

type Mode = 'flip' | 'other-block' | 'oversized' | 'html' | 'late'

/** A gateway in front of the honest one that lies in one way (or, `late`, drops its first two requests: content not there yet). */
async function lyingGateway (honest: string, mode: Mode, other?: string): Promise<{ url: string, close(): Promise<void> }> {
  let requests = 0
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (mode === 'late' && ++requests <= 2) { req.socket.destroy(); return }
      const path = mode === 'other-block' && other != null ? (req.url ?? '').replace(/\/ipfs\/[^/?]+/, `/ipfs/${other}`) : (req.url ?? '')
      const up = await fetch(honest + path, { headers: { accept: 'application/vnd.ipld.raw' } })
      let body = Buffer.from(await up.arrayBuffer())
      if (mode === 'flip' && body.length > 0) { body = Buffer.from(body); body[body.length >> 1] ^= 1 }
      if (mode === 'oversized') body = Buffer.alloc(3 * 1024 * 1024, 7)
      res.writeHead(up.status, { 'content-type': mode === 'html' ? 'text/html' : (up.headers.get('content-type') ?? '') })
      res.end(body)
    })().catch(() => res.destroy())
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: async () => { server.closeAllConnections(); await new Promise(resolve => server.close(resolve)) } }
}

describe('verify --from', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let repo: string
  let node: Served
  let cid: string
  let otherCid: string
  beforeAll(async () => {
    tmp = await tempDir()
    repo = join(tmp.path, 'A')
    cid = (await cli(['--repo', repo, 'publish', SAMPLE, '-q'])).stdout.trim()
    await writeFile(join(tmp.path, 'other.txt'), 'another block')
    otherCid = (await cli(['--repo', repo, 'add', join(tmp.path, 'other.txt'), '-q'])).stdout.trim()
    node = await serve(repo, [], 180_000)
  }, 240_000)
  afterAll(async () => { await node?.stop('SIGKILL'); await tmp.cleanup() })

  it('two honest sources, a gateway and a peer: one ok line each, exit 0; the local repo is not read', async () => {
    const r = await cli(['--repo', join(tmp.path, 'empty'), 'verify', cid, '--from', node.gateway, '--from', node.multiaddrs[0], '--json'], { timeout: 60_000 })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const lines = r.stdout.trim().split('\n').map(l => JSON.parse(l))
    expect(lines.map(l => [l.source, l.status])).toEqual([[node.gateway, 'ok'], [node.multiaddrs[0], 'ok']])
    for (const l of lines) expect(l.blocks).toBe(3)
    expect(existsSync(join(tmp.path, 'empty'))).toBe(false)
  })

  for (const mode of ['flip', 'other-block', 'oversized', 'html'] as const) {
    it(`a gateway that lies (${mode}) is a mismatch named in the report: exit 4, the honest source still ok`, async () => {
      const liar = await lyingGateway(node.gateway, mode, mode === 'other-block' ? otherCid : undefined)
      try {
        const r = await cli(['verify', cid, '--from', node.gateway, '--from', liar.url, '--timeout', '20s'], { timeout: 60_000 })
        expect(r.code).toBe(4)
        expect(r.stdout).toMatch(new RegExp(`^${cid} ok ${node.gateway.replaceAll('.', '\\.')} `, 'm'))
        expect(r.stdout).toMatch(new RegExp(`^${cid} mismatch ${liar.url.replaceAll('.', '\\.')} `, 'm'))
        if (mode === 'oversized') expect(r.stdout).toMatch(/larger than the 2 MiB block limit/)
        expect(r.stderr).toMatch(new RegExp(`^error: ${liar.url.replaceAll('.', '\\.')} sent ${cid} with bytes that do not verify`))
      } finally {
        await liar.close()
      }
    })
  }

  it('a source that does not answer: unreachable, exit 3, within the timeout', async () => {
    const closed = createServer()
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`
    await new Promise(resolve => closed.close(resolve))
    const r = await cli(['verify', cid, '--from', url, '--timeout', '5s'], { timeout: 30_000 })
    expect(r.code).toBe(3)
    expect(r.stdout).toMatch(new RegExp(`^${cid} unreachable ${url.replaceAll('.', '\\.')} .*ECONNREFUSED`))
  })

  it('--retry-for keeps trying a source until it answers (propagation delay)', async () => {
    const late = await lyingGateway(node.gateway, 'late')
    try {
      const r = await cli(['verify', cid, '--from', late.url, '--retry-for', '20s', '--timeout', '5s', '--json'], { timeout: 60_000 })
      expect(r.code).toBe(0)
      const report = JSON.parse(r.stdout)
      expect(report.status).toBe('ok')
      expect(report.attempts).toBeGreaterThan(1)
    } finally {
      await late.close()
    }
  })

  it('publish --verify-from checks each published article at the source after publishing', async () => {
    const article = join(tmp.path, 'fresh.txt')
    await writeFile(article, '## Fresh Story\n\nJuly 4, 2025\n\n— Categories: Test\n\nNew text.\n\n[Download IPFS](#)')
    // the node serves the repo the article goes into: it sees the new article once it is committed
    const r = await cli(['--repo', repo, 'publish', article, '--verify-from', node.gateway, '--verify-retry-for', '10s'], { timeout: 60_000 })
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(new RegExp(`^bafy[a-z0-9]+: ok at ${node.gateway.replaceAll('.', '\\.')} \\(`, 'm'))
  })
})
