import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { publish } from '../../src/index.js'
import { cli, ROOT, tempDir } from '../helpers/cli.js'

describe('large runs build bundles on a worker thread', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => {
    tmp = await tempDir()
    execFileSync(process.execPath, [join(ROOT, 'tests', 'fixtures', 'gen-articles.mjs'), '--out', join(tmp.path, 'corpus'), '--count', '600', '--seed', '3'], { stdio: 'ignore' })
  })
  afterAll(async () => { await tmp.cleanup() })

  it('and give exactly the results of building on the main thread', async () => {
    const viaWorker = await cli(['--json', 'publish', join(tmp.path, 'corpus'), '-n'], { timeout: 60_000 })
    expect(viaWorker.code).toBe(0)
    const inline = await publish([join(tmp.path, 'corpus')], { onlyHash: true, workers: false })
    const a = viaWorker.stdout.trim().split('\n').map(l => JSON.parse(l))
    expect(a).toHaveLength(600)
    expect(a.map(r => [r.cid, r.link, r.title, r.date, r.categories, r.files])).toEqual(inline.map(r => r.ok ? [r.cid, r.link, r.title, r.date, r.categories, r.files] : r.error.message))
  })

  it('--write-link with a custom gateway writes each link into its file, and publishing again gives the same CIDs', async () => {
    const { cp, readFile } = await import('node:fs/promises')
    const corpus = join(tmp.path, 'corpus-links')
    await cp(join(tmp.path, 'corpus'), corpus, { recursive: true })
    const repo = join(tmp.path, 'repo-links')
    const first = await cli(['--repo', repo, '--json', 'publish', corpus, '--write-link', '--gateway', 'https://gw.example'], { timeout: 60_000 })
    expect(first.code, first.stderr).toBe(0)
    const results = first.stdout.trim().split('\n').map(l => JSON.parse(l))
    expect(results).toHaveLength(600)
    for (const r of results.filter((_, i) => i % 97 === 0)) {
      expect(r.link).toMatch(/^https:\/\/bafy[a-z2-7]+\.ipfs\.gw\.example\//)
      expect(await readFile(r.path, 'utf8')).toContain(`[Download IPFS](${r.link})`)
    }
    const again = await cli(['--repo', repo, '--json', 'publish', corpus, '--gateway', 'https://gw.example'], { timeout: 60_000 })
    expect(again.stdout.trim().split('\n').map(l => JSON.parse(l).cid)).toEqual(results.map(r => r.cid))
  }, 240_000)
})
