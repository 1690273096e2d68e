// The GitHub Action (action.yml), its steps run as Actions would run them (tests/helpers/actions.ts),
// on a sample newsroom repository with loopback services: a pinning service (the reference mock) and
// a node of ours that the mock names as its delegate.
import { execFileSync } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runAction } from '../helpers/actions.js'
import { cli, ROOT, tempDir } from '../helpers/cli.js'
import { psaServer } from '../helpers/psa-server.js'
import { serve } from '../helpers/serve.js'
import type { Served } from '../helpers/serve.js'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

const { setup } = createRequire(import.meta.url)('mock-ipfs-pinning-service')
const TOKEN = 'tok-action-7f3e9d-never-printed'

/** An article the mock pinning service pins (it decides by the pin's name: the slug starts with "pinned"). */
const article = (title: string, day: number): string => `## ${title}\n\nJuly ${day}, 2025\n\n— Categories: World\n\nText of ${title}.\n\n[Download IPFS](#)`

describe('the GitHub Action', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let ws: string
  let before: string
  let delegate: Served
  let mock: { url: string, server: Server }
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: ws, encoding: 'utf8' }).trim()
  const commitArticle = async (name: string, text: string): Promise<string> => {
    await writeFile(join(ws, 'articles', name), text)
    const r = await cli(['publish', 'articles/', '-n', '--manifest', 'ipfs-manifest.json'], { cwd: ws })
    expect(r.code, r.stderr).toBe(0)
    git('add', '-A')
    git('commit', '-q', '-m', `add ${name}`)
    return git('rev-parse', 'HEAD')
  }

  beforeAll(async () => {
    tmp = await tempDir()
    ws = join(tmp.path, 'newsroom')
    await mkdir(join(ws, 'articles'), { recursive: true })
    git('init', '-q', '-b', 'main')
    git('config', 'user.email', 'ci@example.org')
    git('config', 'user.name', 'CI')
    // what was published before the push
    before = await commitArticle('a.txt', article('Pinned Alpha', 1))
    // one push, two commits
    await commitArticle('b.txt', article('Pinned Bravo', 2))
    await commitArticle('c.txt', article('Pinned Charlie', 3))
    delegate = await serve(join(tmp.path, 'delegate'), [], 240_000)
    const app = await setup({ token: TOKEN, delegates: delegate.multiaddrs[0], loglevel: 'error' })
    const server: Server = await new Promise(resolve => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
    mock = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
  }, 240_000)
  afterAll(async () => {
    await delegate?.stop('SIGKILL')
    mock?.server.closeAllConnections()
    await new Promise(resolve => mock?.server.close(resolve))
    await tmp.cleanup()
  })

  it('publish mode on a push of two commits: both commits\' articles published and pinned; outputs and summary list them', async () => {
    const run = await runAction(ROOT, ws, { mode: 'publish', 'pin-services': mock.url, 'pin-token': TOKEN, net: 'local', 'pin-timeout': '60s', repo: join(tmp.path, 'runner-repo') }, { github: { event: { before } } })
    expect(run.code, run.log).toBe(0)
    const cids = JSON.parse(run.outputs.cids)
    const links = JSON.parse(run.outputs.links)
    expect(Object.keys(cids).sort()).toEqual(['articles/b.txt', 'articles/c.txt'])
    const manifest = JSON.parse(await readFile(join(ws, 'ipfs-manifest.json'), 'utf8'))
    expect(cids['articles/b.txt']).toBe(manifest['articles/b.txt'].cid)
    expect(cids['articles/c.txt']).toBe(manifest['articles/c.txt'].cid)
    expect(links['articles/c.txt']).toBe(manifest['articles/c.txt'].link)
    for (const cid of Object.values<string>(cids)) {
      expect(run.summary).toContain(`\`${cid}\``)
      const ls = await cli(['pin', 'remote', 'ls', '--service-url', mock.url, '--cid', cid, '--status', 'pinned'], { env: { IPFS_PINNING_TOKEN: TOKEN } })
      expect(ls.stdout).toContain(cid)
    }
    expect(run.summary).toMatch(/\| articles\/b\.txt \| `bafy[a-z0-9]+` \| \[Download IPFS\]\(https:\/\/[^)]+\) \| pinned \|/)
    expect(run.log + run.summary).not.toContain(TOKEN)
  }, 240_000)

  it('publish mode when nothing changed since the given revision: nothing is published, empty outputs', async () => {
    const run = await runAction(ROOT, ws, { mode: 'publish', since: git('rev-parse', 'HEAD'), repo: join(tmp.path, 'runner-repo-2') })
    expect(run.code, run.log).toBe(0)
    expect(run.outputs.cids).toBe('{}')
    expect(run.summary).toContain('No article changed')
  }, 240_000)

  it('verify-from: the round trip runs after publishing; a source without the articles fails the job and is in the summary', async () => {
    const run = await runAction(ROOT, ws, { mode: 'publish', 'verify-from': delegate.gateway, 'verify-retry-for': '1s', net: 'local', repo: join(tmp.path, 'runner-repo-3') }, { github: { event: { before } } })
    expect(run.code).toBe(3)
    expect(run.summary).toContain(`| ${delegate.gateway} | unreachable`)
    // the results were still reported before the check failed
    expect(Object.keys(JSON.parse(run.outputs.cids)).sort()).toEqual(['articles/b.txt', 'articles/c.txt'])
  }, 240_000)

  it('check mode (pull requests, no secrets): passes on a matching manifest, fails on a stale one and publishes nothing', async () => {
    const ok = await runAction(ROOT, ws, {})
    expect(ok.code, ok.log).toBe(0)
    expect(ok.steps.publish.outcome).toBe('skipped')
    await writeFile(join(ws, 'articles', 'c.txt'), article('Pinned Charlie, corrected', 3))
    try {
      const stale = await runAction(ROOT, ws, { mode: 'publish', 'pin-services': mock.url, 'pin-token': TOKEN })
      expect(stale.code).toBe(1)
      expect(stale.log).toMatch(/articles\/c\.txt: CID differs from ipfs-manifest\.json/)
      expect(stale.log).toContain('::error::ipfs-manifest.json does not match the articles')
      expect(stale.steps.publish.outcome).toBe('skipped')
    } finally {
      git('checkout', '--', 'articles/c.txt')
    }
  }, 240_000)

  it('a service that keeps one article queued: the others are pinned in the same run; the next run, with nothing changed, retries it and its summary says so', async () => {
    const psa = await psaServer(TOKEN)
    try {
      const manifest = JSON.parse(await readFile(join(ws, 'ipfs-manifest.json'), 'utf8'))
      const stuck = manifest['articles/c.txt'].cid
      psa.held.add(stuck)
      const inputs = { mode: 'publish', 'pin-services': psa.url, 'pin-token': TOKEN, net: 'local', 'pin-timeout': '5s', repo: join(tmp.path, 'runner-repo-5') }
      const first = await runAction(ROOT, ws, inputs, { github: { event: { before } } })
      expect(first.code, first.log).toBe(1)
      expect(first.summary).toMatch(/\| articles\/b\.txt \| `bafy[a-z0-9]+` \| \[Download IPFS\]\([^)]+\) \| pinned \|/)
      expect(first.summary).toMatch(/\| articles\/c\.txt \| `bafy[a-z0-9]+` \| \[Download IPFS\]\([^)]+\) \| failed \(timed out waiting for the service to pin it \(last status: queued\)\) \|/)
      // a.txt, published before this push and never pinned on this service: asked for in the same run
      expect(first.summary).toMatch(/#### Retried[\s\S]*\| articles\/a\.txt \| `bafy[a-z0-9]+` \| \[Download IPFS\]\([^)]+\) \| pinned \|/)
      expect([...psa.posted].sort()).toEqual([manifest['articles/a.txt'].cid, manifest['articles/b.txt'].cid, stuck].sort())

      // the service gets to it; the next push changes no article: the stuck one is retried (its request reused), the rest left alone
      psa.held.clear()
      const second = await runAction(ROOT, ws, { ...inputs, repo: join(tmp.path, 'runner-repo-6') }, { github: { event: { before: git('rev-parse', 'HEAD') } } })
      expect(second.code, second.log).toBe(0)
      expect(second.outputs.cids).toBe('{}')
      expect(second.summary).toContain('No article changed.')
      expect(second.summary).toMatch(/#### Retried[\s\S]*\| articles\/c\.txt \| `bafy[a-z0-9]+` \| \[Download IPFS\]\([^)]+\) \| pinned \|/)
      expect(second.summary).not.toMatch(/\| articles\/[ab]\.txt \|/)
      expect(second.summary).toContain('2 other article(s) of the manifest already pinned on every target.')
      expect(psa.posted).toHaveLength(3)
      expect(first.log + first.summary + second.log + second.summary).not.toContain(TOKEN)
    } finally {
      await psa.close()
    }
  }, 240_000)
})
