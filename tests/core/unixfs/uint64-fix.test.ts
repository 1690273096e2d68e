import { UnixFS } from 'ipfs-unixfs'
import { describe, expect, it } from 'vitest'
import { UINT64_FIX_APPLIED } from '../../../src/core/unixfs/uint64-fix.js'


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
