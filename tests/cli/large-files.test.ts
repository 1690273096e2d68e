// Files of 2 to 4 GiB (sparse: nothing is written to disk) against independent implementations,
// and read back. Their roots hold sizes from 2^31 to 2^32 - 1 (src/core/unixfs/uint64-fix.ts).
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, ROOT, tempDir } from '../helpers/cli.js'

const IPFS_CAR = join(ROOT, 'node_modules', '.bin', 'ipfs-car')
const IPFS_CID = ['/usr/bin/ipfs_cid', '/usr/local/bin/ipfs_cid'].find(p => existsSync(p))

/**
 * Each size against one or both independent implementations: ipfs-car for unixfs-v1-2025,
 * Debian's ipfs_cid for unixfs-v0-2015 (each reads the whole file: the sizes share the work).
 * `read` stores the file (zeros repeat one chunk: a few blocks) and verifies it back.
 */
const CASES: Array<{ size: number, label: string, car: boolean, cid: boolean, read: boolean }> = [
  { size: 2 ** 31, label: '2^31', car: true, cid: false, read: false },
  { size: 2 ** 31 + 5, label: '2^31 + 5', car: true, cid: true, read: true },
  { size: 2 ** 32 - 1, label: '2^32 - 1', car: true, cid: false, read: true },
  { size: 2 ** 32 + 7, label: '2^32 + 7', car: false, cid: true, read: false }
]

describe('files of 2 to 4 GiB give the CIDs of independent implementations', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { tmp = await tempDir() })
  afterAll(async () => { await tmp.cleanup() })

  for (const c of CASES) {
    it(`${c.label} bytes${c.car ? ': v1 as ipfs-car' : ''}${c.cid ? ', v0 as ipfs_cid' : ''}${c.read ? ', read back' : ''}`, async () => {
      const file = join(tmp.path, `sparse-${c.size}.bin`)
      await writeFile(file, '')
      await truncate(file, c.size)
      try {
        if (c.car || c.read) {
          const repo = join(tmp.path, `repo-${c.size}`)
          const ours = (await cli(['--repo', repo, 'add', '-q', file], { timeout: 240_000 })).stdout.trim()
          if (c.car) {
            const car = execFileSync(process.execPath, [IPFS_CAR, 'pack', file, '--no-wrap', '--output', join(tmp.path, `x-${c.size}.car`)], { encoding: 'utf8', timeout: 240_000 }).trim()
            expect(ours).toBe(car)
          }
          if (c.read) {
            const verified = await cli(['--repo', repo, 'verify', ours], { timeout: 240_000 })
            expect(verified.stderr).toBe('')
            expect(verified.code).toBe(0)
          }
        }
        if (c.cid && IPFS_CID != null) {
          const v0 = (await cli(['add', '-n', '-q', '--cid-profile', 'unixfs-v0-2015', file], { timeout: 240_000 })).stdout.trim()
          const theirs = JSON.parse(execFileSync(IPFS_CID, [file], { encoding: 'utf8', timeout: 240_000, maxBuffer: 1 << 20 }).trim().split('\n')[0]).CIDv0
          expect(v0).toBe(theirs)
        }
      } finally {
        const { rm } = await import('node:fs/promises')
        await rm(file, { force: true })
        await rm(join(tmp.path, `x-${c.size}.car`), { force: true })
      }
    }, 600_000)
  }
})
