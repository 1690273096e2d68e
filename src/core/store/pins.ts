import { CID } from 'multiformats/cid'
import { code as RAW } from 'multiformats/codecs/raw'
import { BlockNotFoundError, InvalidArgumentError, NotFoundError } from '../../errors.js'
import { blockLinks } from '../unixfs/links.js'
import { IDENTITY } from '../unixfs/hash.js'
import { bytesKey, multihashKey } from '../unixfs/multihash-key.js'
import { engineOf } from './engine-of.js'
import type { Engine } from './engine.js'
import type { Repo } from './repo.js'
import type { AbortOptions } from 'abort-error'

/**
 * The repo's pin set, as Kubo keeps its pins: one record per pinned root, under
 * {@link PIN_PREFIX} in the repo's datastore, keyed by the root's CIDv1 in base32:
 * `{"type":"recursive"|"direct","metadata":{…}}` (JSON). A recursive pin holds
 * the root's whole DAG, a direct pin the root block alone. Nothing is recorded per
 * block: `gc` finds what the pins hold by walking their DAGs (maintenance.ts), so
 * a pin costs one record whatever the size of its DAG, and "is this root pinned?"
 * is one read.
 */
export const PIN_PREFIX = '/ipfs-publish/pins/'

export type PinType = 'recursive' | 'direct'
export type PinMetadata = Record<string, string | number | boolean>

export interface PinRecord {
  type: PinType
  metadata: PinMetadata
}

export interface PinEntry extends PinRecord {
  /** The root, as a CIDv1. */
  cid: CID
}

/** The datastore key of a root's pin record: the same for a CIDv0 and its CIDv1. */
export function pinKeyOf (cid: CID): string {
  return PIN_PREFIX + (cid.version === 0 ? cid.toV1() : cid).toString()
}

/** A pin record's bytes. */
export function encodePin (record: PinRecord): Uint8Array {
  return Buffer.from(JSON.stringify({ type: record.type, metadata: record.metadata ?? {} }))
}

/** A pin record from its bytes (an Error when they are not one). */
export function decodePin (bytes: Uint8Array): PinRecord {
  const record = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))
  if (record == null || typeof record !== 'object' || (record.type !== 'recursive' && record.type !== 'direct')) throw new Error('not a pin record')
  if (record.metadata == null || typeof record.metadata !== 'object') record.metadata = {}
  return record
}

/** A root's pin record (pending writes included), or undefined when it is not pinned. */
export function getPin (repo: Repo, cid: CID): PinRecord | undefined {
  const bytes = engineOf(repo).getData(pinKeyOf(cid))
  return bytes == null ? undefined : decodePin(bytes)
}

/** True when `cid` is a pin root (not merely a block inside a pinned DAG): one read. */
export async function isPinRoot (repo: Repo, cid: CID, options: AbortOptions = {}): Promise<boolean> {
  options.signal?.throwIfAborted()
  return engineOf(repo).getData(pinKeyOf(cid)) !== undefined
}

export interface PinRootOptions extends AbortOptions {
  /** Blocks the caller has just built and hashed (keyed by multihashKey): not read back from the store. */
  known?: Map<string, Uint8Array>
  /** Pin the root block alone (a direct pin), not its DAG. @default false */
  direct?: boolean
  /**
   * Sub-DAGs the caller knows to be complete, not walked: an incremental edition's links to the
   * unchanged part of the previous edition, whose recursive pin this repo holds (checked when it was made).
   */
  completeBelow?: (cid: CID) => boolean
}

/**
 * Pins a root: one record, written in the repo's pending batch (a publish's
 * blocks and its pin land in one commit). Before it, the DAG is checked to be
 * complete, as Kubo does: every block must be in the store (a missing one is
 * BlockNotFoundError naming it, and nothing is pinned). Blocks in `known` are not
 * read; raw leaves are only looked up; a sub-DAG that is itself a recursive pin
 * is complete already and is not walked. Returns false when the root was pinned
 * already (its record is left as it is).
 */
export async function pinRoot (repo: Repo, cid: CID, metadata: PinMetadata, options: PinRootOptions = {}): Promise<boolean> {
  const engine = engineOf(repo)
  const key = pinKeyOf(cid)
  const held = engine.getData(key)
  if (held != null && (options.direct === true || decodePin(held).type === 'recursive')) return false
  await assertComplete(engine, cid, options)
  await engine.putData(key, encodePin({ type: options.direct === true ? 'direct' : 'recursive', metadata }))
  return true
}

/** Checks that every block of a DAG is in the store (see {@link pinRoot}). */
async function assertComplete (engine: Engine, root: CID, options: PinRootOptions): Promise<void> {
  const seen = new Set<string>()
  const rootKey = multihashKey(root)
  const stack: CID[] = [root]
  while (stack.length > 0) {
    options.signal?.throwIfAborted()
    const cid = stack.pop()!
    if (cid.multihash.code === IDENTITY) continue
    const key = multihashKey(cid)
    if (seen.has(key)) continue
    seen.add(key)
    if (key !== rootKey && options.completeBelow?.(cid) === true) continue
    let bytes = options.known?.get(key)
    // a sub-DAG pinned recursively is complete already (gc keeps it so); a block in hand is
    // walked instead of looked up (its links are read without a trip to the store, where a
    // pin record of a new block is a page of the store read from disk for nothing)
    if (cid.code !== RAW && key !== rootKey && bytes == null) {
      const pin = engine.getData(pinKeyOf(cid))
      if (pin != null && decodePin(pin).type === 'recursive') continue
    }
    if (bytes == null) {
      if (cid.code === RAW || options.direct === true) {
        if (!engine.hasBlock(cid.multihash.bytes)) throw missing(cid)
        continue
      }
      bytes = await engine.readBlock(cid.multihash.bytes)
      if (bytes == null) throw missing(cid)
    }
    if (options.direct === true || cid.code === RAW) continue
    const links = blockLinks(cid, bytes)
    for (let i = links.length - 1; i >= 0; i--) stack.push(links[i])
  }
}

