import { execFileSync } from 'node:child_process'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, ROOT, SAMPLE, tempDir } from '../helpers/cli.js'
import { detBytes } from '../helpers/fixtures.js'

describe('get, cat, verify', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let repo: string
  let cid: string
  beforeAll(async () => {
    tmp = await tempDir()
    repo = join(tmp.path, 'repo')
    cid = (await cli(['--repo', repo, 'publish', SAMPLE, '-q'])).stdout.trim()
  })
  afterAll(async () => { await tmp.cleanup() })

  it('get writes the bundle into ./<cid> by default', async () => {
    const res = await cli(['--repo', repo, 'get', cid], { cwd: tmp.path })
    expect(res.code).toBe(0)
    expect(res.stdout).toBe('')
    expect(res.stderr).toMatch(/wrote 2 file\(s\).*article checked against metadata\.json/)
    const dir = join(tmp.path, cid)
    expect((await readdir(dir)).sort()).toEqual(['article.txt', 'metadata.json'])
    expect(Buffer.compare(await readFile(join(dir, 'article.txt')), await readFile(SAMPLE))).toBe(0)
    const meta = JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8'))
    expect(meta.file.sha256).toMatch(/^[0-9a-f]{64}$/)
  })

  it('get -o writes where asked, and again over an existing folder; --json reports', async () => {
    const out = join(tmp.path, 'out', 'nested')
    const first = await cli(['--repo', repo, '--json', 'get', cid, '-o', out])
    expect(first.code).toBe(0)
    expect(JSON.parse(first.stdout)).toMatchObject({ cid, files: 2, bundle: true })
    const second = await cli(['--repo', repo, 'get', cid, '-o', out])
    expect(second.code).toBe(0)
    expect((await readdir(out)).sort()).toEqual(['article.txt', 'metadata.json'])
    expect((await readdir(join(tmp.path, 'out'))).filter(n => n.includes('.tmp'))).toEqual([])
  })

  it('get of a file CID writes one file', async () => {
    const json = JSON.parse((await cli(['--repo', repo, '--json', 'publish', SAMPLE])).stdout)
    const out = join(tmp.path, 'single.txt')
    const res = await cli(['--repo', repo, 'get', json.files[0].cid, '-o', out])
    expect(res.code).toBe(0)
    expect(Buffer.compare(await readFile(out), await readFile(SAMPLE))).toBe(0)
  })

  it('cat prints the article of a bundle, and the bytes of a file CID', async () => {
    const res = await cli(['--repo', repo, 'cat', cid])
    expect(res.code).toBe(0)
    expect(Buffer.compare(res.stdoutBytes, await readFile(SAMPLE))).toBe(0)
    const json = JSON.parse((await cli(['--repo', repo, '--json', 'publish', SAMPLE])).stdout)
    const meta = await cli(['--repo', repo, 'cat', json.files[1].cid])
    expect(JSON.parse(meta.stdout).title).toBe(json.title)
  })

  it('cat of a large added file streams it back byte for byte', async () => {
    const file = join(tmp.path, 'big.bin')
    const bytes = detBytes(3 * 1024 * 1024 + 7, 'big')
    await writeFile(file, bytes)
    const added = await cli(['--repo', repo, 'add', file, '-q'])
    expect(added.code).toBe(0)
    const res = await cli(['--repo', repo, 'cat', added.stdout.trim()])
    expect(res.code).toBe(0)
    expect(Buffer.compare(res.stdoutBytes, bytes)).toBe(0)
  })

  it('a path inside a file is "no such path" (exit 3) for cat and get, whether the file is one block or many', async () => {
    const file = join(tmp.path, 'many-blocks.bin')
    await writeFile(file, detBytes(3 * 1024 * 1024 + 7, 'many'))
    const many = (await cli(['--repo', repo, 'add', file, '-q'])).stdout.trim()
    expect(many).toMatch(/^bafy/) // dag-pb: a root with links, not one raw block
    const one = JSON.parse((await cli(['--repo', repo, '--json', 'publish', SAMPLE])).stdout).files[0].cid as string
    for (const [path, at] of [[`/ipfs/${many}/x/y`, many], [`${many}/x`, many], [`${one}/x`, one], [`${cid}/article.txt/x`, `${cid}/article.txt`]]) {
      const shown = path.replace(/^\/ipfs\//, '')
      const cat = await cli(['--repo', repo, 'cat', path])
      expect(cat.code, path).toBe(3)
      expect(cat.stdout, path).toBe('')
      expect(cat.stderr, path).toBe(`error: ${shown}: no such path, ${at} is a file\n`)
      if (path.startsWith('/ipfs/')) continue
      const out = join(tmp.path, 'no-such-path')
      const get = await cli(['--repo', repo, 'get', path, '-o', out])
      expect(get.code, path).toBe(3)
      expect(get.stderr, path).toBe(`error: ${shown}: no such path, ${at} is a file\n`)
      expect(await readdir(tmp.path), path).not.toContain('no-such-path')
    }
    // a name missing from a folder: exit 3 too, naming it
    const missing = await cli(['--repo', repo, 'get', `${cid}/nope.txt`, '-o', join(tmp.path, 'nope')])
    expect(missing.code).toBe(3)
    expect(missing.stderr).toBe(`error: ${cid}/nope.txt: no such path, ${cid} has no entry "nope.txt"\n`)
  })

  it('cat of a plain folder is refused: use get', async () => {
    const dir = join(tmp.path, 'plain-dir')
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, 'a.txt'), 'a')
    const added = await cli(['--repo', repo, 'add', dir, '-q'])
    const res = await cli(['--repo', repo, 'cat', added.stdout.trim()])
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(/^error: .*is a folder.*use 'get'/)
  })

  it('verify hashes every block again; --file checks a local article offline', async () => {
    const res = await cli(['--repo', repo, 'verify', cid])
    expect(res.code).toBe(0)
    expect(res.stdout).toMatch(new RegExp(`^ok ${cid}: 3 block\\(s\\)`))
    const file = await cli(['verify', cid, '--file', SAMPLE])
    expect(file.code).toBe(0)
    const other = join(tmp.path, 'edited.txt')
    await writeFile(other, (await readFile(SAMPLE, 'utf8')).replace('Macron', 'Marcon'))
    const bad = await cli(['verify', cid, '--file', other])
    expect(bad.code).toBe(4)
    expect(bad.stderr).toMatch(new RegExp(`^error: .*edited\\.txt publishes to \\S+ \\(unixfs-v1-2025\\), not ${cid}`))
  })

  const bad: Array<[string, string[], number, RegExp]> = [
    ['a malformed CID (get)', ['get', 'not-a-cid'], 2, /"not-a-cid" is not a valid CID/],
    ['a malformed CID (cat)', ['cat', 'Qm123'], 2, /"Qm123" is not a valid CID/],
    ['a malformed CID (verify)', ['verify', 'bafyZZZ'], 2, /"bafyZZZ" is not a valid CID/],
    ['a CID not in the store (get)', ['get', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'], 3, /bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy.*not in the store \(publish or import it first, or fetch it with get --peer/],
    ['a CID not in the store (cat)', ['cat', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'], 3, /not in the store/],
    ['a CID not in the store (verify)', ['verify', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'], 3, /not in the store/],
    ['verify --file of a missing file', ['verify', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', '--file', '/nonexistent/x.txt'], 3, /no such file/],
    ['get with no CID', ['get'], 2, /Not enough non-option arguments/],
    ['an unknown command', ['frob'], 2, /Unknown argument: frob/]
  ]
  for (const [name, args, code, message] of bad) {
    it(`${name}: one error line, exit ${code}`, async () => {
      const res = await cli(['--repo', repo, ...args], { cwd: tmp.path })
      expect(res.code).toBe(code)
      expect(res.stderr.trim().split('\n')).toHaveLength(1)
      expect(res.stderr).toMatch(/^error: /)
      expect(res.stderr).toMatch(message)
    })
  }

  it('get into a path that is a file is refused, and the file is kept', async () => {
    const f = join(tmp.path, 'occupied')
    await writeFile(f, 'mine')
    const res = await cli(['--repo', repo, 'get', cid, '-o', f])
    expect(res.code).toBe(2)
    expect(await readFile(f, 'utf8')).toBe('mine')
  })

  it('the repo folder is created where --repo or IPFS_PUBLISH_REPO says', async () => {
    const envRepo = join(tmp.path, 'env-repo')
    const res = await cli(['publish', SAMPLE, '-q'], { env: { IPFS_PUBLISH_REPO: envRepo } })
    expect(res.code).toBe(0)
    expect(await readdir(envRepo)).toContain('repo.json')
    const ls = await cli(['ls', '-q'], { env: { IPFS_PUBLISH_REPO: envRepo } })
    expect(ls.stdout.trim()).toBe(cid)
  })

  it('--help lists every command', () => {
    const out = execFileSync(process.execPath, [join(ROOT, 'bin', 'ipfs-publish.js'), '--help'], { encoding: 'utf8' })
    for (const c of ['publish', 'edition', 'name', 'key', 'add', 'get', 'cat', 'verify', 'ls']) expect(out).toContain(`ipfs-publish ${c}`)
  })
})
