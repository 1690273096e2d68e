// The CLI runs in this process through run(), with a working folder of its own: every
// relative path (articles, manifest, repo, output) is taken from it, not from process.cwd().
import { existsSync } from 'node:fs'
import { copyFile, mkdir, readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { run } from '../../src/cli/index.js'
import { SAMPLE, tempDir } from '../helpers/cli.js'

function sink (): Writable & { text: () => string } {
  const parts: Buffer[] = []
  const w = new Writable({ write (chunk, _enc, cb) { parts.push(Buffer.from(chunk)); cb() } }) as Writable & { text: () => string }
  w.text = () => Buffer.concat(parts).toString()
  return w
}

async function cliIn (cwd: string, argv: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  const stdout = sink()
  const stderr = sink()
  const code = await run(argv, { stdout, stderr, env: { ...process.env, IPFS_PUBLISH_REPO: '' }, cwd })
  return { code, stdout: stdout.text(), stderr: stderr.text() }
}

describe('run() with its own working folder', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let before: string[]
  beforeAll(async () => {
    tmp = await tempDir()
    await mkdir(join(tmp.path, 'articles'))
    await copyFile(SAMPLE, join(tmp.path, 'articles', 'a.txt'))
    before = await readdir(process.cwd())
  })
  afterAll(async () => { await tmp.cleanup() })

  it('publish --manifest, add and get take relative paths from it; nothing lands in process.cwd()', async () => {
    expect(process.cwd()).not.toBe(tmp.path)
    const pub = await cliIn(tmp.path, ['--repo', 'repo', '--json', 'publish', 'articles', '--manifest', 'site/ipfs.json'])
    expect(pub.stderr).toBe('')
    expect(pub.code).toBe(0)
    const result = JSON.parse(pub.stdout)
    expect(result.path).toBe('articles/a.txt')
    expect(existsSync(join(tmp.path, 'repo', 'repo.json'))).toBe(true)
    const manifest = JSON.parse(await readFile(join(tmp.path, 'site', 'ipfs.json'), 'utf8'))
    expect(manifest['../articles/a.txt'].cid).toBe(result.cid)
    const check = await cliIn(tmp.path, ['publish', 'articles', '--manifest', 'site/ipfs.json', '--check'])
    expect(check.code).toBe(0)
    const add = await cliIn(tmp.path, ['--repo', 'repo', 'add', 'articles/a.txt'])
    expect(add.code).toBe(0)
    const get = await cliIn(tmp.path, ['--repo', 'repo', 'get', result.cid, '-o', 'out'])
    expect(get.code).toBe(0)
    expect(await readFile(join(tmp.path, 'out', 'article.txt'))).toEqual(await readFile(SAMPLE))
    expect(await readdir(process.cwd())).toEqual(before)
  })
})
