import * as dagPb from '@ipld/dag-pb'
import { murmur3128 } from '@multiformats/murmur3'
import { UnixFS } from 'ipfs-unixfs'
import { InvalidArgumentError } from '../../errors.js'
import { dagPbCid } from '../unixfs/hash.js'
import type { Block } from '../unixfs/build-small-dir.js'
import type { CidProfile } from '../unixfs/profiles.js'
import type { CID } from 'multiformats/cid'

/** A directory entry that links an existing DAG: its name, root CID and cumulative size (the `Tsize` of its link). */
export interface DirEntry { name: string, cid: CID, tsize: number }

/** A directory built in memory: its root, its cumulative size and its new blocks (the linked DAGs are not among them). */
export interface BuiltDir { cid: CID, tsize: number, blocks: Block[] }

/** The UnixFS spec's hash for HAMT directories: murmur3-x64-64, the first 8 bytes of murmur3-x64-128, read from the first byte, most significant bit first. */
const MURMUR3_X64_64 = 0x22

export function hamtHash (name: string): Uint8Array {
  // the hasher is synchronous (murmurhash3js-revisited); its type allows a promise
  return (murmur3128.encode(new TextEncoder().encode(name)) as Uint8Array).slice(0, 8)
}

/**
 * Builds a UnixFS directory of links to existing DAGs, as a plain directory or,
 * when the profile's rule says it has outgrown one block, as a HAMT: the same
 * rule and layout as `ipfs-unixfs-importer` and Kubo (a test compares it with
 * `@helia/unixfs`). Entry names must be unique.
 */
export function buildDirectory (entries: DirEntry[], profile: CidProfile): BuiltDir {
  const sorted = [...entries].sort((a, b) => compareBytes(a.name, b.name))
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].name === sorted[i - 1].name) throw new InvalidArgumentError(`two entries named "${sorted[i].name}" in one directory`)
  }
  if (!outgrows(directorySize(entries, profile), profile)) {
    const links: dagPb.PBLink[] = sorted.map(e => ({ Name: e.name, Hash: e.cid, Tsize: e.tsize }))
    const flat = dagPb.encode({ Data: DIRECTORY_DATA, Links: links })
    const cid = dagPbCid(flat, profile.cidVersion)
    return { cid, tsize: flat.byteLength + sum(entries), blocks: [{ cid, bytes: flat }] }
  }
  const bits = hamtBits(profile)
  const blocks: Block[] = []
  const hashed = entries.map(e => ({ entry: e, hash: hamtHash(e.name) }))
  const root = buildShard(hashed, 0, bits, profile, blocks)
  return { cid: root.cid, tsize: root.tsize, blocks }
}

/** The Data of a plain directory. */
const DIRECTORY_DATA = new UnixFS({ type: 'directory' }).marshal()

/**
 * The profile's estimate of the size of a plain directory of these entries,
 * the number `outgrows` compares with the threshold: the sum of `entrySize`
 * over the entries, plus (block-bytes) the block's Data field.
 */
export function directorySize (entries: DirEntry[], profile: CidProfile): number {
  let size = profile.hamtSizeEstimation === 'block-bytes' ? field(DIRECTORY_DATA.byteLength) : 0
  for (const e of entries) size += entrySize(e, profile)
  return size
}

/** One entry's share of `directorySize`: what adding it adds to the estimate, removing it takes away. */
export function entrySize (e: DirEntry, profile: CidProfile): number {
  // block-bytes: the link's bytes in the plain directory's block, counted without encoding it
  if (profile.hamtSizeEstimation === 'block-bytes') return field(field(e.cid.bytes.byteLength) + field(Buffer.byteLength(e.name)) + 1 + varintLength(e.tsize))
  // links-bytes: the UTF-8 length of the name plus the bytes of its CID
  return Buffer.byteLength(e.name) + e.cid.bytes.byteLength
}

/** Whether a plain directory of this estimated size is too large for one block under the profile's rule (greater than the threshold, as the importer decides). */
export function outgrows (size: number, profile: CidProfile): boolean {
  return size > profile.hamtThresholdBytes
}

/** A length-delimited protobuf field of `n` bytes: its tag, its length and the bytes. */
function field (n: number): number {
  return 1 + varintLength(n) + n
}

function varintLength (n: number): number {
  let len = 1
  while (n >= 0x80) { n = Math.floor(n / 0x80); len++ }
  return len
}

export interface Hashed { entry: DirEntry, hash: Uint8Array }

