import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openRepo, publish, publishArticles, verify, ls } from '../../src/index.js'
import { SAMPLE, tempDir } from '../helpers/cli.js'

describe('library API', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => {
    tmp = await tempDir()
    await mkdir(join(tmp.path, 'articles'), { recursive: true })
    for (let i = 0; i < 5; i++) await writeFile(join(tmp.path, 'articles', `a${i}.txt`), `## Article ${i}\n\nJune ${i + 1}, 2025\n\n— Categories: Test\n\nBody ${i}.\n\n[Download IPFS](#)`)
    await copyFile(SAMPLE, join(tmp.path, 'articles', 'sample.txt'))
  })
  afterAll(async () => { await tmp.cleanup() })

  it('publish() opens the repo, publishes, closes; results are verifiable', async () => {
    const repoPath = join(tmp.path, 'repo')
    const results = await publish([join(tmp.path, 'articles')], { repo: repoPath })
    expect(results).toHaveLength(6)
    expect(results.every(r => r.ok)).toBe(true)
    const repo = await openRepo(repoPath)
    try {
      for (const r of results) if (r.ok) expect((await verify(r.cid, repo.blockstore)).bundle).toBe(true)
      expect((await ls(repo)).map(r => r.title)).toContain('Article 4')
      const pins = []
      for await (const p of repo.helia.pins.ls()) pins.push(p.cid.toString())
      expect(pins.sort()).toEqual(results.map(r => r.ok ? r.cid : '').sort())
    } finally {
      await repo.close()
    }
  })

  it('emits progress events from the core', async () => {
    const events: string[] = []
    await publish([join(tmp.path, 'articles')], { onlyHash: true, onProgress: e => { events.push(e.type) } })
    expect(events[0]).toBe('article:publish:found')
    expect(events.filter(t => t === 'article:publish:done')).toHaveLength(6)
  })

  it('stops on an aborted signal with an AbortError', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(publish([join(tmp.path, 'articles')], { onlyHash: true, signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('stops mid-batch when the signal fires, having committed what it yielded', async () => {
    const repo = await openRepo(join(tmp.path, 'repo-abort'))
    const controller = new AbortController()
    const yielded: string[] = []
    try {
      await expect((async () => {
        for await (const r of publishArticles([join(tmp.path, 'articles')], repo, { signal: controller.signal })) {
          if (r.ok) yielded.push(r.cid)
          controller.abort()
        }
      })()).rejects.toMatchObject({ name: 'AbortError' })
    } finally {
      await repo.close()
    }
    // it stopped at once: the first result, not the six
    expect(yielded).toHaveLength(1)
    // what was yielded is committed: pinned and whole after the repo is opened again
    const again = await openRepo(join(tmp.path, 'repo-abort'))
    try {
      const pins: string[] = []
      for await (const p of again.helia.pins.ls()) pins.push(p.cid.toString())
      for (const cid of yielded) {
        expect(pins).toContain(cid)
        expect((await verify(cid, again.blockstore)).bundle).toBe(true)
      }
    } finally {
      await again.close()
    }
  })
})
