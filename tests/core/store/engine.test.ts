import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Engine } from '../../../src/core/store/engine.js'
import { FILE_BLOCK_BYTES } from '../../../src/core/store/block-files.js'
import { rawCid } from '../../../src/core/unixfs/hash.js'
import { tempDir } from '../../helpers/cli.js'

/** Rejects when `work` has not settled in `ms` (a bound against a hang, not a figure). */
async function within<T> (work: Promise<T>, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error('hung: never settled')) }, ms) })
  try { return await Promise.race([work, hang]) } finally { clearTimeout(timer) }
}

function block (size: number, seed: number): { multihash: Uint8Array, bytes: Buffer } {
  const bytes = Buffer.alloc(size, seed)
  bytes.writeUInt32BE(seed, 0)
  return { multihash: rawCid(bytes).multihash.bytes, bytes }
}

describe('engine: commits when pending writes reach flushBytes; large blocks', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let engine: Engine | undefined
  beforeEach(async () => { tmp = await tempDir() })
  afterEach(async () => {
    // a hung engine cannot be closed; its folder is removed all the same
    if (engine?.idle === true) await engine.close()
    engine = undefined
    await tmp.cleanup()
  })

  it('a large block whose record crosses flushBytes is committed (no deadlock on its own write)', async () => {
    const flushBytes = 10_000
    engine = Engine.open(join(tmp.path, 'r'), { create: true, flushBytes })
    // small blocks that bring the pending writes just under the limit (each counts its bytes + 64:
    // 4064 + 5914 = 9978), then a large block, whose record (64) crosses it
    const small = [block(4000, 1), block(5850, 2)]
    for (const b of small) await engine.putBlock(b.multihash, b.bytes)
    expect(engine.files.getKeysCount({}) + engine.blocks.getKeysCount({})).toBe(0) // nothing committed yet
    const large = block(FILE_BLOCK_BYTES + 1000, 3)
    await within(engine.putBlock(large.multihash, large.bytes))
    // its record crossed the limit: everything is committed, without an explicit flush
    expect(engine.idle).toBe(true)
    expect(engine.files.doesExist(Buffer.from(large.multihash))).toBe(true)
    for (const b of small) expect(engine.blocks.doesExist(Buffer.from(b.multihash))).toBe(true)
    expect(Buffer.compare((await engine.readBlock(large.multihash))!, large.bytes)).toBe(0)
  })

  it('a small block that crosses flushBytes while a large block is being written commits both', async () => {
    engine = Engine.open(join(tmp.path, 'r'), { create: true, flushBytes: 10_000 })
    const first = block(5000, 1)
    await engine.putBlock(first.multihash, first.bytes)
    const large = block(FILE_BLOCK_BYTES * 2, 2)
    const crossing = block(6000, 3)
    // the large block's temporary file is written while the small one's commit waits for it
    await within(Promise.all([engine.putBlock(large.multihash, large.bytes), engine.putBlock(crossing.multihash, crossing.bytes)]))
    await within(engine.flush())
    for (const b of [first, crossing]) expect(engine.blocks.doesExist(Buffer.from(b.multihash))).toBe(true)
    expect(engine.files.doesExist(Buffer.from(large.multihash))).toBe(true)
    expect(engine.idle).toBe(true)
  })

  it('many large and small blocks at once, across many commits: every one is stored', async () => {
    engine = Engine.open(join(tmp.path, 'r'), { create: true, flushBytes: 20_000 })
    const blocks = Array.from({ length: 60 }, (_, i) => block(i % 3 === 0 ? FILE_BLOCK_BYTES + i : 3000 + i, i + 1))
    await within(Promise.all(blocks.map(async b => { await engine!.putBlock(b.multihash, b.bytes) })))
    await within(engine.flush())
    for (const b of blocks) {
      const db = b.bytes.byteLength >= FILE_BLOCK_BYTES ? engine.files : engine.blocks
      expect(db.doesExist(Buffer.from(b.multihash))).toBe(true)
    }
  })

  it('is not written again when its file holds exactly its bytes; a damaged one, or one recorded as damaged, is written again', async () => {
    const { stat, writeFile } = await import('node:fs/promises')
    engine = Engine.open(join(tmp.path, 'r'), { create: true })
    const large = block(FILE_BLOCK_BYTES * 2, 7)
    const file = engine.blockFiles.path(large.multihash)
    await engine.putBlock(large.multihash, large.bytes)
    await engine.flush()
    const first = await stat(file)
    // the same bytes again: the file stays the one written first
    await engine.putBlock(large.multihash, large.bytes)
    await engine.flush()
    expect((await stat(file)).ino).toBe(first.ino)
    // its file damaged in place: the put writes it again
    const damaged = Buffer.from(large.bytes)
    damaged[100] ^= 0xff
    await writeFile(file, damaged)
    await engine.putBlock(large.multihash, large.bytes)
    await engine.flush()
    const second = await stat(file)
    expect(second.ino).not.toBe(first.ino)
    expect(Buffer.compare((await engine.readBlock(large.multihash))!, large.bytes)).toBe(0)
    // recorded as damaged (a failed verification), though its bytes are right now: written again, the record cleared
    await engine.markDamaged(large.multihash)
    expect(engine.damagedCount()).toBe(1)
    await engine.putBlock(large.multihash, large.bytes)
    await engine.flush()
    expect((await stat(file)).ino).not.toBe(second.ino)
    expect(engine.damagedCount()).toBe(0)
  })
})
