import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as cborg from 'cborg'
import { CID } from 'multiformats/cid'
import { Engine } from '../../../src/core/store/engine.js'
import { mergePinnedBlock, PINNED_BLOCK_PREFIX } from '../../../src/core/store/pin-merge.js'
import { rawCid } from '../../../src/core/unixfs/hash.js'
import { tempDir } from '../../helpers/cli.js'

/** Pins, by name: a pin is a root CID, recorded by its bytes. */
const PIN = Object.fromEntries(['a', 'b', 'c', 'x'].map(name => [name, rawCid(Buffer.from(`root ${name}`))]))

/** A block's pin record as Helia writes it, held by the pins named. */
function record (...names: string[]): Uint8Array {
  return cborg.encode({ pinCount: names.length, pinnedBy: names.map(n => PIN[n].bytes) })
}

/** The pins a record names (sorted), checking that its count agrees; null for no record. */
function pinsOf (value: Uint8Array | null | undefined): string[] | null {
  if (value == null) return null
  const { pinCount, pinnedBy } = cborg.decode(value) as { pinCount: number, pinnedBy: Uint8Array[] }
  const names = pinnedBy.map(bytes => Object.keys(PIN).find(n => PIN[n].equals(CID.decode(bytes)))!).sort()
  expect(pinCount).toBe(names.length)
  return names
}

describe('mergePinnedBlock: a block\'s pin record merged at commit (base: read by this process, ours: written by it, current: committed now)', () => {
  it('keeps a pin another process added meanwhile, with the one this process added', () => {
    expect(pinsOf(mergePinnedBlock(record('a'), record('a', 'b'), record('a', 'x')))).toEqual(['a', 'b', 'x'])
  })

  it('a record this process made from none joins the one another process made meanwhile', () => {
    expect(pinsOf(mergePinnedBlock(null, record('b'), record('x')))).toEqual(['b', 'x'])
  })

  it('a pin this process removed goes, and another process\'s pin added meanwhile stays', () => {
    expect(pinsOf(mergePinnedBlock(record('a', 'b'), record('b'), record('a', 'b', 'x')))).toEqual(['b', 'x'])
    // this process deleted the record (no pin of its own left): the other's pin keeps it
    expect(pinsOf(mergePinnedBlock(record('a'), null, record('a', 'x')))).toEqual(['x'])
  })

  it('a pin another process removed meanwhile stays removed', () => {
    expect(pinsOf(mergePinnedBlock(record('a', 'b'), record('a', 'b', 'c'), record('b')))).toEqual(['b', 'c'])
  })

  it('a pin both added is recorded once', () => {
    expect(pinsOf(mergePinnedBlock(null, record('a'), record('a')))).toEqual(['a'])
  })

  it('no pin left: the record is deleted (null)', () => {
    expect(mergePinnedBlock(record('a'), null, record('a'))).toBeNull()
    // removed by both
    expect(pinsOf(mergePinnedBlock(record('a', 'b'), record('b'), record('b')))).toEqual(['b'])
    expect(mergePinnedBlock(record('a', 'b'), record('a'), record('b'))).toBeNull()
  })

  it('is what a commit writes when another process changed the record since this one read it', async () => {
    const tmp = await tempDir()
    const dir = join(tmp.path, 'r')
    const first = Engine.open(dir, { create: true })
    const second = Engine.open(dir)
    try {
      const key = `${PINNED_BLOCK_PREFIX}block`
      await first.putData(key, record('a'))
      await first.flush()
      // the second process reads the record, and adds its pin
      const read = second.getData(key)
      expect(pinsOf(read)).toEqual(['a'])
      // meanwhile the first adds another pin and commits
      await first.putData(key, record('a', 'x'))
      await first.flush()
      await second.putData(key, record('a', 'b'))
      await second.flush()
      expect(pinsOf(first.getData(key))).toEqual(['a', 'b', 'x'])
    } finally {
      await second.close()
      await first.close()
      await tmp.cleanup()
    }
  })
})
