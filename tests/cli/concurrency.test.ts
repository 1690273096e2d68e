import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'

const SETS = ['s1', 's2', 's3', 's4']

describe('four publish processes on one repo at once', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => {
    tmp = await tempDir()
    for (const set of SETS) await mkdir(join(tmp.path, set), { recursive: true })
    for (let i = 0; i < 40; i++) {
      const text = `## Story ${i}\n\nMay ${1 + (i % 28)}, 2024\n\n— Categories: Test\n\nText of story ${i}.\n\n[Download IPFS](#)`
      // overlapping sets: every story is in three of the four
      for (const set of SETS.filter((_, k) => k !== i % 4)) await writeFile(join(tmp.path, set, `story-${i}.txt`), text)
    }
    await copyFile(SAMPLE, join(tmp.path, 's1', 'sample.txt'))
  })
  afterAll(async () => { await tmp.cleanup() })

  it('wait for each other and leave every article pinned and verifiable', async () => {
    const repo = join(tmp.path, 'repo')
    const runs = await Promise.all(SETS.map(async set => cli(['--repo', repo, 'publish', join(tmp.path, set), '-q'])))
    for (const r of runs) {
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
    }
    const cids = new Set(runs.flatMap(r => r.stdout.trim().split('\n')))
    expect(cids.size).toBe(41)
    const listed = (await cli(['--repo', repo, 'ls', '-q'])).stdout.trim().split('\n')
    expect(new Set(listed)).toEqual(cids)
    const all = await cli(['--repo', repo, 'verify', '--all'])
    expect(all.code).toBe(0)
    expect(JSON.parse((await cli(['--repo', repo, 'stat', '--json'])).stdout)).toMatchObject({ pins: 41, articles: 41 })
  })
})
