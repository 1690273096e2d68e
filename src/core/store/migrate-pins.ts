import * as cborg from 'cborg'
import { base36 } from 'multiformats/bases/base36'
import { CID } from 'multiformats/cid'
import { RepoError } from '../../errors.js'
import { Engine } from './engine.js'
import { encodePin, pinKeyOf } from './pins.js'
import type { PinRecord } from './pins.js'
import type { AbortOptions } from 'abort-error'

/** Where Helia's pinning API kept a pin (`/pin/<CIDv1 in base36>`: `{depth, metadata}` in CBOR), in layout 3. */
const HELIA_PIN_PREFIX = '/pin/'
/** Where it kept, per block, which pins held it, in layout 3. */
const HELIA_BLOCK_PREFIX = '/pinned-block/'

/**
 * Moves a repo of layout 3 to layout 4: each of Helia's pin records becomes a
 * record of the repo's pin set (pins.ts; its metadata kept; depth 0 a direct pin,
 * any other a recursive one), and every one of Helia's pin and per-block records
 * is deleted, all in ONE transaction: a move killed midway leaves layout 3 as it
 * was, and a second move finds nothing left to convert. The caller holds the gc
 * lock (no process of any release writes meanwhile) and writes the marker of
 * layout 4 after this resolves. Returns the number of pins converted.
 */
export async function convertHeliaPins (dir: string, options: AbortOptions = {}): Promise<number> {
  options.signal?.throwIfAborted()
  let engine: Engine
  try {
    engine = Engine.open(dir)
  } catch (err: any) {
    if (/ENOSPC|No space left/i.test(String(err?.cause?.message ?? err?.message))) {
      throw new RepoError(`the repo at ${dir} has layout 3 and must move to layout 4 before this version can use it, but the disk is full: free some space and run the command again; nothing was changed`, { cause: err })
    }
    throw err
  }
  try {
    const pins = engine.env.transactionSync(() => {
      // the keys are listed first, then changed (no write under an open cursor)
      const helia = [...engine.dataRange(HELIA_PIN_PREFIX)].map(({ key, value }) => ({ key, value: Uint8Array.prototype.slice.call(value) }))
      const blocks = [...engine.dataRange(HELIA_BLOCK_PREFIX, true)].map(({ key }) => key)
      for (const { key, value } of helia) {
        let cid: CID
        let record: PinRecord
        try {
          cid = CID.parse(key.slice(HELIA_PIN_PREFIX.length), base36)
          const pin = cborg.decode(value) as { depth?: number, metadata?: Record<string, string | number | boolean> }
          record = { type: pin.depth === 0 ? 'direct' : 'recursive', metadata: pin.metadata ?? {} }
        } catch (err: any) {
          throw new RepoError(`the repo at ${dir} cannot move to layout 4: its pin record ${key} cannot be read (${err.message}); nothing was changed`, { cause: err })
        }
        void engine.data.put(Buffer.from(pinKeyOf(cid)), Buffer.from(encodePin(record)))
        void engine.data.remove(Buffer.from(key))
      }
      for (const key of blocks) void engine.data.remove(Buffer.from(key))
      return helia.length
    })
    await engine.env.flushed
    return pins
  } finally {
    await engine.env.close()
  }
}
