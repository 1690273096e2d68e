import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'

describe('several publish processes on one repo', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => {
    tmp = await tempDir()
    for (const set of ['s1', 's2', 's3']) await mkdir(join(tmp.path, set), { recursive: true })
    for (let i = 0; i < 30; i++) {
      const text = `## Story ${i}\n\nMay ${1 + (i % 28)}, 2024\n\n— Categories: Test\n\nText of story ${i}.\n\n[Download IPFS](#)`
      // overlapping sets: every story is in two of the three
      for (const set of ['s1', 's2', 's3'].filter((_, k) => k !== i % 3)) await writeFile(join(tmp.path, set, `story-${i}.txt`), text)
    }
    await copyFile(SAMPLE, join(tmp.path, 's1', 'sample.txt'))
  })
  afterAll(async () => { await tmp.cleanup() })

  it('wait for each other and leave every article pinned and verifiable', async () => {
    const repo = join(tmp.path, 'repo')
    const runs = await Promise.all(['s1', 's2', 's3'].map(async set => cli(['--repo', repo, 'publish', join(tmp.path, set), '-q'])))
    for (const r of runs) {
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
    }
    const cids = new Set(runs.flatMap(r => r.stdout.trim().split('\n')))
    expect(cids.size).toBe(31)
    const listed = (await cli(['--repo', repo, 'ls', '-q'])).stdout.trim().split('\n')
    expect(new Set(listed)).toEqual(cids)
    for (const cid of cids) expect((await cli(['--repo', repo, 'verify', cid])).code).toBe(0)
  })
})