/** The bits of a hash each HAMT level consumes: log2 of the profile's fanout. */
export function hamtBits (profile: CidProfile): number {
  const bits = Math.log2(profile.hamtFanout)
  if (!Number.isInteger(bits) || bits < 1 || bits > 8) throw new InvalidArgumentError(`HAMT fanout ${profile.hamtFanout} is not a power of two up to 256`)
  return bits
}

/** The index of `hash` at `depth` in a HAMT of `bits` bits per level: its bits read most significant first. */
export function indexAt (hash: Uint8Array, depth: number, bits: number): number {
  let out = 0
  for (let i = 0; i < bits; i++) {
    const bit = depth * bits + i
    const byte = bit >> 3
    if (byte >= hash.length) throw new InvalidArgumentError('HAMT names collide in all 64 bits of their hash')
    out = (out << 1) | ((hash[byte] >> (7 - (bit & 7))) & 1)
  }
  return out
}

/**
 * The HAMT under one node at `depth`, as the importer lays it out: each slot
 * holds one entry or, where several entries share the slot, a sub-shard. Its
 * blocks are pushed to `blocks`, children first.
 */
export function buildShard (items: Hashed[], depth: number, bits: number, profile: CidProfile, blocks: Block[]): { cid: CID, tsize: number } {
  const slots = new Map<number, Hashed[]>()
  for (const item of items) {
    const i = indexAt(item.hash, depth, bits)
    const slot = slots.get(i)
    if (slot == null) slots.set(i, [item])
    else slot.push(item)
  }
  const links = new Map<number, ShardLink>()
  for (const i of [...slots.keys()].sort((a, b) => a - b)) {
    const slot = slots.get(i)!
    links.set(i, slot.length === 1 ? { entry: slot[0].entry } : { shard: buildShard(slot, depth + 1, bits, profile, blocks) })
  }
  return encodeShard(links, bits, profile, blocks)
}

/** What one slot of a HAMT node holds: an entry, or a sub-shard (its root CID and cumulative size). */
export type ShardLink = { entry: DirEntry, shard?: undefined } | { shard: { cid: CID, tsize: number }, entry?: undefined }

/** The Data of a HAMT node: its bitfield, fanout and hash function. */
export function shardData (bitfield: Uint8Array, bits: number): Uint8Array {
  return new UnixFS({ type: 'hamt-sharded-directory', data: bitfield, fanout: BigInt(1 << bits), hashType: BigInt(MURMUR3_X64_64) }).marshal()
}

/** A slot's label: its index in fixed-width upper-case hex (two digits at fanout 256). */
export function slotLabel (i: number, bits: number): string {
  return i.toString(16).toUpperCase().padStart(((1 << bits) - 1).toString(16).length, '0')
}

/**
 * Encodes one HAMT node from its slots: each entry's link is named by the slot
 * label then the entry's name, each sub-shard's by the label alone; the
 * bitfield marks the slots in use. Pushes the block to `blocks`.
 */
export function encodeShard (slots: Map<number, ShardLink>, bits: number, profile: CidProfile, blocks: Block[]): { cid: CID, tsize: number } {
  const used = [...slots.keys()].sort((a, b) => a - b)
  // the bitfield is a big-endian number with bit i set for each slot i in use, in as few bytes as it needs (go-unixfs writes big.Int's bytes)
  const bitfield = new Uint8Array(Math.ceil((used[used.length - 1] + 1) / 8))
  const links: dagPb.PBLink[] = []
  let childrenSize = 0
  for (const i of used) {
    const slot = slots.get(i)!
    bitfield[bitfield.length - 1 - (i >> 3)] |= 1 << (i & 7)
    if (slot.entry != null) links.push({ Name: slotLabel(i, bits) + slot.entry.name, Hash: slot.entry.cid, Tsize: slot.entry.tsize })
    else links.push({ Name: slotLabel(i, bits), Hash: slot.shard.cid, Tsize: slot.shard.tsize })
    childrenSize += links[links.length - 1].Tsize!
  }
  // the links are in slot order, which is their names' byte order (fixed-width upper-case hex): already as dag-pb sorts them
  const bytes = dagPb.encode({ Data: shardData(bitfield, bits), Links: links })
  const cid = dagPbCid(bytes, profile.cidVersion)
  blocks.push({ cid, bytes })
  return { cid, tsize: bytes.byteLength + childrenSize }
}

function sum (entries: DirEntry[]): number {
  let n = 0
  for (const e of entries) n += e.tsize
  return n
}

/** dag-pb's link order: names compared as bytes. */
function compareBytes (a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}
