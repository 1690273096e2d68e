import { writer } from 'protons-runtime'

/**
 * protons-runtime (7.1.2 and 8.0.1, under ipfs-unixfs 13.1.1) writes a uint64
 * varint wrongly for values from 2^31 to 2^32 − 1: its LongBits keeps the low 32
 * bits as a signed number, so 2^31 is written as 0, 2^31 + 5 as 5, and 2^32 − 1
 * as bytes that do not decode. UnixFS keeps a file's size and its children's
 * sizes as uint64s, so a file of 2 to 4 GiB got a root no other implementation
 * gives (and, at 2^32 − 1 bytes, one that cannot be read back).
 *
 * This is the one place that works around it: when the writer shows the bug, its
 * uint64 methods write values in that range as a uint32 varint (the same bytes a
 * correct uint64 writer gives, from a method that is right for them) and leave
 * every other value to the original. Once protons-runtime is fixed, the check
 * finds no bug and nothing is changed. tests/core/unixfs/uint64-fix.test.ts
 * covers the range against ipfs_cid and ipfs-car. The upstream fix: LongBits
 * should keep `lo` unsigned (`>>> 0`, not `| 0`) in its constructor.
 */
const LOW = 2n ** 31n
const HIGH = 2n ** 32n

function broken (): boolean {
  const bytes = writer().uint64(LOW).finish()
  return !(bytes.length === 5 && bytes[0] === 0x80 && bytes[4] === 0x08)
}

export const UINT64_FIX_APPLIED: boolean = (() => {
  if (!broken()) return false
  const proto = Object.getPrototypeOf(writer()) as Record<string, (this: any, value: any) => any>
  for (const name of ['uint64', 'uint64Number', 'uint64String', 'int64', 'int64Number', 'int64String'] as const) {
    const original = proto[name]
    if (typeof original !== 'function') continue
    proto[name] = function (this: any, value: bigint | number | string) {
      const big = typeof value === 'bigint' ? value : BigInt(value)
      if (big >= LOW && big < HIGH) return this.uint32(Number(big))
      return original.call(this, value)
    }
  }
  if (broken()) throw new Error('the uint64 workaround for protons-runtime did not take')
  return true
})()
