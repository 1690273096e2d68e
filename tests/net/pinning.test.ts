import { createServer } from 'node:http'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PinningClient } from '../../src/net/pinning/client.js'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'
import { serve } from '../helpers/serve.js'
import { cliInNetns, NETNS } from '../helpers/netns.js'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

const { setup } = createRequire(import.meta.url)('mock-ipfs-pinning-service')
const TOKEN = 'tok-3f9a1c-secret-do-not-print'

/** The reference mock of the Pinning Service API on 127.0.0.1, with loopback delegates only. */
async function startMock (delegates: string[]): Promise<{ url: string, server: Server }> {
  const app = await setup({ token: TOKEN, delegates: delegates.join(','), loglevel: 'error' })
  const server: Server = await new Promise(resolve => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

describe('remote pinning against mock-ipfs-pinning-service', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let mock: { url: string, server: Server }
  let repo: string
  let cid: string
  const outputs: string[] = []
  const run = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<Awaited<ReturnType<typeof cli>>> => {
    const r = await cli(['--repo', repo, ...args], { env: { PIN_TOKEN: TOKEN, ...env }, timeout: 30_000 })
    outputs.push(r.stdout, r.stderr)
    return r
  }
  beforeAll(async () => {
    tmp = await tempDir()
    // a delegate that answers: a node of ours serving on loopback
    // bounded like every server the tests start, and long enough for the whole file
    const delegate = await serve(join(tmp.path, 'delegate'), [], 240_000)
    mock = await startMock([delegate.multiaddrs[0]])
    ;(mock as any).delegate = delegate
    repo = join(tmp.path, 'repo')
    cid = (await cli(['--repo', repo, 'publish', SAMPLE, '-q'])).stdout.trim()
  })
  afterAll(async () => {
    await (mock as any)?.delegate?.stop('SIGKILL')
    mock?.server.closeAllConnections()
    await new Promise(resolve => mock?.server.close(resolve))
    await tmp.cleanup()
  })

  it('service add/ls/rm keep the token\'s source, never the token', async () => {
    expect((await run(['pin', 'remote', 'service', 'add', 'mock', mock.url, '--token-env', 'PIN_TOKEN'])).code).toBe(0)
    const tokenFile = join(tmp.path, 'token')
    await writeFile(tokenFile, TOKEN + '\n')
    expect((await run(['pin', 'remote', 'service', 'add', 'mock-file', mock.url, '--token-file', tokenFile])).code).toBe(0)
    const ls = await run(['pin', 'remote', 'service', 'ls'])
    expect(ls.stdout).toContain(`mock  psa  ${mock.url}  token from $PIN_TOKEN`)
    expect(ls.stdout).toContain(`token from ${tokenFile}`)
    expect((await run(['pin', 'remote', 'service', 'rm', 'mock-file'])).code).toBe(0)
    expect((await run(['pin', 'remote', 'service', 'rm', 'mock-file'])).code).toBe(3)
    expect((await run(['pin', 'remote', 'service', 'add', 'x', mock.url])).code).toBe(2)
    expect((await run(['pin', 'remote', 'service', 'add', 'x', 'not a url', '--token-env', 'PIN_TOKEN'])).code).toBe(2)
  })

  it('add waits for pinned, dialing the delegates; adding again reuses the request', async () => {
    const r = await run(['pin', 'remote', 'add', cid, '--service', 'mock', '--name', 'pinned-one', '--net', 'local', '--timeout', '20s'])
    expect(r.stderr).not.toMatch(/could not dial delegate/)
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toMatch(new RegExp(`^${cid} pinned mock \\d+\\.\\d\\ds$`))
    expect((await run(['pin', 'remote', 'add', cid, '--service', 'mock', '--name', 'pinned-one', '--net', 'local'])).code).toBe(0)
    const ls = await run(['pin', 'remote', 'ls', '--service', 'mock', '--cid', cid, '--json'])
    expect(ls.stdout.trim().split('\n')).toHaveLength(1)
  })

  it('--background returns once queued; a queued pin with --timeout exits 1', async () => {
    const other = (await cli(['--repo', repo, 'add', SAMPLE, '-q'])).stdout.trim()
    const bg = await run(['pin', 'remote', 'add', other, '--service', 'mock', '--name', 'queued-two', '--background'])
    expect(bg.code).toBe(0)
    expect(bg.stdout.trim()).toMatch(new RegExp(`^${other} queued mock \\d+\\.\\d\\ds$`))
    const started = Date.now()
    const wait = await run(['pin', 'remote', 'add', other, '--service', 'mock', '--net', 'local', '--no-delegates', '--timeout', '1s'])
    expect(wait.code).toBe(1)
    expect(wait.stderr).toMatch(/^error: \S+ could not be pinned on mock: timed out waiting for the service to pin it \(last status: queued\)$/m)
    expect(Date.now() - started).toBeLessThan(15_000)
  })

  it('failed: exit 1 naming the CID', async () => {
    const f = (await cli(['--repo', repo, 'add', '-n', SAMPLE, '--cid-profile', 'unixfs-v0-2015', '-q'])).stdout.trim()
    const r = await run(['pin', 'remote', 'add', f, '--service', 'mock', '--name', 'failed-three', '--background'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(new RegExp(`^error: ${f} could not be pinned on mock: the pinning service failed to pin ${f}`, 'm'))
  })

  it('ls filters by status and follows pagination past one page; rm removes', async () => {
    const client = new PinningClient({ endpoint: mock.url, token: TOKEN, pageSize: 2 })
    const { rawCid } = await import('../../src/core/unixfs/hash.js')
    for (let i = 0; i < 5; i++) {
      await client.add({ cid: rawCid(Buffer.from(`page ${i}`)).toString(), name: `queued-page-${i}` })
      await new Promise(resolve => setTimeout(resolve, 5)) // distinct creation times
    }
    const all = []
    for await (const p of client.list()) all.push(p.requestid)
    expect(all.length).toBeGreaterThanOrEqual(8)
    expect(new Set(all).size).toBe(all.length)
    const pinned = await run(['pin', 'remote', 'ls', '--service', 'mock', '--status', 'pinned'])
    expect(pinned.stdout).toContain(`${cid}  pinned  pinned-one`)
    expect(pinned.stdout).not.toContain('queued')
    expect((await run(['pin', 'remote', 'rm', cid, '--service', 'mock'])).code).toBe(0)
    expect((await run(['pin', 'remote', 'ls', '--service', 'mock', '--cid', cid])).stdout).toBe('')
    expect((await run(['pin', 'remote', 'rm', cid, '--service', 'mock'])).code).toBe(3)
  })

  it('a wrong token: exit 1, a clear error without the token in it', async () => {
    const r = await run(['pin', 'remote', 'ls', '--service', 'mock'], { PIN_TOKEN: 'wrong-token' })
    expect(r.code).toBe(1)
    expect(r.stderr.trim()).toBe(`error: the pinning service at ${mock.url} refused the access token (401); check the token`)
  })

  it('inline --service-url with IPFS_PINNING_TOKEN, for CI; a missing token is a usage error', async () => {
    expect((await run(['pin', 'remote', 'ls', '--service-url', mock.url], { IPFS_PINNING_TOKEN: TOKEN })).code).toBe(0)
    const none = await run(['pin', 'remote', 'ls', '--service-url', mock.url], { IPFS_PINNING_TOKEN: '' })
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/IPFS_PINNING_TOKEN, which is not set/)
  })

  it('a service that is down: exit 1 with a clear error', async () => {
    // a port that was free a moment ago: nothing listens there
    const probe = createServer()
    await new Promise<void>(resolve => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as AddressInfo).port
    await new Promise(resolve => probe.close(resolve))
    const r = await run(['pin', 'remote', 'ls', '--service-url', `http://127.0.0.1:${port}`], { IPFS_PINNING_TOKEN: TOKEN })
    expect(r.code).toBe(1)
    expect(r.stderr.trim()).toBe(`error: the pinning service at http://127.0.0.1:${port} cannot be reached: ECONNREFUSED`)
  })

  it('5xx answers are retried with backoff', async () => {
    let hits = 0
    const flaky = createServer((req, res) => {
      hits++
      if (hits <= 2) { res.writeHead(503, { 'content-type': 'application/json' }); res.end(JSON.stringify({ error: { reason: 'BUSY' } })); return }
      void fetch(mock.url + (req.url ?? '/'), { headers: { authorization: req.headers.authorization ?? '' } }).then(async up => {
        res.writeHead(up.status, { 'content-type': 'application/json' }); res.end(await up.text())
      })
    })
    await new Promise<void>(resolve => flaky.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`
      const r = await run(['pin', 'remote', 'ls', '--service-url', url], { IPFS_PINNING_TOKEN: TOKEN })
      expect(r.code).toBe(0)
      expect(hits).toBe(3)
    } finally {
      flaky.closeAllConnections()
      await new Promise(resolve => flaky.close(resolve))
    }
  })

  it('publish --pin-remote pins each article remotely (named by its slug)', async () => {
    const article = join(tmp.path, 'pinned-story.txt')
    await writeFile(article, '## Pinned Story\n\nJuly 1, 2025\n\n— Categories: CI\n\nText.\n\n[Download IPFS](#)')
    const r = await run(['publish', article, '--pin-remote', 'mock', '--net', 'local', '--pin-timeout', '20s'])
    expect(r.code).toBe(0)
    // stdout holds the publish results alone; the remote status is a note on stderr
    expect(r.stdout).toMatch(/^bafy[a-z0-9]+ \S+pinned-story\.txt\n  https:\/\/\S+\n$/)
    expect(r.stderr).toMatch(/^bafy[a-z0-9]+: pinned on mock \(\d+\.\d\d s\)$/m)
    const ls = await run(['pin', 'remote', 'ls', '--service', 'mock', '--json'])
    expect(ls.stdout).toContain('"name":"pinned-story"')
  })

  it('one set of network options for every command: accepted everywhere, used where a command goes online', async () => {
    const same = ['--net', 'local', '--no-delegates', '--no-bootstrap', '--no-dht', '--no-mdns']
    const ls = await run(['pin', 'remote', 'ls', '--service', 'mock', ...same])
    expect(ls.stderr).toBe('')
    expect(ls.code).toBe(0)
    expect(ls.stdout).not.toBe('')
    for (const args of [['ls'], ['stat'], ['pin', 'ls'], ['verify', cid], ['cat', cid], ['gc'], ['pin', 'remote', 'service', 'ls'], ['export', cid, '-o', join(tmp.path, 'same.car')], ['add', '-n', SAMPLE]]) {
      const r = await run([...args, ...same])
      expect(r.stderr, args.join(' ')).not.toMatch(/Unknown argument/)
      expect(r.code, args.join(' ')).toBe(0)
    }
  })

  it.skipIf(!NETNS)('--net local calls no pinning service off this machine (nothing resolved, nothing sent): exit 2', async () => {
    const log = join(tmp.path, 'remote-network.log')
    for (const args of [['pin', 'remote', 'ls'], ['pin', 'remote', 'add', cid]]) {
      // in a network namespace holding only lo (with the same preload): a missed check could reach nothing
      const r = await cliInNetns(['--repo', repo, ...args, '--service-url', 'https://pinning.example.org/psa', '--net', 'local'], { env: { IPFS_PINNING_TOKEN: TOKEN, NETWORK_LOG: log }, timeout: 30_000 })
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr).toMatch(/^error: --net local stays on this machine: --service-url https:\/\/pinning\.example\.org is not a loopback address\n$/)
    }
    expect(existsSync(log) ? await readFile(log, 'utf8') : '').toBe('')
  })

  it('publish --pin-remote --background: stdout holds the results in their one format; "queued" is a note on stderr', async () => {
    const article = join(tmp.path, 'queued-story.txt')
    await writeFile(article, '## Queued Story\n\nJuly 2, 2025\n\n— Categories: CI\n\nText.\n\n[Download IPFS](#)')
    const r = await run(['publish', article, '--pin-remote', 'mock', '--background'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^bafy[a-z0-9]+ \S*queued-story\.txt\n  https:\/\/\S+\n$/)
    expect(r.stderr).toMatch(/^bafy[a-z0-9]+: (queued|pinning|pinned) on mock \(\d+\.\d\d s\)$/m)
  })

  it('two targets, one failing: both tried at once and reported, the good one pinned, exit 1 after all', async () => {
    // a second service that answers every request with 500: the client retries, then gives up
    let hits = 0
    const broken = createServer((req, res) => { hits++; res.writeHead(500, { 'content-type': 'application/json' }); res.end('{"error":{"reason":"INTERNAL","details":"down for the test"}}') })
    await new Promise<void>(resolve => broken.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`
      const article = join(tmp.path, 'two-targets.txt')
      await writeFile(article, '## Pinned Two Targets\n\nJuly 3, 2025\n\n— Categories: CI\n\nText.\n\n[Download IPFS](#)')
      const r = await run(['--json', 'publish', article, '--pin-remote', 'mock', '--pin-remote-url', url, '--net', 'local', '--pin-timeout', '20s'], { IPFS_PINNING_TOKEN: TOKEN })
      expect(r.code).toBe(1)
      const lines = r.stdout.trim().split('\n').map(l => JSON.parse(l))
      const published = lines[0]
      const reports = lines.slice(1)
      expect(reports).toHaveLength(2)
      expect(reports[0]).toMatchObject({ cid: published.cid, target: 'mock', status: 'pinned' })
      expect(reports[1]).toMatchObject({ cid: published.cid, target: url, status: 'failed' })
      expect(reports[1].reason).toMatch(/500|INTERNAL|down for the test/)
      for (const x of reports) expect(typeof x.seconds).toBe('number')
      expect(hits).toBeGreaterThan(0)
      expect(r.stderr).toMatch(new RegExp(`^error: ${published.cid} could not be pinned on ${url.replaceAll('.', '\\.')}: `, 'm'))
      const ls = await run(['pin', 'remote', 'ls', '--service', 'mock', '--cid', published.cid, '--status', 'pinned'])
      expect(ls.stdout).toContain(published.cid)
    } finally {
      broken.closeAllConnections()
      await new Promise(resolve => broken.close(resolve))
    }
  })

  it('the token never appears in any output', () => {
    expect(outputs.join('\n')).not.toContain(TOKEN)
  })
})
