import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, ROOT, SAMPLE, tempDir } from '../helpers/cli.js'
import { writeTree } from '../helpers/fixtures.js'

const IPFS_CAR = join(ROOT, 'node_modules', 'ipfs-car', 'bin.js')
const ipfsCar = (...args: string[]): string => execFileSync(process.execPath, [IPFS_CAR, ...args], { encoding: 'utf8', timeout: 60_000 }).trim()

async function filesOf (dir: string, prefix = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) Object.assign(out, await filesOf(p, `${prefix}${e.name}/`))
    else out[`${prefix}${e.name}`] = (await readFile(p)).toString('base64')
  }
  return out
}

describe('export and import', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let repo: string
  let article: string
  let tree: string
  beforeAll(async () => {
    tmp = await tempDir()
    repo = join(tmp.path, 'repo')
    article = (await cli(['--repo', repo, 'publish', SAMPLE, '-q'])).stdout.trim()
    await writeTree(join(tmp.path, 'tree'))
    tree = (await cli(['--repo', repo, 'add', join(tmp.path, 'tree'), '-q'])).stdout.trim()
  })
  afterAll(async () => { await tmp.cleanup() })

  it('export → ipfs-car roots and unpack: our roots, byte-identical files', async () => {
    const car = join(tmp.path, 'out.car')
    // a root named twice (once in another multibase) is one root of the CAR
    const res = await cli(['--repo', repo, 'export', article, tree, article.toUpperCase(), '-o', car])
    expect(res.code).toBe(0)
    expect(ipfsCar('roots', car).split('\n')).toEqual([article, tree])
    ipfsCar('unpack', car, '--root', tree, '--output', join(tmp.path, 'unpacked-tree'))
    expect(await filesOf(join(tmp.path, 'unpacked-tree'))).toEqual(await filesOf(join(tmp.path, 'tree')))
    ipfsCar('unpack', car, '--root', article, '--output', join(tmp.path, 'unpacked-article'))
    expect(await readFile(join(tmp.path, 'unpacked-article', 'article.txt'))).toEqual(await readFile(SAMPLE))
  })

  it('export -o - streams to stdout; --all holds every pin; import of it into an empty repo restores ls', async () => {
    const res = await cli(['--repo', repo, 'export', '--all', '-o', '-'])
    expect(res.code).toBe(0)
    expect(ipfsCarRootsOf(res.stdoutBytes, tmp.path).sort()).toEqual([article, tree].sort())
    const other = join(tmp.path, 'other')
    const imp = await cli(['--repo', other, 'import'], { input: res.stdoutBytes })
    expect(imp.code).toBe(0)
    expect((await cli(['--repo', other, 'ls', '-q'])).stdout.trim()).toBe(article)
    expect((await cli(['--repo', other, 'pin', 'ls', '-q'])).stdout.trim().split('\n').sort()).toEqual([article, tree].sort())
    expect((await cli(['--repo', other, 'verify', '--all'])).code).toBe(0)
  })

  it('ipfs-car pack → import → get gives byte-identical files, including a HAMT-sharded folder', async () => {
    const big = join(tmp.path, 'big')
    await mkdir(big, { recursive: true })
    for (let i = 0; i < 3000; i++) await writeFile(join(big, `entry-${String(i).padStart(5, '0')}.txt`), `entry ${i}\n`)
    for (const dir of [join(tmp.path, 'tree'), big]) {
      const car = join(tmp.path, `${dir.split('/').pop()}-ipfs-car.car`)
      const root = ipfsCar('pack', dir, '--no-wrap', '--output', car)
      const r = join(tmp.path, 'repo-from-ipfs-car')
      const imp = await cli(['--repo', r, 'import', car, '--json'])
      expect(imp.code).toBe(0)
      expect(JSON.parse(imp.stdout).roots).toEqual([root])
      const out = join(tmp.path, `got-${root}`)
      expect((await cli(['--repo', r, 'get', root, '-o', out])).code).toBe(0)
      expect(await filesOf(out)).toEqual(await filesOf(dir))
    }
  })

  it('export names a CID not in the store: exit 3, and no file is left', async () => {
    const car = join(tmp.path, 'missing.car')
    const res = await cli(['--repo', repo, 'export', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', '-o', car])
    expect(res.code).toBe(3)
    expect(res.stderr).toMatch(/^error: .*not in the store/)
    expect((await readdir(tmp.path)).filter(n => n.includes('missing.car'))).toEqual([])
  })

  it('export without CIDs or --all is a usage error', async () => {
    const res = await cli(['--repo', repo, 'export', '-o', join(tmp.path, 'x.car')])
    expect(res.code).toBe(2)
  })
})

function ipfsCarRootsOf (bytes: Buffer, dir: string): string[] {
  const path = join(dir, `roots-${Date.now()}.car`)
  writeFileSync(path, bytes)
  return ipfsCar('roots', path).split('\n')
}
