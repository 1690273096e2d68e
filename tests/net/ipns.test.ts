import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { readFile, writeFile, mkdir, copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, ROOT, SAMPLE, tempDir } from '../helpers/cli.js'
import { serve } from '../helpers/serve.js'
import { track } from '../helpers/processes.js'
import type { Served } from '../helpers/serve.js'
import type { AddressInfo } from 'node:net'

const PEER = join(ROOT, 'tests', 'fixtures', 'ipns-peer.mjs')

/** Runs the second Helia node until it resolves `name` to `expected` through the DHT; resolves with the ms it took. */
async function peerResolves (addr: string, name: string, expected: string, limitMs = 90_000): Promise<{ ms: number, lines: any[] }> {
  const started = Date.now()
  const child = track(spawn(process.execPath, [PEER, addr, name, expected, String(limitMs)], { stdio: ['ignore', 'pipe', 'pipe'] }))
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  const lines = out.trim().split('\n').filter(Boolean).map(l => JSON.parse(l))
  if (code !== 0) throw new Error(`the second node did not resolve ${name} to ${expected} (exit ${code}): ${out} ${err}`)
  return { ms: Date.now() - started, lines }
}

describe('IPNS: a name that follows the latest edition', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let repo: string
  let site: string
  let name: string
  let a: Served
  let first: any
  beforeAll(async () => {
    tmp = await tempDir()
    repo = join(tmp.path, 'repo')
    site = join(tmp.path, 'site')
    await mkdir(join(site, 'articles'), { recursive: true })
    await copyFile(SAMPLE, join(site, 'articles', 'sample.txt'))
    await writeFile(join(site, 'articles', 'brief.md'), '---\ntitle: A brief\ndate: 2026-11-30\n---\nText.\n')
    expect((await cli(['--repo', repo, 'publish', 'articles', '-q'], { cwd: site })).code).toBe(0)
    const key = await cli(['--repo', repo, 'key', 'gen', 'site', '--json'])
    expect(key.code).toBe(0)
    name = JSON.parse(key.stdout).id
    expect(name).toMatch(/^k51[a-z0-9]+$/)
    const ed = await cli(['--repo', repo, 'edition', '--ipns-key', 'site', '--domain', 'news.example', '--json'])
    expect(ed.code).toBe(0)
    first = JSON.parse(ed.stdout)
    expect(first).toMatchObject({ name, sequence: 0, dnslink: `_dnslink.news.example TXT "dnslink=/ipns/${name}"` })
    a = await serve(repo, ['--dht', '--ipns-interval', '200'], 400_000)
  }, 240_000)
  afterAll(async () => { await a?.stop('SIGKILL'); await tmp.cleanup() })

  it('keys: kept in the repo with mode 0600, listed by name; export refuses the terminal', async () => {
    const { stat } = await import('node:fs/promises')
    expect((await stat(join(repo, 'keys', 'site.key'))).mode & 0o777).toBe(0o600)
    expect((await stat(join(repo, 'keys'))).mode & 0o777).toBe(0o700)
    expect((await cli(['--repo', repo, 'key', 'ls'])).stdout).toBe(`${name} site\n`)
    const out = await cli(['--repo', repo, 'key', 'export', 'site', '-o', '-'])
    expect(out.code).toBe(2)
    expect(out.stdout).toBe('')
    expect(out.stderr).toBe('error: key export writes to a file only: a private key is never printed\n')
    expect((await cli(['--repo', repo, 'key', 'gen', 'site'])).stderr).toBe('error: key "site" already exists (remove it first with key rm)\n')
  })

  it('a second node resolves the name over a DHT on loopback; after a correction, to the new edition within seconds', async () => {
    const addr = a.multiaddrs.find(m => m.includes('/tcp/') && !m.includes('/ws'))!
    const one = await peerResolves(addr, name, `/ipfs/${first.cid}`)
    expect(one.lines.at(-1)).toMatchObject({ value: `/ipfs/${first.cid}`, sequence: 0 })

    const path = join(site, 'articles', 'sample.txt')
    await writeFile(path, (await readFile(path, 'utf8')).replace('first time', 'first time (corrected)'))
    expect((await cli(['--repo', repo, 'publish', 'articles', '-q'], { cwd: site })).code).toBe(0)
    const published = Date.now()
    const ed = await cli(['--repo', repo, 'edition', '--ipns-key', 'site', '--json'])
    expect(ed.code).toBe(0)
    const second = JSON.parse(ed.stdout)
    expect(second).toMatchObject({ previous: first.cid, sequence: 1, corrected: 1 })
    const two = await peerResolves(addr, name, `/ipfs/${second.cid}`)
    expect(two.lines.at(-1)).toMatchObject({ value: `/ipfs/${second.cid}`, sequence: 1 })
    // a bound against a hang, generous on a loaded machine; the figure itself is in the bench
    expect(Date.now() - published).toBeLessThan(60_000)
  }, 400_000)

  it('the gateway: /ipns/<name>/ serves the edition; ?format=ipns-record gives a record the `ipns` package validates (V1 and V2 signatures)', async () => {
    const page = await fetch(`${a.gateway}/ipns/${name}/`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<h1>Newsroom</h1>')
    const res = await fetch(`${a.gateway}/ipns/${name}?format=ipns-record`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/vnd.ipfs.ipns-record')
    const bytes = new Uint8Array(await res.arrayBuffer())
    const { unmarshalIPNSRecord, multihashToIPNSRoutingKey } = await import('ipns')
    const { ipnsValidator } = await import('ipns/validator')
    const { CID } = await import('multiformats/cid')
    const { base36 } = await import('multiformats/bases/base36')
    await ipnsValidator(multihashToIPNSRoutingKey(CID.parse(name, base36).multihash), bytes)
    const record = unmarshalIPNSRecord(bytes) as any
    expect(record.sequence).toBe(1n)
    expect(record.signatureV1).toBeInstanceOf(Uint8Array)
    expect(record.signatureV2).toBeInstanceOf(Uint8Array)
    const ed = JSON.parse((await cli(['--repo', repo, 'cat', `/ipns/${name}/edition.json`])).stdout)
    expect(record.value).toBe(`/ipfs/${(await cli(['--repo', repo, 'name', 'resolve', name, '--json'])).stdout.match(/\/ipfs\/(\w+)/)![1]}`)
    expect(ed.schema).toBe('ipfs-publish/edition@4')
  })

  it('refuses a record with a lower sequence number or a bad signature (Delegated Routing IPNS PUT); takes a newer one', async () => {
    const keyFile = join(tmp.path, 'site.key')
    expect((await cli(['--repo', repo, 'key', 'export', 'site', '-o', keyFile])).code).toBe(0)
    const { privateKeyFromProtobuf } = await import('@libp2p/crypto/keys')
    const { createIPNSRecord, marshalIPNSRecord } = await import('ipns')
    const key = privateKeyFromProtobuf(await readFile(keyFile))
    const current = (await cli(['--repo', repo, 'name', 'resolve', name, '--json']))
    const { value } = JSON.parse(current.stdout)
    const put = async (bytes: Uint8Array) => await fetch(`${a.gateway}/routing/v1/ipns/${name}`, { method: 'PUT', body: bytes, headers: { 'Content-Type': 'application/vnd.ipfs.ipns-record' } })

    const lower = await put(marshalIPNSRecord(await createIPNSRecord(key, `/ipfs/${first.cid}`, 0n, 60_000)))
    expect(lower.status).toBe(400)
    expect(await lower.text()).toMatch(/sequence number 0, lower than the 1/)

    const good = marshalIPNSRecord(await createIPNSRecord(key, value, 7n, 3_600_000))
    const bad = Uint8Array.from(good)
    bad[bad.length - 10] ^= 0xff
    const tampered = await put(bad)
    expect(tampered.status).toBe(400)
    expect(await tampered.text()).toMatch(/not valid/)

    expect((await put(good)).status).toBe(200)
    const held = JSON.parse((await cli(['--repo', repo, 'name', 'resolve', name, '--json'])).stdout)
    expect(held).toMatchObject({ value, sequence: 7 })
    // the next publish goes above what was put
    const next = await cli(['--repo', repo, 'name', 'publish', value, '--key', 'site', '--json'])
    expect(JSON.parse(next.stdout).sequence).toBe(8)
  })

  it('a fresh CI machine with only the imported key resolves first: its sequence number is above the one out there, and its edition continues the chain', async () => {
    const keyFile = join(tmp.path, 'site.b64')
    expect((await cli(['--repo', repo, 'key', 'export', 'site', '-o', keyFile, '--format', 'base64'])).code).toBe(0)
    const ci = join(tmp.path, 'ci-repo')
    const imported = await cli(['--repo', ci, 'key', 'import', 'site', '--from-env', 'SITE_KEY', '--json'], { env: { SITE_KEY: (await readFile(keyFile, 'utf8')).trim() } })
    expect(imported.code).toBe(0)
    expect(JSON.parse(imported.stdout).id).toBe(name)
    expect((await cli(['--repo', ci, 'publish', 'articles', '-q'], { cwd: site })).code).toBe(0)
    const out = await cli(['--repo', ci, 'name', 'resolve', name, '--from', a.gateway, '--json'])
    const outThere = JSON.parse(out.stdout)
    const ed = await cli(['--repo', ci, 'edition', '--ipns-key', 'site', '--resolve-from', a.gateway, '--json'])
    expect(ed.code).toBe(0)
    const made = JSON.parse(ed.stdout)
    expect(made.sequence).toBe(outThere.sequence + 1)
    expect(`/ipfs/${made.previous}`).toBe(outThere.value)
    // the CI hands its record to the newsroom's node, which takes it (newer) and serves it
    const handed = await cli(['--repo', ci, 'name', 'publish', made.cid, '--key', 'site', '--resolve-from', a.gateway, '--put-to', a.gateway])
    expect(handed.code).toBe(0)
    expect(handed.stderr).toContain(`handed the record of /ipns/${name} (sequence ${made.sequence + 1}) to ${a.gateway}`)
    const served = JSON.parse((await cli(['--repo', repo, 'name', 'resolve', name, '--json'])).stdout)
    expect(served).toMatchObject({ value: `/ipfs/${made.cid}`, sequence: made.sequence + 1 })
    // a machine that does not resolve first signs sequence 0: the node refuses it (exit 4, its answer shown)
    const stale = join(tmp.path, 'stale-repo')
    expect((await cli(['--repo', stale, 'key', 'import', 'site', keyFile])).code).toBe(0)
    const refused = await cli(['--repo', stale, 'name', 'publish', made.cid, '--key', 'site', '--put-to', a.gateway])
    expect(refused.code).toBe(4)
    expect(refused.stderr).toMatch(new RegExp(`^error: ${a.gateway.replace(/[.]/g, '\\.')} refused the record of ${name} \\(400: the record for ${name} has sequence number 0, lower than the ${made.sequence + 1} this repo holds\\)\n$`))
  }, 240_000)

  it('name resolve --from refuses a gateway that sends a record with a bad signature (exit 4)', async () => {
    const good = new Uint8Array(await (await fetch(`${a.gateway}/ipns/${name}?format=ipns-record`)).arrayBuffer())
    const bad = Uint8Array.from(good)
    bad[bad.length - 10] ^= 0xff
    const server = createServer((_req, res) => { res.writeHead(200, { 'Content-Type': 'application/vnd.ipfs.ipns-record' }); res.end(bad) })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    try {
      const port = (server.address() as AddressInfo).port
      const res = await cli(['--repo', join(tmp.path, 'other'), 'name', 'resolve', name, '--from', `http://127.0.0.1:${port}`])
      expect(res.code).toBe(4)
      expect(res.stderr).toMatch(new RegExp(`^error: http://127.0.0.1:${port}: the record for ${name} is not valid: .*\\n$`))
    } finally {
      server.close()
    }
  })
})
