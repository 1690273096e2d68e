// Small things a new user trips over (issue #12, item 9), each as a user meets it.
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, ROOT, SAMPLE, tempDir } from '../helpers/cli.js'

describe('small defects', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let repo: string
  let bundle: string
  let fileCid: string
  let bytes: Buffer
  beforeAll(async () => {
    tmp = await tempDir()
    repo = join(tmp.path, 'repo')
    bundle = JSON.parse((await cli(['--repo', repo, '--json', 'publish', SAMPLE])).stdout).cid
    bytes = randomBytes(2 * 1024 * 1024 + 5)
    await writeFile(join(tmp.path, 'data.bin'), bytes)
    fileCid = (await cli(['--repo', repo, 'add', join(tmp.path, 'data.bin')])).stdout.trim()
  })
  afterAll(async () => { await tmp.cleanup() })

  it('get -o - writes a file CID to stdout (no file named "-"); a folder is refused with exit 2', async () => {
    const out = await cli(['--repo', repo, 'get', fileCid, '-o', '-'], { cwd: tmp.path })
    expect(out.code).toBe(0)
    expect(Buffer.compare(out.stdoutBytes, bytes)).toBe(0)
    await expect(readFile(join(tmp.path, '-'))).rejects.toThrow()
    const dir = await cli(['--repo', repo, 'get', bundle, '-o', '-'], { cwd: tmp.path })
    expect(dir.code).toBe(2)
    expect(dir.stdout).toBe('')
    expect(dir.stderr).toMatch(/^error: [^\n]*is a folder[^\n]*\n$/)
  })

  it('cat <cid>/article.txt prints that file; a missing name is exit 3, a dot segment exit 2', async () => {
    const r = await cli(['--repo', repo, 'cat', `${bundle}/article.txt`])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(await readFile(SAMPLE, 'utf8'))
    const meta = await cli(['--repo', repo, 'cat', `/ipfs/${bundle}/metadata.json`])
    expect(JSON.parse(meta.stdout).schema).toMatch(/^ipfs-publish\/article-metadata@/)
    const missing = await cli(['--repo', repo, 'cat', `${bundle}/nope.txt`])
    expect(missing.code).toBe(3)
    expect(missing.stderr).toMatch(/^error: [^\n]*nope\.txt[^\n]*\n$/)
    expect((await cli(['--repo', repo, 'cat', `${bundle}/../x`])).code).toBe(2)
  })

  it('ls --json prints paths as publish --json does: relative to the working folder', async () => {
    const work = join(tmp.path, 'work')
    await mkdir(join(work, 'articles'), { recursive: true })
    await writeFile(join(work, 'articles', 'a.txt'), await readFile(SAMPLE))
    const r2 = join(tmp.path, 'repo2')
    const published = JSON.parse((await cli(['--repo', r2, '--json', 'publish', 'articles/a.txt'], { cwd: work })).stdout)
    const listed = JSON.parse((await cli(['--repo', r2, '--json', 'ls'], { cwd: work })).stdout)
    expect(published.path).toBe('articles/a.txt')
    expect(listed.path).toBe('articles/a.txt')
  })

  it('help shows sizes as sizes and required lists without a default', async () => {
    for (const args of [['publish', '--help'], ['add', '--help'], ['pin', 'add', '--help'], ['pin', 'rm', '--help']]) {
      const r = await cli(args)
      expect(r.code).toBe(0)
      expect(r.stdout, args.join(' ')).not.toContain('[default: []]')
      expect(r.stdout).not.toContain('16777216')
    }
    expect((await cli(['publish', '--help'])).stdout).toMatch(/--max-size[^\n]*\n[^\n]*\[default: 16 MiB\]/)
  })

  it('the library names its options, the CLI its flags, in the same message', async () => {
    const { publish } = await import('../../src/index.js')
    const [lib] = await publish([SAMPLE], { onlyHash: true, maxBytes: 10 })
    expect(lib.ok).toBe(false)
    const message = (lib as any).error.message as string
    expect(message).toContain('raise `maxBytes`')
    expect(message).not.toContain('--max-size')
    const r = await cli(['publish', SAMPLE, '-n', '--max-size', '10'])
    expect(r.stderr).toContain('raise --max-size')
    expect(r.stderr).not.toContain('maxBytes')
    const g = await cli(['publish', SAMPLE, '-n', '--gateway', 'nope'])
    expect(g.stderr).toBe('error: --gateway "nope" is not a URL (try https://dweb.link)\n')
  })

  it('--version prints the package version from any working folder', async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'))
    const r = await cli(['--version'], { cwd: tmp.path })
    expect(r.stdout.trim()).toBe(version)
  })
})
