import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, ROOT, SAMPLE, tempDir } from '../helpers/cli.js'
import type { ChildProcess } from 'node:child_process'
import { track } from '../helpers/processes.js'
import { editionContent } from '../helpers/edition.js'

const FIXTURE = join(ROOT, 'tests', 'fixtures', 'pinning-node.mjs')
const TOKEN = 'e2e-token-7c1d'

describe('end to end: a real Helia node stands in for the pinning service', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let service: ChildProcess
  let ready: { url: string, multiaddrs: string[] }
  beforeAll(async () => {
    tmp = await tempDir()
    service = track(spawn(process.execPath, [FIXTURE, '--repo', join(tmp.path, 'service'), '--token', TOKEN, '--ttl', '120'], { stdio: ['ignore', 'pipe', 'inherit'] }))
    ready = await new Promise((resolve, reject) => {
      let out = ''
      const t = setTimeout(() => reject(new Error('the pinning node did not start')), 30_000)
      service.stdout!.on('data', (d: Buffer) => { out += d.toString(); const nl = out.indexOf('\n'); if (nl !== -1) { clearTimeout(t); resolve(JSON.parse(out.slice(0, nl))) } })
    })
  })
  afterAll(async () => { service?.kill('SIGKILL'); await tmp.cleanup() })

  it('publish --pin-remote waits until every block arrived at the service; after the publisher stops, the article is fetched from the service, verified', async () => {
    const publisher = join(tmp.path, 'publisher')
    const res = await cli(['--repo', publisher, '--json', 'publish', SAMPLE, '--pin-remote-url', ready.url, '--net', 'local', '--pin-timeout', '60s'], { env: { IPFS_PINNING_TOKEN: TOKEN }, timeout: 90_000 })
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    const lines = res.stdout.trim().split('\n').map(l => JSON.parse(l))
    const cid = lines[0].cid
    expect(lines.at(-1)).toMatchObject({ cid, status: 'pinned' })
    // the publisher has exited: only the service has the blocks now
    const out = join(tmp.path, 'from-service')
    const got = await cli(['--repo', join(tmp.path, 'reader'), 'get', cid, '--peer', ready.multiaddrs[0], '--net', 'local', '-o', out, '--timeout', '30s'], { timeout: 60_000 })
    expect(got.code).toBe(0)
    expect(Buffer.compare(await readFile(join(out, 'article.txt')), await readFile(SAMPLE))).toBe(0)
    expect(res.stdout + res.stderr + got.stdout + got.stderr).not.toContain(TOKEN)
  }, 240_000)

  it('edition --pin-remote-url: the service fetches the edition from the runner, which serves it until pinned; afterwards the service alone serves it whole', async () => {
    const runner = join(tmp.path, 'edition-runner')
    expect((await cli(['--repo', runner, 'publish', SAMPLE, '-q'])).code).toBe(0)
    const res = await cli(['--repo', runner, '--json', 'edition', '--pin-remote-url', ready.url, '--net', 'local', '--pin-timeout', '60s'], { env: { IPFS_PINNING_TOKEN: TOKEN }, timeout: 90_000 })
    expect(res.code, res.stderr).toBe(0)
    const lines = res.stdout.trim().split('\n').map(l => JSON.parse(l))
    const edition = lines.at(-1)
    expect(lines.find(l => l.target != null)).toMatchObject({ cid: edition.cid, status: 'pinned', target: ready.url })
    // the runner has exited: the whole edition (pages, feeds, the article's bundle) comes from the service
    const out = join(tmp.path, 'edition-from-service')
    const got = await cli(['--repo', join(tmp.path, 'edition-reader'), 'get', edition.cid, '--peer', ready.multiaddrs[0], '--net', 'local', '-o', out, '--timeout', '30s'], { timeout: 60_000 })
    expect(got.code, got.stderr).toBe(0)
    expect((await editionContent(async p => await readFile(join(out, p), 'utf8'))).articles).toHaveLength(1)
    expect(res.stdout + res.stderr).not.toContain(TOKEN)
  }, 240_000)
})
