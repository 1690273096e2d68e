import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'
import { serve } from '../helpers/serve.js'
import type { Served } from '../helpers/serve.js'
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/chromium.js'

const XSS_TITLE = '<img src=x onerror=alert(1)>'

describe.skipIf(CHROMIUM == null)('an edition in a reader\'s browser (headless Chromium, through our gateway)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let a: Served
  let cid: string
  beforeAll(async () => {
    tmp = await tempDir()
    const repo = join(tmp.path, 'repo')
    await mkdir(join(tmp.path, 'articles'))
    await writeFile(join(tmp.path, 'articles', 'markup.md'), `---\ntitle: "${XSS_TITLE}"\ndate: 2026-11-30\n---\nThe markup body.\n`)
    expect((await cli(['--repo', repo, 'publish', SAMPLE, join(tmp.path, 'articles'), '-q'])).code).toBe(0)
    const ed = await cli(['--repo', repo, 'edition', '-q'])
    expect(ed.code).toBe(0)
    cid = ed.stdout.trim()
    a = await serve(repo)
  }, 240_000)
  afterAll(async () => { await a?.stop('SIGKILL'); await tmp.cleanup() })

  it('opens the front page at /ipfs/<cid>/, clicks an article, reads its text; a title made of markup stays text and runs nothing', async () => {
    const { chromium } = await import('playwright-core')
    const profile = await mkdtemp(join(tmpdir(), 'ipfs-publish-chromium-'))
    const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 })
    try {
      const page = browser.pages()[0] ?? await browser.newPage()
      page.setDefaultTimeout(20_000)
      const dialogs: string[] = []
      page.on('dialog', d => { dialogs.push(d.message()); void d.dismiss() })
      // without the trailing slash the gateway redirects, so that the page's relative links resolve under the CID
      await page.goto(`${a.gateway}/ipfs/${cid}`)
      expect(new URL(page.url()).pathname).toBe(`/ipfs/${cid}/`)
      await expect(page.locator('h1').textContent()).resolves.toBe('Newsroom')
      await expect(page.locator('main h2').first().textContent()).resolves.toBe(XSS_TITLE)
      expect(await page.locator('main img').count()).toBe(0)
      await page.getByText('US Joins Ukraine Peace Force Talks, Plans Ready to Act').click()
      // the title opens the article's readable page in the edition, not its house-format text
      await page.waitForURL(/\.html$/)
      expect(new URL(page.url()).pathname).toMatch(new RegExp(`^/ipfs/${cid}/articles/2025-07-11-[a-z0-9-]+\\.html$`))
      await expect(page.locator('h1').textContent()).resolves.toBe('US Joins Ukraine Peace Force Talks, Plans Ready to Act')
      await expect(page.locator('time').textContent()).resolves.toBe('2025-07-11')
      await expect(page.locator('article p').nth(1).textContent()).resolves.toMatch(/^The United States has, for the first time/)
      const text = await page.locator('body').textContent()
      expect(text).toContain('coalition of the willing')
      expect(text).not.toMatch(/## |Categories:/)
      expect(await page.locator('script').count()).toBe(0)
      // its links resolve inside the edition: back to the front page
      await page.getByText('Front page').click()
      await page.waitForURL(/index\.html$/)
      await expect(page.locator('h1').textContent()).resolves.toBe('Newsroom')
      expect(dialogs).toEqual([])
    } finally {
      await browser.close()
      await rm(profile, { recursive: true, force: true })
    }
  }, 240_000)
})