function missing (cid: CID): BlockNotFoundError {
  return new BlockNotFoundError(`block ${cid} is not in the store`)
}

/** What {@link unpinRoot} found: the other pins (the editions) that still hold the root. */
export interface UnpinResult {
  /** Pinned editions whose edition.json names the root (its blocks stay held through them). */
  heldBy: string[]
}

/**
 * Removes a root's pin record (NotFoundError when it is not pinned). Nothing
 * else is written: the blocks it held are freed by the next `gc`, unless another
 * pin reaches them. The editions that name the root are reported: their pins
 * still hold its blocks.
 */
export async function unpinRoot (repo: Repo, cid: CID, options: AbortOptions = {}): Promise<UnpinResult> {
  const engine = engineOf(repo)
  const held = engine.getData(pinKeyOf(cid))
  if (held === undefined) {
    options.signal?.throwIfAborted()
    throw new NotFoundError(`${cid} is not pinned`)
  }
  // an edition is named by no edition: its own unpin (each new edition unpins the one it replaces) reads none
  let metadata: PinMetadata = {}
  try { metadata = decodePin(held).metadata } catch {}
  const { editionsNaming, EDITION_PIN } = await import('../edition/named.js')
  // read before the record goes: reading the pins commits the pending pin writes, and
  // the removal must land in the caller's commit (pin rm's, with the article's index
  // entries), not alone (a kill in between left an article listed but not pinned)
  const heldBy = metadata.kind === EDITION_PIN.kind ? [] : await editionsNaming(repo, cid, options)
  await engine.putData(pinKeyOf(cid), null)
  return { heldBy }
}

/** Changes the metadata of a pin (NotFoundError when the root is not pinned). */
export async function setPinMetadata (repo: Repo, cid: CID, metadata: PinMetadata | undefined, options: AbortOptions = {}): Promise<void> {
  options.signal?.throwIfAborted()
  const record = getPin(repo, cid)
  if (record == null) throw new NotFoundError(`${cid} is not pinned`)
  await engineOf(repo).putData(pinKeyOf(cid), encodePin({ type: record.type, metadata: metadata ?? {} }))
}

/** Every pin (pending ones included), in the order of their keys. */
export async function * listPins (repo: Repo, options: AbortOptions = {}): AsyncGenerator<PinEntry> {
  const engine = engineOf(repo)
  await engine.flushUnder(PIN_PREFIX)
  for (const { key, value } of engine.dataRange(PIN_PREFIX)) {
    options.signal?.throwIfAborted()
    let record: PinRecord
    let cid: CID
    try {
      cid = CID.parse(key.slice(PIN_PREFIX.length))
      record = decodePin(value)
    } catch {
      continue // verify --all reports it
    }
    yield { cid, ...record }
  }
}

/** The pin type of a Helia `depth`: 0 is direct, anything unbounded recursive; the pin set holds no other depth. */
export function pinTypeOfDepth (depth: number | undefined): PinType {
  if (depth === 0) return 'direct'
  if (depth == null || depth === Infinity) return 'recursive'
  throw new InvalidArgumentError(`a pin of depth ${depth} cannot be kept: the repo's pins are recursive (the whole DAG) or direct (depth 0)`)
}

/**
 * Walks the DAGs of `roots` (a list, or a stream such as {@link listPins}: no list of the pins is held) over the raw store (no block is verified or copied;
 * raw leaves are only looked up), adding each block's multihash key to `marked`
 * (a block marked already is not walked again). A missing block, or one whose
 * links cannot be decoded, calls `onMissing` with the root and the block (and its
 * sub-DAG is skipped); `direct` roots mark
 * their root block alone.
 */
export async function markReachable (engine: Engine, roots: Iterable<{ cid: CID, type: PinType }> | AsyncIterable<{ cid: CID, type: PinType }>, marked: Set<string>, onMissing: (root: CID, block: CID, reason: 'missing' | 'damaged') => void, options: AbortOptions = {}): Promise<void> {
  for await (const { cid: root, type } of roots) {
    const stack: CID[] = [root]
    while (stack.length > 0) {
      options.signal?.throwIfAborted()
      const cid = stack.pop()!
      if (cid.multihash.code === IDENTITY) continue
      const multihash = cid.multihash.bytes
      const key = bytesKey(multihash)
      if (marked.has(key)) continue
      if (cid.code === RAW || type === 'direct') {
        if (engine.hasBlock(multihash)) marked.add(key)
        else onMissing(root, cid, 'missing')
        continue
      }
      const bytes = await engine.readBlock(multihash)
      if (bytes == null) { onMissing(root, cid, 'missing'); continue }
      let links: CID[]
      try {
        links = blockLinks(cid, bytes)
      } catch {
        onMissing(root, cid, 'damaged') // its links cannot be known
        continue
      }
      marked.add(key)
      for (let i = links.length - 1; i >= 0; i--) stack.push(links[i])
    }
  }
}
