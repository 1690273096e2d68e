import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, ROOT, SAMPLE, tempDir } from '../helpers/cli.js'
import { serve } from '../helpers/serve.js'
import type { Served } from '../helpers/serve.js'
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/chromium.js'



describe.skipIf(CHROMIUM == null)('a reader\'s browser (headless Chromium)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let a: Served
  beforeAll(async () => {
    tmp = await tempDir()
    const repo = join(tmp.path, 'repo')
    expect((await cli(['--repo', repo, 'publish', SAMPLE, '-q'])).code).toBe(0)
    a = await serve(repo)
  })
  afterAll(async () => { await a?.stop('SIGKILL'); await tmp.cleanup() })

  it('opens the index page, clicks Download IPFS, and gets the article byte for byte', async () => {
    const { chromium } = await import('playwright-core')
    const profile = await mkdtemp(join(tmpdir(), 'ipfs-publish-chromium-'))
    // a fresh profile folder for every run (Playwright passes it as --user-data-dir)
    const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, acceptDownloads: true, timeout: 30_000 })
    try {
      const page = browser.pages()[0] ?? await browser.newPage()
      page.setDefaultTimeout(20_000)
      await page.goto(a.gateway + '/')
      await expect(page.locator('h1').textContent()).resolves.toBe('Articles')
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByText('Download IPFS').first().click()])
      expect(download.suggestedFilename()).toBe('us-joins-ukraine-peace-force-talks-plans-ready-to-act.txt')
      const saved = join(tmp.path, 'downloaded.txt')
      await download.saveAs(saved)
      expect(Buffer.compare(await readFile(saved), await readFile(SAMPLE))).toBe(0)
      const shots = join(ROOT, 'tests', 'artifacts')
      await mkdir(shots, { recursive: true })
      await page.screenshot({ path: join(shots, 'gateway-index.png') })
    } finally {
      await browser.close()
      await rm(profile, { recursive: true, force: true })
    }
  }, 240_000)
})
