// --net local reaches nothing beyond this machine: every address option of every command that
// takes one is refused (exit 2) before any work, in a network namespace holding only lo (so a
// missed check reaches nothing) with a preload that logs any attempt to leave loopback.
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'
import { cliInNetns, NETNS } from '../helpers/netns.js'

const FAR = 'http://192.0.2.1:5001' // TEST-NET-1: an address that is nowhere, in any case not here
const FAR_PEER = '/ip4/192.0.2.1/tcp/4001/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'

describe.skipIf(!NETNS)('--net local: one guard for every address', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let repo: string
  let cid: string
  let name: string
  let article: string
  let log: string
  let config: string
  const stat = async (): Promise<unknown> => JSON.parse((await cli(['--repo', repo, '--json', 'stat'])).stdout)

  beforeAll(async () => {
    tmp = await tempDir()
    repo = join(tmp.path, 'repo')
    log = join(tmp.path, 'network.log')
    cid = (await cli(['--repo', repo, 'publish', SAMPLE, '-q'])).stdout.trim()
    expect(cid).toMatch(/^bafy/)
    name = (await cli(['--repo', repo, '--json', 'key', 'gen', 'site'])).stdout
    name = JSON.parse(name).id
    for (const [n, kind] of [['far', 'psa'], ['farkubo', 'kubo-rpc']]) {
      expect((await cli(['--repo', repo, 'pin', 'remote', 'service', 'add', n, FAR, '--kind', kind, '--token-env', 'PIN_TOKEN'])).code).toBe(0)
    }
    article = join(tmp.path, 'new-story.txt')
    await writeFile(article, '## A Story Not Yet Published\n\nJuly 2, 2025\n\n— Categories: Tests\n\nText.\n\n[Download IPFS](#)')
    config = join(tmp.path, 'local.json')
    await writeFile(config, JSON.stringify({ net: 'local' }))
  }, 120_000)
  afterAll(async () => { await tmp?.cleanup() })

  it('every command refuses each address off this machine before it does anything: exit 2, one line, nothing sent, nothing written', async () => {
    const before = await stat()
    const out = join(tmp.path, 'out')
    const refused = (flag: string): RegExp => new RegExp(`^error: --net local stays on this machine: ${flag} \\S+ is not a loopback address\\n$`)
    const cases: Array<[string[], RegExp]> = [
      // publish: pinning targets of every kind, verification sources; nothing is published first
      [['publish', article, '--pin-remote-url', FAR, '--pin-remote-kind', 'kubo-rpc', '--net', 'local'], refused('--pin-remote-url')],
      [['publish', article, '--pin-remote-url', FAR, '--net', 'local'], refused('--pin-remote-url')],
      [['publish', article, '--pin-remote-url', FAR, '--background', '--net', 'local'], refused('--pin-remote-url')],
      [['publish', article, '--pin-remote', 'far', '--net', 'local'], refused('the service "far" at')],
      [['publish', article, '--pin-remote', 'farkubo', '--net', 'local'], refused('the service "farkubo" at')],
      [['publish', article, '--verify-from', FAR, '--net', 'local'], refused('--verify-from')],
      [['publish', article, '--verify-from', FAR_PEER, '--net', 'local'], refused('--verify-from')],
      // "net": "local" from --config is the same
      [['publish', article, '--pin-remote-url', FAR, '--pin-remote-kind', 'kubo-rpc', '--config', config], refused('--pin-remote-url')],
      // IPNS: --put-to, --resolve-from, --from
      [['name', 'publish', cid, '--key', 'site', '--put-to', FAR, '--net', 'local'], refused('--put-to')],
      [['name', 'publish', cid, '--key', 'site', '--resolve-from', FAR, '--net', 'local'], refused('--resolve-from')],
      [['name', 'resolve', name, '--from', FAR, '--net', 'local'], refused('--from')],
      [['edition', '--ipns-key', 'site', '--put-to', FAR, '--net', 'local'], refused('--put-to')],
      [['edition', '--ipns-key', 'site', '--resolve-from', FAR, '--config', config], refused('--resolve-from')],
      // edition: the same pinning targets as publish; nothing is built first
      [['edition', '--pin-remote-url', FAR, '--pin-remote-kind', 'kubo-rpc', '--net', 'local'], refused('--pin-remote-url')],
      [['edition', '--pin-remote-url', FAR, '--ipns-key', 'site', '--net', 'local'], refused('--pin-remote-url')],
      [['edition', '--pin-remote', 'far', '--net', 'local'], refused('the service "far" at')],
      [['edition', '--pin-remote', 'farkubo', '--config', config], refused('the service "farkubo" at')],
      // fetching: gateways, peers, DNS resolvers
      [['get', cid, '-o', out, '--gateway-url', FAR, '--net', 'local'], refused('--gateway-url')],
      [['get', cid, '-o', out, '--peer', FAR_PEER, '--net', 'local'], refused('--peer')],
      [['get', '/ipns/news.example', '-o', out, '--dns-resolver', '192.0.2.53', '--net', 'local'], refused('--dns-resolver')],
      [['get', '/ipns/news.example', '-o', out, '--net', 'local'], /^error: --net local asks no DNS server off this machine: resolving news\.example needs --dns-resolver <a DNS server on loopback>\n$/],
      [['cat', '/ipns/news.example', '--dns-resolver', 'https://dns.example/dns-query', '--net', 'local'], refused('--dns-resolver')],
      [['cat', '/ipns/news.example', '--net', 'local'], /^error: --net local asks no DNS server off this machine: resolving news\.example needs --dns-resolver/],
      [['verify', cid, '--from', FAR, '--net', 'local'], refused('--from')],
      [['verify', cid, '--from', FAR_PEER, '--net', 'local'], refused('--from')],
      // remote pinning: inline and named services of both kinds
      [['pin', 'remote', 'add', cid, '--service-url', FAR, '--net', 'local'], refused('--service-url')],
      [['pin', 'remote', 'add', cid, '--service-url', FAR, '--service-kind', 'kubo-rpc', '--net', 'local'], refused('--service-url')],
      [['pin', 'remote', 'add', cid, '--service', 'far', '--net', 'local'], refused('the service "far" at')],
      [['pin', 'remote', 'add', cid, '--service', 'farkubo', '--net', 'local'], refused('the service "farkubo" at')],
      [['pin', 'remote', 'ls', '--service', 'far', '--net', 'local'], refused('the service "far" at')],
      [['pin', 'remote', 'rm', cid, '--service-url', FAR, '--net', 'local'], refused('--service-url')],
      // serve: peers to dial, DNS, and where it listens
      [['serve', '--peer', FAR_PEER, '--net', 'local'], refused('--peer')],
      [['serve', '--dns-resolver', '192.0.2.53:53', '--net', 'local'], refused('--dns-resolver')],
      [['serve', '--gateway-listen', '0.0.0.0:0', '--net', 'local'], refused('--gateway-listen')],
      [['serve', '--rpc-listen', '0.0.0.0:0', '--net', 'local'], refused('--rpc-listen')],
      [['serve', '--listen', '/ip4/0.0.0.0/tcp/0', '--net', 'local'], refused('--listen')]
    ]
    // a few at a time: each is a process of its own
    const results: Array<Awaited<ReturnType<typeof cliInNetns>>> = []
    for (let i = 0; i < cases.length; i += 4) {
      results.push(...await Promise.all(cases.slice(i, i + 4).map(async ([args]) => await cliInNetns(['--repo', repo, ...args], { env: { PIN_TOKEN: 'secret', IPFS_PINNING_TOKEN: 'secret', NETWORK_LOG: log }, timeout: 60_000 }))))
    }
    for (const [i, [args, message]] of cases.entries()) {
      const r = results[i]
      expect(r.stderr, args.join(' ')).toMatch(message)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stdout, args.join(' ')).toBe('')
    }
    // nothing left this machine, nothing was published, signed or written
    expect(existsSync(log) ? await readFile(log, 'utf8') : '').toBe('')
    expect(await stat()).toEqual(before)
    expect((await cli(['--repo', repo, 'ls', '-q'])).stdout.trim()).toBe(cid)
    expect((await cli(['--repo', repo, 'name', 'resolve', name])).code).toBe(3)
    expect(existsSync(out)).toBe(false)
  }, 600_000)

  it('a loopback address passes the guard (the command then runs, and fails only to connect)', async () => {
    // the preload logs (and refuses) every fetch: the one logged went to loopback
    const own = join(tmp.path, 'loopback.log')
    const r = await cliInNetns(['--repo', repo, 'name', 'resolve', name, '--from', 'http://127.0.0.1:9', '--net', 'local'], { env: { NETWORK_LOG: own }, timeout: 60_000 })
    expect(r.stderr).not.toMatch(/--net local/)
    expect(r.code).toBe(3)
    expect(await readFile(own, 'utf8')).toMatch(/^(fetch http:\/\/127\.0\.0\.1:9\/\S+\n)+$/)
  }, 120_000)
})
