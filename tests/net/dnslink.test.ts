import { spawn, spawnSync } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cli, SAMPLE, tempDir } from '../helpers/cli.js'
import { serve } from '../helpers/serve.js'
import { track } from '../helpers/processes.js'
import type { Served } from '../helpers/serve.js'
import type { ChildProcess } from 'node:child_process'

const DNSMASQ = ['/usr/sbin/dnsmasq', '/usr/bin/dnsmasq'].find(p => existsSync(p))

/** A free UDP port on loopback (released just before dnsmasq takes it). */
async function freePort (): Promise<number> {
  const socket = createSocket('udp4')
  await new Promise<void>(resolve => socket.bind(0, '127.0.0.1', resolve))
  const port = socket.address().port
  await new Promise<void>(resolve => socket.close(() => resolve()))
  return port
}

/** Debian's dnsmasq on 127.0.0.1:<port>, answering only the TXT records given (no upstream, no hosts file, no config file); killed after `limitMs`. */
async function dnsmasq (records: Record<string, string>, limitMs = 300_000): Promise<{ server: string, child: ChildProcess }> {
  const port = await freePort()
  const args = ['--no-daemon', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--bind-interfaces', '--listen-address=127.0.0.1', `--port=${port}`, '--user=root', '--pid-file=',
    ...Object.entries(records).map(([name, text]) => `--txt-record=${name},${text}`)]
  const child = track(spawn(DNSMASQ!, args, { stdio: ['ignore', 'ignore', 'pipe'] }))
  const killer = setTimeout(() => child.kill('SIGKILL'), limitMs)
  child.on('close', () => clearTimeout(killer))
  let err = ''
  child.stderr!.on('data', (d: Buffer) => { err += d.toString() })
  // ready once it answers a query
  const { Resolver } = await import('node:dns/promises')
  const r = new Resolver({ timeout: 500, tries: 1 })
  r.setServers([`127.0.0.1:${port}`])
  for (let i = 0; ; i++) {
    try { await r.resolveTxt(Object.keys(records)[0]); break } catch (e) {
      if (i > 40 || child.exitCode != null) throw new Error(`dnsmasq did not start: ${err}`)
      await new Promise(resolve => setTimeout(resolve, 100))
    }
  }
  return { server: `127.0.0.1:${port}`, child }
}

