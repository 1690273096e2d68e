import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { UnixFS } from 'ipfs-unixfs'
import { describe, expect, it } from 'vitest'
import { UINT64_FIX_APPLIED } from '../../../src/core/unixfs/uint64-fix.js'
import { cli, ROOT, tempDir } from '../../helpers/cli.js'

const IPFS_CAR = join(ROOT, 'node_modules', '.bin', 'ipfs-car')
const IPFS_CID = ['/usr/bin/ipfs_cid', '/usr/local/bin/ipfs_cid'].find(p => existsSync(p))

/** A varint, written here independently of protons-runtime. */
function varint (n: bigint): number[] {
  const out: number[] = []
  while (n >= 0x80n) { out.push(Number(n & 0x7fn) | 0x80); n >>= 7n }
  out.push(Number(n))
  return out
}

describe('UnixFS sizes from 2^31 to 2^32 − 1 (protons-runtime writes them wrongly; uint64-fix.ts)', () => {
  it('is in place while the dependency has the bug', () => {
    expect(typeof UINT64_FIX_APPLIED).toBe('boolean')
  })

  for (const n of [2n ** 31n, 2n ** 31n + 5n, 2n ** 32n - 1n, 2n ** 32n + 7n, 2n ** 30n, 2n ** 40n]) {
    it(`a file node with a child of ${n} bytes encodes its size as a plain varint and reads back`, () => {
      const bytes = new UnixFS({ type: 'file', blockSizes: [n] }).marshal()
      // field 4 (blocksizes), varint wire type: tag 0x20, then the size
      expect(Buffer.from(bytes).indexOf(Buffer.from([0x20, ...varint(n)]))).toBeGreaterThan(0)
      const back = UnixFS.unmarshal(bytes)
      expect(back.blockSizes).toEqual([n])
      expect(back.fileSize()).toBe(n)
    })
  }
})

describe('files of 2 to 4 GiB give the CIDs of independent implementations (sparse files)', () => {
  it('2^31 + 5 bytes: unixfs-v1-2025 as ipfs-car, unixfs-v0-2015 as ipfs_cid; added and verified', async () => {
    const tmp = await tempDir()
    try {
      const file = join(tmp.path, 'sparse.bin')
      await writeFile(file, '')
      await truncate(file, 2 ** 31 + 5)
      const ours = (await cli(['add', '-n', '-q', file], { timeout: 120_000 })).stdout.trim()
      const car = execFileSync(process.execPath, [IPFS_CAR, 'pack', file, '--no-wrap', '--output', join(tmp.path, 'x.car')], { encoding: 'utf8', timeout: 120_000 }).trim()
      expect(ours).toBe(car)
      if (IPFS_CID != null) {
        const v0 = (await cli(['add', '-n', '-q', '--cid-profile', 'unixfs-v0-2015', file], { timeout: 120_000 })).stdout.trim()
        const theirs = JSON.parse(execFileSync(IPFS_CID, [file], { encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 20 }).trim().split('\n')[0]).CIDv0
        expect(v0).toBe(theirs)
      }
      // zeros repeat one chunk: the repo holds a few blocks, and verify reads all 2 GiB through them
      const repo = join(tmp.path, 'repo')
      expect((await cli(['--repo', repo, 'add', '-q', file], { timeout: 120_000 })).stdout.trim()).toBe(ours)
      const verified = await cli(['--repo', repo, 'verify', ours], { timeout: 120_000 })
      expect(verified.stderr).toBe('')
      expect(verified.code).toBe(0)
    } finally {
      await tmp.cleanup()
    }
  }, 300_000)

  it('2^32 − 1 bytes (its size did not even decode before): unixfs-v1-2025 as ipfs-car; added and verified', async () => {
    const tmp = await tempDir()
    try {
      const file = join(tmp.path, 'sparse.bin')
      await writeFile(file, '')
      await truncate(file, 2 ** 32 - 1)
      const repo = join(tmp.path, 'repo')
      const ours = (await cli(['--repo', repo, 'add', '-q', file], { timeout: 180_000 })).stdout.trim()
      const car = execFileSync(process.execPath, [IPFS_CAR, 'pack', file, '--no-wrap', '--output', join(tmp.path, 'x.car')], { encoding: 'utf8', timeout: 180_000 }).trim()
      expect(ours).toBe(car)
      const verified = await cli(['--repo', repo, 'verify', ours], { timeout: 180_000 })
      expect(verified.stderr).toBe('')
      expect(verified.code).toBe(0)
    } finally {
      await tmp.cleanup()
    }
  }, 400_000)
})
