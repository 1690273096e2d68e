import { describe, expect, it } from 'vitest'
import { buildFile } from '../../../src/core/edition/file-dag.js'
import { fileContent } from '../../../src/core/read/file-content.js'
import { readAll } from '../../../src/core/read-all.js'
import { CID_PROFILES } from '../../../src/core/unixfs/profiles.js'
import type { CID } from 'multiformats/cid'

/** A blockstore of `blocks` whose reads each take a turn of the timers, counting how many are under way at once. */
function slowStore (blocks: Array<{ cid: CID, bytes: Uint8Array }>): { get: (cid: CID) => AsyncGenerator<Uint8Array>, most: () => number, reads: () => number } {
  const byCid = new Map(blocks.map(b => [b.cid.toString(), b.bytes]))
  let now = 0
  let most = 0
  let reads = 0
  return {
    async * get (cid: CID) {
      now++; reads++
      most = Math.max(most, now)
      await new Promise(resolve => setTimeout(resolve, 5))
      now--
      const bytes = byCid.get(cid.toString())
      if (bytes == null) throw new Error(`no block ${cid}`)
      yield bytes
    },
    most: () => most,
    reads: () => reads
  }
}

describe('fileContent', () => {
  it('reads one block at a time by default, and the next blocks at once with readAhead; the same bytes either way', async () => {
    // 1.1 MiB under the 256 KiB-chunk profile: a root and five leaves
    const bytes = new Uint8Array(1_150_000).map((_, i) => (i * 7) % 251)
    const file = await buildFile(bytes, CID_PROFILES['unixfs-v0-2015'])
    expect(file.blocks.length).toBe(6)
    const one = slowStore(file.blocks)
    expect(Buffer.compare(await readAll(fileContent(file.cid, one)), bytes)).toBe(0)
    expect(one.most()).toBe(1)
    const ahead = slowStore(file.blocks)
    expect(Buffer.compare(await readAll(fileContent(file.cid, ahead, { readAhead: 4 })), bytes)).toBe(0)
    expect(ahead.most()).toBe(5)
    expect(ahead.reads()).toBe(6) // each block once
    // an offset and a length: the same bytes as without read-ahead
    const part = await readAll(fileContent(file.cid, slowStore(file.blocks), { readAhead: 2, offset: 300_000, length: 600_000 }))
    expect(Buffer.compare(part, bytes.subarray(300_000, 900_000))).toBe(0)
  })
})
