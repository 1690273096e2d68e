// `-` means standard input: `add -` adds the bytes read there as one file (as Kubo's
// `ipfs add` does), `publish - --name story.txt` publishes the article read there.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, ROOT, SAMPLE, tempDir } from '../helpers/cli.js'

const IPFS_CAR = join(ROOT, 'node_modules', 'ipfs-car', 'bin.js')

describe('- reads standard input', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let file: string
  let bytes: Buffer
  beforeAll(async () => {
    tmp = await tempDir()
    bytes = randomBytes(3 * 1024 * 1024 + 17)
    file = join(tmp.path, 'data.bin')
    await writeFile(file, bytes)
  })
  afterAll(async () => { await tmp.cleanup() })

  it('add - stores the bytes from stdin as one file: the CID ipfs-car gives that file; only it is pinned', async () => {
    const repo = join(tmp.path, 'add-repo')
    // run from a folder with other content: `-` must not mean "this folder"
    const r = await cli(['--repo', repo, 'add', '-'], { input: bytes, cwd: tmp.path })
    expect(r.code).toBe(0)
    const car = join(tmp.path, 'data.car')
    execFileSync(process.execPath, [IPFS_CAR, 'pack', file, '--no-wrap', '--output', car], { stdio: 'ignore' })
    const peer = execFileSync(process.execPath, [IPFS_CAR, 'roots', car], { encoding: 'utf8' }).trim()
    expect(r.stdout.trim()).toBe(peer)
    const pins = (await cli(['--repo', repo, 'pin', 'ls', '-q'])).stdout.trim().split('\n')
    expect(pins).toEqual([peer])
    const back = (await cli(['--repo', repo, 'cat', peer])).stdoutBytes
    expect(Buffer.compare(back, bytes)).toBe(0)
  })

  it('add takes several paths, stdin among them: one CID per path, in order', async () => {
    const repo = join(tmp.path, 'multi-repo')
    const one = (await cli(['add', '-n', SAMPLE])).stdout.trim()
    const two = (await cli(['add', '-n', file])).stdout.trim()
    const r = await cli(['--repo', repo, 'add', SAMPLE, '-', join(ROOT, 'articles')], { input: bytes })
    expect(r.code).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[0]).toBe(one)
    expect(lines[1]).toBe(two)
    expect(lines[2]).toBe((await cli(['add', '-n', join(ROOT, 'articles')])).stdout.trim())
    const json = await cli(['--repo', repo, 'add', '--json', '-'], { input: bytes })
    expect(JSON.parse(json.stdout)).toEqual({ path: '-', cid: two, bytes: bytes.length })
  })

  it('publish - --name: the article from stdin, the same CID as its file, reported under that name', async () => {
    const repo = join(tmp.path, 'pub-repo')
    const article = await readFile(SAMPLE)
    const fromFile = (await cli(['publish', '-n', '--json', SAMPLE])).stdout
    const r = await cli(['--repo', repo, 'publish', '--json', '-', '--name', 'story.txt'], { input: article })
    expect(r.code).toBe(0)
    const result = JSON.parse(r.stdout)
    expect(result.cid).toBe(JSON.parse(fromFile).cid)
    expect(result.path).toBe('story.txt')
    expect((await cli(['--repo', repo, 'pin', 'ls', '-q'])).stdout.trim()).toBe(result.cid)
  })

  it('publish - without --name, or with a name that is not a file name: exit 2, one error line, nothing stored', async () => {
    const repo = join(tmp.path, 'bad-repo')
    const article = await readFile(SAMPLE)
    for (const args of [['-'], ['-', '--name', '../story.txt'], ['-', '--name', 'story.pdf'], ['-', '-', '--name', 'a.txt'], [SAMPLE, '--name', 'a.txt']]) {
      const r = await cli(['--repo', repo, 'publish', ...args], { input: article })
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(/^error: [^\n]+\n$/)
    }
    const empty = await cli(['--repo', repo, 'publish', '-', '--name', 'empty.txt'], { input: '' })
    expect(empty.code).toBe(1)
    expect(empty.stderr).toMatch(/^error: empty\.txt: /)
    expect((await cli(['--repo', repo, 'pin', 'ls', '-q'])).stdout).toBe('')
  })
})
