// Titles and names from imported CARs (and file names) never reach a terminal raw.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'

const TITLE = 'Retitled\u001b]0;owned\u0007 cleared\u001b[2J\nbafyFAKE  2099-01-01  Forged line\u202e'

describe('result lines carry no control characters from content', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let repo: string
  let cid: string
  beforeAll(async () => {
    tmp = await tempDir()
    const bundle = join(tmp.path, 'bundle')
    await mkdir(bundle)
    const text = await readFile(SAMPLE)
    await writeFile(join(bundle, 'article.txt'), text)
    await writeFile(join(bundle, 'metadata.json'), JSON.stringify({ schema: 'ipfs-publish/article-metadata@1', title: TITLE, date: '2025-07-11\u001b[1m', categories: [], slug: 'x', wordCount: 1, file: { name: 'article.txt', bytes: text.length, mediaType: 'text/plain; charset=utf-8', sha256: createHash('sha256').update(text).digest('hex') } }))
    const scratch = join(tmp.path, 'scratch')
    cid = (await cli(['--repo', scratch, 'add', bundle, '-q'])).stdout.trim()
    const car = join(tmp.path, 'a.car')
    await cli(['--repo', scratch, 'export', cid, '-o', car])
    repo = join(tmp.path, 'repo')
    expect((await cli(['--repo', repo, 'import', car])).code).toBe(0)
  })
  afterAll(async () => { await tmp.cleanup() })

  for (const args of [['ls'], ['pin', 'ls']]) {
    it(`${args.join(' ')}: one line per entry, no escape sequence, nothing forged`, async () => {
      const out = (await cli(['--repo', repo, ...args])).stdout
      expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/)
      const lines = out.trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0].startsWith(cid)).toBe(true)
      expect(lines[0]).toContain('Retitled?]0;owned? cleared?[2J?bafyFAKE')
    })
  }

  it('--json keeps the title exactly, escaped by JSON', async () => {
    const out = (await cli(['--repo', repo, 'ls', '--json'])).stdout.trim()
    expect(JSON.parse(out).title).toBe(TITLE)
  })

  it('publish of a file whose name holds an escape sequence prints it harmlessly', async () => {
    const dir = join(tmp.path, 'names')
    await mkdir(dir)
    const name = join(dir, 'evil\u001b[2J\nname.txt')
    await writeFile(name, await readFile(SAMPLE))
    const res = await cli(['--repo', repo, 'publish', dir])
    expect(res.code).toBe(0)
    expect(res.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/)
    expect(res.stdout.trim().split('\n')).toHaveLength(2)
  })
})
