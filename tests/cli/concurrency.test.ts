import { spawn } from 'node:child_process'
import { copyFile, cp, mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'
import { track } from '../helpers/processes.js'

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

describe('several processes making the same new repo at once', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { tmp = await tempDir() })
  afterAll(async () => { await tmp.cleanup() })

  it('a process that finds the repo being made waits for its maker, then uses it (deterministic: the maker is simulated)', async () => {
    const repo = join(tmp.path, 'being-made')
    const donor = join(tmp.path, 'donor')
    expect((await cli(['--repo', donor, 'publish', SAMPLE, '-q'])).code).toBe(0)
    // what a maker leaves mid-way: its claim (a live pid) and an LMDB file not written yet
    const maker = track(spawn('sleep', ['60']))
    await mkdir(join(repo, 'lmdb'), { recursive: true })
    await writeFile(join(repo, 'lmdb', 'data.mdb'), '')
    await writeFile(join(repo, 'repo.json.creating'), `${maker.pid}\n`)
    let said = ''
    const waiting = cli(['--repo', repo, 'publish', SAMPLE], { onStderr: (text) => { said += text } })
    // until the publish says that it waits (after a second of waiting): not a fixed sleep, so that
    // a loaded machine only makes it slower
    const started = Date.now()
    while (!/waiting for process/.test(said) && Date.now() - started < 120_000) await new Promise(resolve => setTimeout(resolve, 50))
    // the maker finishes: the whole repo in place, then its claim removed
    await rm(join(repo, 'lmdb'), { recursive: true })
    await cp(join(donor, 'lmdb'), join(repo, 'lmdb'), { recursive: true })
    await copyFile(join(donor, 'repo.json'), join(repo, 'repo.json'))
    await rm(join(repo, 'repo.json.creating'))
    maker.kill('SIGKILL')
    const r = await waiting
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/^waiting for process \d+ to finish making the repo at /m)
    expect(r.stderr).not.toMatch(/damaged/)
  })

  it('one makes it, the others wait for it and use it: every one succeeds, nobody finds it "damaged"', async () => {
    for (let round = 0; round < 6; round++) {
      const repo = join(tmp.path, `new-${round}`)
      const runs = await Promise.all(Array.from({ length: 5 }, async () => cli(['--repo', repo, 'publish', SAMPLE, '-q'])))
      for (const r of runs) {
        expect(r.stderr, `round ${round}`).toBe('')
        expect(r.code).toBe(0)
      }
      expect(new Set(runs.map(r => r.stdout.trim())).size).toBe(1)
      expect((await cli(['--repo', repo, 'verify', '--all'])).code).toBe(0)
      expect((await cli(['--repo', repo, 'pin', 'ls', '-q'])).stdout.trim()).toBe(runs[0].stdout.trim())
    }
  })
})
