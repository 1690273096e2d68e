import { execFileSync } from 'node:child_process'
import { UnixFS } from 'ipfs-unixfs'
import { describe, expect, it } from 'vitest'
// the fix as the code that builds files loads it (profiles.ts imports it): not imported here directly
import '../../../src/core/unixfs/profiles.js'
import { ROOT } from '../../helpers/cli.js'


/** A varint, written here independently of protons-runtime. */
function varint (n: bigint): number[] {
  const out: number[] = []
  while (n >= 0x80n) { out.push(Number(n & 0x7fn) | 0x80); n >>= 7n }
  out.push(Number(n))
  return out
}

describe('UnixFS sizes from 2^31 to 2^32 − 1 (protons-runtime writes them wrongly; uint64-fix.ts)', () => {
  it('is in place while the dependency has the bug', async () => {
    // ipfs-unixfs as it is, in a process that does not load the fix: does it write 2^31 wrongly?
    const probe = `import { UnixFS } from 'ipfs-unixfs'
      const bytes = new UnixFS({ type: 'file', blockSizes: [2n ** 31n] }).marshal()
      process.stdout.write(JSON.stringify(Array.from(bytes)))`
    const unfixed = Buffer.from(JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })))
    const right = Buffer.from([0x20, ...varint(2n ** 31n)])
    const dependencyHasBug = unfixed.indexOf(right) < 0
    // here, with the fix loaded as the builders load it, the same size is written right
    const fixed = Buffer.from(new UnixFS({ type: 'file', blockSizes: [2n ** 31n] }).marshal())
    expect(fixed.indexOf(right)).toBeGreaterThan(0)
    // and the fix changed the writer exactly when the dependency needs it
    const { UINT64_FIX_APPLIED } = await import('../../../src/core/unixfs/uint64-fix.js')
    expect(UINT64_FIX_APPLIED).toBe(dependencyHasBug)
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
