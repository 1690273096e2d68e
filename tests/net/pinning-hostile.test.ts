// A pinning service that echoes the token back, answers 5xx after creating a request, and asks to wait.
import { createServer } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { maskSecret } from '../../src/net/pinning/mask.js'
import { PinningClient } from '../../src/net/pinning/client.js'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'
import type { Server } from 'node:http'

const TOKEN = 'SeCrEt-Token-0123456789abcdef'

interface Behaviour { mode: 'echo-failed' | 'echo-400' | 'echo-500' | 'flaky-post' }

/** A Pinning Service API server on loopback whose behaviour each test sets. */
async function service (): Promise<{ url: string, server: Server, set: (b: Behaviour) => void, posts: () => number, pins: Map<string, any> }> {
  let behaviour: Behaviour = { mode: 'echo-failed' }
  let posts = 0
  const pins = new Map<string, any>()
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', d => { body += d })
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x')
      const json = (status: number, value: unknown, headers: Record<string, string> = {}): void => { res.writeHead(status, { 'content-type': 'application/json', ...headers }); res.end(JSON.stringify(value)) }
      if (req.method === 'GET' && u.pathname === '/pins') {
        const cids = u.searchParams.get('cid')?.split(',') ?? []
        const results = [...pins.values()].filter(p => cids.length === 0 || cids.includes(p.pin.cid))
        return json(200, { count: results.length, results })
      }
      if (req.method === 'POST' && u.pathname === '/pins') {
        posts++
        const pin = JSON.parse(body)
        if (behaviour.mode === 'echo-400') return json(400, { error: { reason: `BAD_REQUEST for ${TOKEN}`, details: `token was ${TOKEN.toLowerCase().slice(0, 14)}` } })
        if (behaviour.mode === 'echo-500') return json(500, { error: { reason: 'INTERNAL', details: `auth ${TOKEN.toUpperCase()}` } })
        const status = { requestid: `r${posts}`, status: behaviour.mode === 'echo-failed' ? 'failed' : 'pinned', created: new Date().toISOString(), pin, delegates: [], info: { status_details: `cannot fetch with bearer ${TOKEN.toLowerCase()} (${TOKEN.slice(3, 15)})` } }
        pins.set(status.requestid, status)
        // flaky: the request is created, then the answer is lost to a 503 that asks for a second's patience
        if (behaviour.mode === 'flaky-post' && posts === 1) return json(503, { error: { reason: 'BUSY' } }, { 'retry-after': '1' })
        return json(202, status)
      }
      json(404, { error: { reason: 'NOT_FOUND' } })
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as any).port
  return { url: `http://127.0.0.1:${port}`, server, set: b => { behaviour = b; posts = 0; pins.clear() }, posts: () => posts, pins }
}

describe('maskSecret', () => {
  it('hides the secret exactly, lower-cased, upper-cased, cut short, or inside other words', () => {
    for (const text of [TOKEN, TOKEN.toLowerCase(), TOKEN.toUpperCase(), TOKEN.slice(0, 10), `x${TOKEN.slice(5, 20)}y`, `a ${TOKEN} b ${TOKEN.toLowerCase()}`]) {
      const masked = maskSecret(text, TOKEN)
      for (let i = 0; i + 8 <= TOKEN.length; i++) expect(masked.toLowerCase()).not.toContain(TOKEN.toLowerCase().slice(i, i + 8))
      expect(masked).toContain('***')
    }
    expect(maskSecret('nothing to hide here', TOKEN)).toBe('nothing to hide here')
  })
})

describe('a service that echoes the token', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let svc: Awaited<ReturnType<typeof service>>
  let cid: string
  let repo: string
  beforeAll(async () => {
    tmp = await tempDir()
    svc = await service()
    repo = join(tmp.path, 'repo')
    cid = (await cli(['--repo', repo, 'publish', SAMPLE, '-q'])).stdout.trim()
  })
  afterAll(async () => { svc.server.close(); await tmp.cleanup() })

  const leaks = (text: string): boolean => { for (let i = 0; i + 8 <= TOKEN.length; i++) if (text.toLowerCase().includes(TOKEN.toLowerCase().slice(i, i + 8))) return true; return false }

  for (const mode of ['echo-failed', 'echo-400', 'echo-500'] as const) {
    it(`${mode}: exit 1, one error line, no part of the token anywhere`, async () => {
      svc.set({ mode })
      const res = await cli(['--repo', repo, 'pin', 'remote', 'add', cid, '--service-url', svc.url, '--background', '--json'], { env: { IPFS_PINNING_TOKEN: TOKEN }, timeout: 30_000 })
      expect(res.code).toBe(1)
      expect(res.stderr).toMatch(/^error: /)
      expect(leaks(res.stdout + res.stderr)).toBe(false)
    })
  }

  it('pin remote ls masks what the service lists', async () => {
    svc.set({ mode: 'echo-failed' })
    svc.pins.set('x', { requestid: TOKEN, status: 'pinned', created: TOKEN, pin: { cid, name: `name ${TOKEN}` }, delegates: [] })
    const res = await cli(['pin', 'remote', 'ls', '--service-url', svc.url], { env: { IPFS_PINNING_TOKEN: TOKEN } })
    expect(res.code).toBe(0)
    expect(res.stdout).toContain('***')
    expect(leaks(res.stdout + res.stderr)).toBe(false)
  })

  it('an endpoint with a user name or password is refused (service add and --service-url), and not stored', async () => {
    const add = await cli(['--repo', repo, 'pin', 'remote', 'service', 'add', 'creds', 'https://user:pass@example.invalid/psa', '--token-env', 'X'])
    expect(add.code).toBe(2)
    expect(add.stderr).toMatch(/may not hold a user name or password/)
    expect(add.stderr).not.toContain('pass@')
    expect((await cli(['--repo', repo, 'pin', 'remote', 'service', 'ls'])).stdout).not.toContain('creds')
    const inline = await cli(['pin', 'remote', 'ls', '--service-url', 'https://user:pass@example.invalid/psa'], { env: { IPFS_PINNING_TOKEN: TOKEN } })
    expect(inline.code).toBe(2)
  })
})

describe('retries', () => {
  it('a POST answered 503 after it created the request is not sent again: the CID is looked up first, after Retry-After', async () => {
    const svc = await service()
    try {
      svc.set({ mode: 'flaky-post' })
      const client = new PinningClient({ endpoint: svc.url, token: TOKEN, backoffMs: 10 })
      const started = Date.now()
      const status = await client.add({ cid: 'bafkqaaa', name: 'n' })
      expect(Date.now() - started).toBeGreaterThanOrEqual(950)
      expect(svc.posts()).toBe(1)
      expect(status.requestid).toBe('r1')
    } finally {
      svc.server.close()
    }
  })
})
