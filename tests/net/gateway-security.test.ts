// What a hostile bundle can do to the gateway's index page and origin, in a real browser.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'
import { serve } from '../helpers/serve.js'
import type { Served } from '../helpers/serve.js'
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/chromium.js'

const HOSTILE_NAME = 'x?filename="><img src=x onerror=alert(document.domain)>'
const HOSTILE_TITLE = '<img src=x onerror=alert(1)><script>alert(2)</script>'

describe('hostile bundles and the gateway', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let a: Served
  let hostile: string
  let page: string
  beforeAll(async () => {
    tmp = await tempDir()
    // a bundle whose file name and title are markup: its metadata.json checks out
    const bundle = join(tmp.path, 'bundle')
    await mkdir(bundle)
    const text = await readFile(SAMPLE)
    const { createHash } = await import('node:crypto')
    await writeFile(join(bundle, HOSTILE_NAME), text)
    await writeFile(join(bundle, 'metadata.json'), JSON.stringify({ schema: 'ipfs-publish/article-metadata@1', title: HOSTILE_TITLE, date: '2025-07-11', categories: ['<b>x</b>'], slug: '"><script>alert(3)</script>', wordCount: 1, file: { name: HOSTILE_NAME, bytes: text.length, mediaType: 'text/plain; charset=utf-8', sha256: createHash('sha256').update(text).digest('hex') } }))
    // and a page that tries to script the gateway's own origin
    const site = join(tmp.path, 'site')
    await mkdir(site)
    await writeFile(join(site, 'index.html'), '<!doctype html><title>evil</title><script>document.title = "scripted:" + (function () { try { return String(window.parent.document.cookie) + localStorage.length } catch (e) { return "blocked" } })()</script>')
    const scratch = join(tmp.path, 'scratch')
    hostile = (await cli(['--repo', scratch, 'add', bundle, '-q'])).stdout.trim()
    page = (await cli(['--repo', scratch, 'add', site, '-q'])).stdout.trim()
    const car = join(tmp.path, 'hostile.car')
    expect((await cli(['--repo', scratch, 'export', hostile, page, '-o', car])).code).toBe(0)
    const repo = join(tmp.path, 'repo')
    await cli(['--repo', repo, 'publish', SAMPLE, '-q'])
    const imported = await cli(['--repo', repo, 'import', car, '--json'])
    expect(JSON.parse(imported.stdout).articles).toContain(hostile)
    a = await serve(repo)
  })
  afterAll(async () => { await a?.stop('SIGKILL'); await tmp.cleanup() })

  it('the index page carries the hostile values only escaped, and links are encoded', async () => {
    const html = await (await fetch(`${a.gateway}/`)).text()
    expect(html).not.toContain('<img')
    expect(html).not.toContain('<script')
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(html).toContain(`/ipfs/${hostile}/${encodeURIComponent(HOSTILE_NAME)}?filename=`)
  })

  it('content under /ipfs/ is served in a sandbox, away from the gateway\'s origin', async () => {
    const res = await fetch(`${a.gateway}/ipfs/${page}/index.html`)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(res.headers.get('content-security-policy')).toMatch(/^sandbox\b/)
    expect(res.headers.get('content-security-policy')).not.toMatch(/allow-same-origin|allow-scripts/)
  })

  it.skipIf(CHROMIUM == null)('in Chromium, the index page and a pinned page run no script', async () => {
    const { chromium } = await import('playwright-core')
    const profile = await mkdtemp(join(tmpdir(), 'ipfs-publish-chromium-'))
    const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 })
    try {
      const p = browser.pages()[0] ?? await browser.newPage()
      p.setDefaultTimeout(20_000)
      const dialogs: string[] = []
      p.on('dialog', d => { dialogs.push(d.message()); void d.dismiss() })
      await p.goto(`${a.gateway}/`)
      await expect(p.locator('li strong').allTextContents()).resolves.toContain(HOSTILE_TITLE)
      await p.waitForTimeout(300)
      expect(dialogs).toEqual([])
      await p.goto(`${a.gateway}/ipfs/${page}/index.html`)
      await p.waitForTimeout(300)
      expect(await p.title()).toBe('evil')
      expect(dialogs).toEqual([])
    } finally {
      await browser.close()
      await rm(profile, { recursive: true, force: true })
    }
  }, 240_000)
})