describe.skipIf(DNSMASQ == null && process.env.CI == null)('DNSLink through a real DNS server on loopback (dnsmasq)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let repo: string
  let dns: { server: string, child: ChildProcess }
  let edition: any
  let a: Served
  beforeAll(async () => {
    tmp = await tempDir()
    repo = join(tmp.path, 'repo')
    await mkdir(join(tmp.path, 'articles'))
    await copyFile(SAMPLE, join(tmp.path, 'articles', 'sample.txt'))
    expect((await cli(['--repo', repo, 'publish', join(tmp.path, 'articles'), '-q'])).code).toBe(0)
    expect((await cli(['--repo', repo, 'key', 'gen', 'site'])).code).toBe(0)
    const ed = await cli(['--repo', repo, 'edition', '--ipns-key', 'site', '--domain', 'news.example', '--json'])
    expect(ed.code).toBe(0)
    edition = JSON.parse(ed.stdout)
    dns = await dnsmasq({
      '_dnslink.news.example': `dnslink=/ipns/${edition.name}`,
      '_dnslink.direct.example': `dnslink=/ipfs/${edition.cid}`,
      '_dnslink.other.example': 'v=spf1 -all'
    })
    a = await serve(repo, ['--dns-resolver', dns.server], 300_000)
  }, 240_000)
  afterAll(async () => { await a?.stop('SIGKILL'); dns?.child.kill('SIGKILL'); await tmp.cleanup() })

  it('the TXT record edition printed is what a domain needs: cat and get resolve /ipns/<domain> through it', async () => {
    expect(edition.dnslink).toBe(`_dnslink.news.example TXT "dnslink=/ipns/${edition.name}"`)
    const cat = await cli(['--repo', repo, 'cat', '/ipns/news.example/edition.json', '--dns-resolver', dns.server])
    expect(cat.code).toBe(0)
    expect(JSON.parse(cat.stdout)).toMatchObject({ schema: 'ipfs-publish/edition@4', articles: 1 })
    const m = JSON.parse(cat.stdout).months[0].month
    const days = await cli(['--repo', repo, 'cat', `/ipns/news.example/edition/${m}/month.json`, '--dns-resolver', dns.server])
    const month = await cli(['--repo', repo, 'cat', `/ipns/news.example/edition/${m}/${JSON.parse(days.stdout).days[0].day.slice(8)}.json`, '--dns-resolver', dns.server])
    expect(JSON.parse(month.stdout)).toMatchObject({ articles: [expect.objectContaining({ title: 'US Joins Ukraine Peace Force Talks, Plans Ready to Act' })] })
    const out = join(tmp.path, 'got')
    const get = await cli(['--repo', repo, 'get', '/ipns/direct.example', '-o', out, '--dns-resolver', dns.server])
    expect(get.code).toBe(0)
    expect((await readdir(out)).sort()).toEqual(['articles', 'edition', 'edition.json', 'feed.json', 'feed.xml', 'index.html', 'page'])
    expect(await readFile(join(out, 'edition.json'), 'utf8')).toBe(cat.stdout)
  })

  it('the gateway answers /ipns/<domain>/ with the edition', async () => {
    const res = await fetch(`${a.gateway}/ipns/news.example/`)
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('<h1>Newsroom</h1>')
    const feed = await fetch(`${a.gateway}/ipns/direct.example/feed.json`)
    expect(feed.status).toBe(200)
    expect((await feed.json()).items[0].id).toMatch(/^ipfs:\/\/bafy/)
  })

  it.skipIf(process.getuid?.() !== 0 || !existsSync('/usr/bin/unshare') || !['/usr/sbin/ip', '/usr/bin/ip', '/sbin/ip'].some(p => existsSync(p)))('with the system resolver: in a network namespace holding only lo, /etc/resolv.conf naming dnsmasq on 127.0.0.1:53', async () => {
    // a namespace of its own (network and mounts): nothing reaches beyond loopback, and the
    // machine's resolv.conf is untouched outside it
    const resolvConf = join(tmp.path, 'resolv.conf')
    await writeFile(resolvConf, 'nameserver 127.0.0.1\n')
    const script = [
      'set -e',
      'ip link set lo up',
      `mount --bind ${resolvConf} /etc/resolv.conf`,
      `${DNSMASQ} --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.1 --port=53 --user=root --pid-file=${join(tmp.path, 'dnsmasq.pid')} --txt-record=_dnslink.news.example,dnslink=/ipns/${edition.name}`,
      'trap \'kill $(cat ' + join(tmp.path, 'dnsmasq.pid') + ')\' EXIT',
      `"${process.execPath}" "${BIN}" --repo "${repo}" cat /ipns/news.example/edition.json`
    ].join('\n')
    const res = spawnSync('unshare', ['--net', '--mount', 'bash', '-c', script], { encoding: 'utf8', timeout: 120_000 })
    expect(res.status, res.stderr).toBe(0)
    expect(JSON.parse(res.stdout)).toMatchObject({ schema: 'ipfs-publish/edition@4' })
  })

  it('a domain without a DNSLink: a clear error, exit 3; a bad resolver: exit 2', async () => {
    const none = await cli(['--repo', repo, 'cat', '/ipns/other.example/edition.json', '--dns-resolver', dns.server])
    expect(none.code).toBe(3)
    expect(none.stderr).toBe('error: other.example has no DNSLink (no "dnslink=/ipfs/…" or "dnslink=/ipns/…" TXT record at _dnslink.other.example)\n')
    const bad = await cli(['--repo', repo, 'cat', '/ipns/news.example', '--dns-resolver', 'ftp://x'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^error: --dns-resolver "ftp:\/\/x": give a DNS-over-HTTPS URL/)
  })
})
