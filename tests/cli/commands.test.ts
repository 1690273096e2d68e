// Issue 19 ("Commands"): --json on every command, unknown options named wherever they stand,
// a busy listen address in one line, and serve saying which network it joins.
import { createServer } from 'node:net'
import { createRequire } from 'node:module'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'
import { NETNS, spawnInNetns } from '../helpers/netns.js'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

const TOKEN = 'tok-json-test-secret'

describe('commands', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { tmp = await tempDir() })
  afterAll(async () => { await tmp.cleanup() })

  it('--json: every command prints only JSON lines on stdout; those whose stdout is bytes refuse --json (exit 2)', async () => {
    // the reference mock of the Pinning Service API, on loopback
    const { setup } = createRequire(import.meta.url)('mock-ipfs-pinning-service')
    const app = await setup({ token: TOKEN, loglevel: 'error' })
    const server: Server = await new Promise(resolve => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
    const mock = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const repo = join(tmp.path, 'json')
      const env = { IPFS_PINNING_TOKEN: TOKEN, PIN_TOKEN: TOKEN }
      const json = async (args: string[]): Promise<any[]> => {
        const r = await cli(['--repo', repo, '--json', ...args], { env, timeout: 60_000 })
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0)
        expect(r.stdout, args.join(' ')).not.toBe('')
        return r.stdout.trimEnd().split('\n').map(line => {
          try { return JSON.parse(line) } catch { throw new Error(`${args.join(' ')}: not JSON: ${line}`) }
        })
      }
      const cid = (await json(['publish', SAMPLE]))[0].cid
      await writeFile(join(tmp.path, 'f.bin'), 'some bytes')
      const fileCid = (await json(['add', join(tmp.path, 'f.bin')]))[0].cid
      const car = join(tmp.path, 'x.car')
      const keyFile = join(tmp.path, 'k.key')
      for (const args of [
        ['ls'], ['stat'], ['verify', cid], ['verify', '--all'], ['verify', cid, '--file', SAMPLE],
        ['export', cid, '-o', car], ['import', car], ['get', cid, '-o', join(tmp.path, 'out')],
        ['pin', 'add', fileCid], ['pin', 'ls'],
        ['key', 'gen', 'k'], ['key', 'ls'], ['key', 'export', 'k', '-o', keyFile], ['key', 'rm', 'k'], ['key', 'import', 'site', keyFile],
        ['name', 'publish', cid, '--key', 'site'], ['edition'],
        ['pin', 'remote', 'service', 'add', 'mock', mock, '--token-env', 'PIN_TOKEN'], ['pin', 'remote', 'service', 'ls'],
        ['pin', 'remote', 'add', cid, '--service', 'mock', '--background', '--net', 'local'], ['pin', 'remote', 'ls', '--service', 'mock'],
        ['pin', 'remote', 'rm', cid, '--service-url', mock], ['pin', 'remote', 'service', 'rm', 'mock'],
        ['pin', 'rm', fileCid], ['gc']
      ]) await json(args)
      const name = (await json(['key', 'ls']))[0].id
      await json(['name', 'resolve', name])
      // stdout would hold bytes: --json is refused before anything is written
      for (const args of [['cat', cid + '/article.txt'], ['export', cid], ['export', cid, '-o', '-'], ['get', fileCid, '-o', '-']]) {
        const r = await cli(['--repo', repo, '--json', ...args])
        expect(r.code, args.join(' ')).toBe(2)
        expect(r.stdout, args.join(' ')).toBe('')
        expect(r.stderr, args.join(' ')).toMatch(/^error: [^\n]*--json[^\n]*\n$/)
      }
    } finally {
      await new Promise(resolve => server.close(resolve))
    }
  }, 600_000)

  it('an unknown option is named as unknown wherever it stands (before a positional too): exit 2', async () => {
    for (const [args, name] of [
      [['publish', '--nosuchopt', SAMPLE], 'nosuchopt'],
      [['publish', SAMPLE, '--nosuchopt'], 'nosuchopt'],
      [['publish', '-Z', SAMPLE], 'Z'],
      [['get', '--bogus', 'bafkqaaa'], 'bogus'],
      [['pin', 'remote', 'add', '--frob', 'bafkqaaa', '--service', 'x'], 'frob'],
      [['name', 'publish', '--nope', 'bafkqaaa', '--key', 'k'], 'nope'],
      // before the command's name (the word after it was taken as its value: no command, or another)
      [['--nosuchopt', 'ls'], 'nosuchopt'],
      [['--bogus-flag', 'publish', SAMPLE], 'bogus-flag'],
      // with a hyphen: one name, not yargs' two spellings of it
      [['ls', '--all-version'], 'all-version'],
      [['ls', '--nosuch-opt'], 'nosuch-opt']
    ] as Array<[string[], string]>) {
      const r = await cli(['--repo', join(tmp.path, 'none'), ...args])
      expect(r.stderr, args.join(' ')).toBe(`error: Unknown argument: ${name}\n`)
      expect(r.code, args.join(' ')).toBe(2)
    }
    // a missing positional with only known options is still said so
    const missing = await cli(['publish', '--json'])
    expect(missing.stderr).toMatch(/^error: Not enough non-option arguments/)
    expect(missing.code).toBe(2)
  })

  it('a listen address in use (the gateway\'s, the RPC API\'s or libp2p\'s): one line naming it, exit 1', async () => {
    const busy = createServer()
    await new Promise<void>(resolve => busy.listen(0, '127.0.0.1', resolve))
    const port = (busy.address() as AddressInfo).port
    try {
      const repo = join(tmp.path, 'busy')
      const gw = await cli(['--repo', repo, 'serve', '--net', 'local', '--gateway-listen', `127.0.0.1:${port}`], { timeout: 60_000 })
      expect(gw.stderr).toBe(`error: --gateway-listen 127.0.0.1:${port} is in use: another process listens there; stop it, or choose another port (0 picks a free one)\n`)
      expect(gw.code).toBe(1)
      for (const addr of [`/ip4/127.0.0.1/tcp/${port}`, `/ip4/127.0.0.1/tcp/${port}/ws`]) {
        const p2p = await cli(['--repo', repo, 'serve', '--net', 'local', '--gateway-listen', '127.0.0.1:0', '--listen', addr], { timeout: 60_000 })
        expect(p2p.stderr).toBe(`error: --listen ${addr}: 127.0.0.1:${port} is in use: another process listens there; stop it, or choose another port (0 picks a free one)\n`)
        expect(p2p.code).toBe(1)
      }
      const rpc = await cli(['--repo', repo, 'serve', '--net', 'local', '--gateway-listen', '127.0.0.1:0', '--rpc-listen', `127.0.0.1:${port}`], { timeout: 60_000 })
      expect(rpc.stderr).toMatch(new RegExp(`error: --rpc-listen 127\\.0\\.0\\.1:${port} is in use: another process listens there; stop it, or choose another port \\(0 picks a free one\\)\n$`))
      expect(rpc.code).toBe(1)
    } finally {
      await new Promise(resolve => busy.close(resolve))
    }
  }, 180_000)

  it.skipIf(!NETNS)('serve with no network flags says it joins the public network, and how to stay local; --net local says nothing of it (in a namespace holding only lo)', async () => {
    const repo = join(tmp.path, 'serve')
    /** Runs serve until `until` matches its output (or it ends), then stops it; what it printed. */
    const start = async (args: string[], until: (out: string, err: string) => boolean): Promise<{ out: string, err: string }> => {
      const child = spawnInNetns(['--repo', repo, 'serve', '--gateway-listen', '127.0.0.1:0', ...args])
      let out = ''
      let err = ''
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 60_000)
        const check = (): void => { if (until(out, err)) { clearTimeout(timer); resolve() } }
        child.stdout.on('data', (d: Buffer) => { out += d.toString(); check() })
        child.stderr.on('data', (d: Buffer) => { err += d.toString(); check() })
        child.on('exit', () => { clearTimeout(timer); resolve() })
      })
      child.kill('SIGKILL')
      return { out, err }
    }
    const pub = await start([], (_out, err) => err.includes('\n'))
    expect(pub.err.split('\n')[0]).toBe('serve joins the public IPFS network (bootstrap peers, the DHT, delegated routing, mDNS, UPnP); --net local keeps it on this machine')
    const local = await start(['--net', 'local'], (out) => /^gateway /m.test(out))
    expect(local.out).toMatch(/^gateway +http:\/\/127\.0\.0\.1:\d+$/m)
    expect(local.err).not.toMatch(/public/)
  }, 180_000)
})
