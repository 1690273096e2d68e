import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'

describe('ls: each article once, its corrections with it', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let repo: string
  let v1: string
  let v2: string
  let v3: string
  let undated: string
  beforeAll(async () => {
    tmp = await tempDir()
    repo = join(tmp.path, 'repo')
    const story = join(tmp.path, 'story.txt')
    const publish = async (path: string): Promise<string> => {
      const res = await cli(['--repo', repo, 'publish', path, '-q'])
      expect(res.code, res.stderr).toBe(0)
      return res.stdout.trim()
    }
    const text = await readFile(SAMPLE, 'utf8')
    await writeFile(story, text)
    v1 = await publish(story)
    await writeFile(story, text.replace('first time', 'first time (corrected)'))
    v2 = await publish(story)
    await writeFile(story, text.replace('first time', 'first time (corrected twice)'))
    v3 = await publish(story)
    await writeFile(join(tmp.path, 'note.txt'), 'An undated note\n\nIts body.\n')
    undated = await publish(join(tmp.path, 'note.txt'))
  }, 120_000)
  afterAll(async () => { await tmp.cleanup() })

  it('lists the current version once, marked corrected, its earlier versions under it; undated last', async () => {
    const res = await cli(['--repo', repo, 'ls'], { cwd: tmp.path })
    expect(res.code).toBe(0)
    expect(res.stdout).toBe(
      `${v3}  2025-07-11  US Joins Ukraine Peace Force Talks, Plans Ready to Act  story.txt  [corrected]\n` +
      `  earlier 1: ${v1}  2025-07-11  US Joins Ukraine Peace Force Talks, Plans Ready to Act\n` +
      `  earlier 2: ${v2}  2025-07-11  US Joins Ukraine Peace Force Talks, Plans Ready to Act\n` +
      `${undated}  ----------  An undated note  note.txt\n`)
    expect((await cli(['--repo', repo, 'ls', '-q'])).stdout).toBe(`${v3}\n${undated}\n`)
    const json = (await cli(['--repo', repo, 'ls', '--json'], { cwd: tmp.path })).stdout.trim().split('\n').map(l => JSON.parse(l))
    expect(json).toHaveLength(2)
    expect(json[0]).toMatchObject({ cid: v3, path: 'story.txt', current: true, version: 3, versions: 3, earlier: [{ cid: v1, date: '2025-07-11' }, { cid: v2 }] })
    expect(json[1]).toMatchObject({ cid: undated, date: null, current: true, version: 1, versions: 1, earlier: [] })
  })

  it('--all-versions lists every version, each a row of its own, the current one first', async () => {
    const res = await cli(['--repo', repo, 'ls', '--all-versions'], { cwd: tmp.path })
    expect(res.code).toBe(0)
    expect(res.stdout.trim().split('\n').map(l => l.split('  ')[0] + ' ' + l.slice(l.lastIndexOf('  ') + 2))).toEqual([
      `${v3} [version 3 of 3, current]`,
      `${v2} [version 2 of 3]`,
      `${v1} [version 1 of 3]`,
      `${undated} note.txt`
    ])
    expect((await cli(['--repo', repo, 'ls', '--all-versions', '-q'])).stdout).toBe(`${v3}\n${v2}\n${v1}\n${undated}\n`)
    const json = (await cli(['--repo', repo, 'ls', '--all-versions', '--json'])).stdout.trim().split('\n').map(l => JSON.parse(l))
    expect(json.map(r => [r.cid, r.current, r.version])).toEqual([[v3, true, 3], [v2, false, 2], [v1, false, 1], [undated, true, 1]])
  })

  it('articles imported from one CAR are articles of their own, not versions of one another', async () => {
    const car = join(tmp.path, 'two.car')
    expect((await cli(['--repo', repo, 'export', v1, undated, '-o', car])).code).toBe(0)
    const other = join(tmp.path, 'other')
    expect((await cli(['--repo', other, 'import', car])).code).toBe(0)
    const json = (await cli(['--repo', other, 'ls', '--json'])).stdout.trim().split('\n').map(l => JSON.parse(l))
    expect(json.map(r => [r.cid, r.versions])).toEqual([[v1, 1], [undated, 1]])
  })
})
