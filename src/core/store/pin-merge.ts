import * as cborg from 'cborg'

type Bytes = Uint8Array

/** Where Helia keeps, per block, which pins hold it (helia/src/pins.ts). */
export const PINNED_BLOCK_PREFIX = '/pinned-block/'

/** Helia's per-block record: how many pins hold the block and which (their CIDs' bytes). */
interface PinnedBlock { pinCount: number, pinnedBy: Uint8Array[] }

function pinSet (value: Bytes | null | undefined): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>()
  if (value == null) return out
  const record = cborg.decode(value) as PinnedBlock
  for (const cid of record.pinnedBy ?? []) out.set(Buffer.from(cid).toString('latin1'), cid)
  return out
}

/**
 * A three-way merge of one block's pin record, run inside the commit that writes
 * it. Helia updates these records read-modify-write; two processes pinning DAGs
 * that share a block would otherwise each write the record they read and drop the
 * other's pin. `base` is the committed value this process read before changing it,
 * `ours` what it wants to write, `current` what is committed now: the result is
 * `current` plus the pins this process added, minus the ones it removed. Returns
 * the bytes to write, or null to delete the record (no pin holds the block).
 */
export function mergePinnedBlock (base: Bytes | null, ours: Bytes | null, current: Bytes | null): Bytes | null {
  const before = pinSet(base)
  const after = pinSet(ours)
  const result = pinSet(current)
  for (const [k, cid] of after) if (!before.has(k)) result.set(k, cid)
  for (const k of before.keys()) if (!after.has(k)) result.delete(k)
  if (result.size === 0) return null
  const pinnedBy = [...result.values()]
  return cborg.encode({ pinCount: pinnedBy.length, pinnedBy })
}
