import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, ROOT, tempDir } from '../helpers/cli.js'
import { detBytes, writeTree } from '../helpers/fixtures.js'

const IPFS_CAR = join(ROOT, 'node_modules', '.bin', 'ipfs-car')
const IPFS_CID = ['/usr/bin/ipfs_cid', '/usr/local/bin/ipfs_cid'].find(p => existsSync(p))

/** Files of 0 and 1 bytes, each chunk size ±1, and a few MiB. */
const SIZES: Record<string, number> = {
  'zero.bin': 0,
  'one.bin': 1,
  'chunk256k-minus1.bin': 262_143,
  'chunk256k.bin': 262_144,
  'chunk256k-plus1.bin': 262_145,
  'chunk1m-minus1.bin': 1_048_575,
  'chunk1m.bin': 1_048_576,
  'chunk1m-plus1.bin': 1_048_577,
  'few-mib.bin': 3 * 1_048_576 + 12_345
}

function ipfsCarRoot (path: string, out: string): string {
  return execFileSync(process.execPath, [IPFS_CAR, 'pack', path, '--no-wrap', '--output', out], { encoding: 'utf8', timeout: 60_000 }).trim()
}

describe('add gives the CIDs of independent implementations', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => {
    tmp = await tempDir()
    for (const [name, size] of Object.entries(SIZES)) await writeFile(join(tmp.path, name), detBytes(size, name))
    await writeTree(join(tmp.path, 'tree'))
    await writeTree(join(tmp.path, 'tree-with-empty'), { empty: true })
  })
  afterAll(async () => { await tmp.cleanup() })

  for (const name of [...Object.keys(SIZES), 'tree']) {
    it(`unixfs-v1-2025 matches ipfs-car pack: ${name}`, async () => {
      const path = join(tmp.path, name)
      const expected = ipfsCarRoot(path, join(tmp.path, `${name}.car`))
      const res = await cli(['add', path, '--only-hash', '--cid-profile', 'unixfs-v1-2025', '-q'])
      expect(res.stderr).toBe('')
      expect(res.code).toBe(0)
      expect(res.stdout.trim()).toBe(expected)
    })
  }

  for (const name of Object.keys(SIZES)) {
    it.skipIf(IPFS_CID == null)(`unixfs-v0-2015 matches Debian's ipfs_cid: ${name}`, async () => {
      const path = join(tmp.path, name)
      const r = spawnSync(IPFS_CID!, [path], { encoding: 'utf8', timeout: 60_000 })
      const expected = JSON.parse(r.stdout.trim().split('\n')[0]).CIDv0
      const res = await cli(['add', path, '--only-hash', '--cid-profile', 'unixfs-v0-2015', '-q'])
      expect(res.code).toBe(0)
      expect(res.stdout.trim()).toBe(expected)
    })
  }

  it('keeps empty folders, as Kubo does (ipfs-car drops them)', async () => {
    const withEmpty = await cli(['add', join(tmp.path, 'tree-with-empty'), '-n', '-q'])
    const without = await cli(['add', join(tmp.path, 'tree'), '-n', '-q'])
    expect(withEmpty.code).toBe(0)
    expect(withEmpty.stdout).not.toBe(without.stdout)
    const repo = join(tmp.path, 'repo-empty')
    const added = await cli(['--repo', repo, 'add', join(tmp.path, 'tree-with-empty'), '-q'])
    const out = join(tmp.path, 'out-empty')
    expect((await cli(['--repo', repo, 'get', added.stdout.trim(), '-o', out])).code).toBe(0)
    expect(existsSync(join(out, 'empty'))).toBe(true)
  })

  it('stores what it hashes: add without --only-hash gives the same CID and pins it', async () => {
    const repo = join(tmp.path, 'repo')
    const path = join(tmp.path, 'tree')
    const hashed = await cli(['add', path, '--only-hash', '-q'])
    const added = await cli(['--repo', repo, 'add', path, '--json'])
    expect(added.code).toBe(0)
    const json = JSON.parse(added.stdout)
    expect(json.cid).toBe(hashed.stdout.trim())
    expect(json.bytes).toBeGreaterThan(1_000_000)
    const verify = await cli(['--repo', repo, 'verify', json.cid])
    expect(verify.code).toBe(0)
  })
})
