import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { equals } from 'uint8arrays/equals'
import { InvalidArgumentError } from '../../errors.js'
import { buildDirectory, buildShard, directorySize, encodeShard, entrySize, hamtBits, hamtHash, indexAt, outgrows, shardData, slotLabel } from './directory.js'
import type { BuiltDir, DirEntry, Hashed, ShardLink } from './directory.js'
import type { Block } from '../unixfs/build-small-dir.js'
import type { CidProfile } from '../unixfs/profiles.js'
import type { AbortOptions } from 'abort-error'
import type { CID } from 'multiformats/cid'

export { directorySize }

/** One change to a directory: `entry` becomes the entry named `name` (added or replacing), or with `null` the entry named `name` is removed (nothing happens when there is none). */
export interface DirChange { name: string, entry: DirEntry | null }

/**
 * An updated directory: its root, cumulative size and new blocks, as
 * `buildDirectory` of the resulting entries gives them, and `size`, the
 * profile's size estimate of a plain directory of all its entries
 * (`directorySize`): the number the HAMT threshold is compared with. Record it
 * and pass it as `options.size` to the next update.
 */
export interface UpdatedDir extends BuiltDir { size: number }

/** Reads a block. It is the caller's to verify that the bytes hash to the CID (the edition passes a verifying source). */
export type GetBlock = (cid: CID, options?: AbortOptions) => Promise<Uint8Array>

/**
 * Applies `changes` to the directory `root` (plain or HAMT, as `buildDirectory`
 * built it with the same profile) and returns what `buildDirectory` would
 * return for the resulting entries: the same root CID, Tsize and blocks, except
 * that from a HAMT only the blocks that changed are returned (the others are
 * the previous directory's).
 *
 * - Plain root: its entries are decoded, changed and built again.
 * - HAMT root that still outgrows one block: only the shards on the changed
 *   names' paths are read (O(changes × depth) calls of `get`) and encoded again,
 *   each once: a slot that gets a second entry becomes a sub-shard, a sub-shard
 *   left with one entry folds back into its parent's slot.
 * - HAMT root that no longer outgrows: every shard is read and the plain
 *   directory is built (O(n)).
 *
 * Several changes of one name: the last wins. Names whose hashes agree in all
 * 64 bits are refused as `buildDirectory` refuses them. `options.signal` is
 * checked between shards and passed to `get`. `options.size` is the previous
 * directory's `size` (as an earlier `UpdatedDir` gave it); it decides, with each
 * change's share, whether the result outgrows. Without it, a HAMT is walked
 * whole to count it (O(n)); a wrong one gives a wrong layout. For a plain root
 * it is not needed (the root holds every entry).
 */
export async function updateDirectory (get: GetBlock, root: CID, changes: DirChange[], profile: CidProfile, options: AbortOptions & { size?: number } = {}): Promise<UpdatedDir> {
  options.signal?.throwIfAborted()
  const last = new Map<string, DirEntry | null>()
  for (const c of changes) {
    if (c.entry != null && c.entry.name !== c.name) throw new InvalidArgumentError(`a change of "${c.name}" holds an entry named "${c.entry.name}"`)
    last.set(c.name, c.entry) // the last change of a name wins
  }
  const bytes = await get(root, options)
  const node = dagPb.decode(bytes)
  const type = node.Data == null ? undefined : UnixFS.unmarshal(node.Data).type
  if (type === 'directory') {
    return rebuild(node.Links.map(l => ({ name: l.Name ?? '', cid: l.Hash, tsize: l.Tsize ?? 0 })), last, profile)
  }
  const ctx: Context = { get, profile, bits: hamtBits(profile), options, blocks: [], delta: 0 }
  const slots = decodeShard(bytes, ctx)
  let all: DirEntry[] | undefined
  if (options.size == null) all = await walk(root, ctx)
  const changed = await updateShard(slots, 0, [...last].map(([name, entry]) => ({ name, entry, hash: hamtHash(name) })), ctx)
  const size = (options.size ?? directorySize(all!, profile)) + ctx.delta
  if (!outgrows(size, profile)) return rebuild(all ?? await walk(root, ctx), last, profile)
  if (!changed) return { cid: root, tsize: node.Links.reduce((n, l) => n + (l.Tsize ?? 0), bytes.byteLength), blocks: [], size }
  return { ...encodeShard(slots, ctx.bits, profile, ctx.blocks), blocks: ctx.blocks, size }
}

interface Context { get: GetBlock, profile: CidProfile, bits: number, options: AbortOptions, blocks: Block[], delta: number }

interface HashedChange { name: string, entry: DirEntry | null, hash: Uint8Array }

/** Applies the changes to all the entries and builds the directory, as a plain one or a HAMT by the size. */
function rebuild (entries: DirEntry[], changes: Map<string, DirEntry | null>, profile: CidProfile): UpdatedDir {
  const byName = new Map(entries.map(e => [e.name, e]))
  for (const [name, entry] of changes) {
    if (entry == null) byName.delete(name)
    else byName.set(name, entry)
  }
  const result = [...byName.values()]
  return { ...buildDirectory(result, profile), size: directorySize(result, profile) }
}

/**
 * Applies the changes routed to this HAMT node at `depth` to its `slots` (in
 * place), reading the sub-shards they lead into. Returns whether anything
 * changed; adds each change's share of the size estimate to `ctx.delta`.
 */
async function updateShard (slots: Map<number, ShardLink>, depth: number, changes: HashedChange[], ctx: Context): Promise<boolean> {
  const bySlot = new Map<number, HashedChange[]>()
  for (const c of changes) {
    const i = indexAt(c.hash, depth, ctx.bits)
    const group = bySlot.get(i)
    if (group == null) bySlot.set(i, [c])
    else group.push(c)
  }
  let changed = false
  for (const [i, group] of bySlot) {
    ctx.options.signal?.throwIfAborted()
    const held = slots.get(i)
    let next: ShardLink | undefined
    if (held?.shard != null) {
      const sub = decodeShard(await ctx.get(held.shard.cid, ctx.options), ctx)
      if (!await updateShard(sub, depth + 1, group, ctx)) continue
      // a sub-shard left with one entry folds into this slot (a sub-shard always holds two entries or more)
      const only = sub.size === 1 ? [...sub.values()][0] : undefined
      next = sub.size === 0 ? undefined : only?.entry != null ? only : { shard: encodeShard(sub, ctx.bits, ctx.profile, ctx.blocks) }
    } else {
      // the slot is empty or holds one entry: the changes make it empty, one entry or a new sub-shard
      const entries = new Map<string, DirEntry>()
      if (held?.entry != null) entries.set(held.entry.name, held.entry)
      for (const c of group) {
        const old = entries.get(c.name)
        ctx.delta += (c.entry == null ? 0 : entrySize(c.entry, ctx.profile)) - (old == null ? 0 : entrySize(old, ctx.profile))
        if (c.entry == null) entries.delete(c.name)
        else entries.set(c.name, c.entry)
      }
      const result = [...entries.values()]
      if (result.length === (held == null ? 0 : 1) && (held == null || sameEntry(held.entry!, result[0]))) continue
      next = result.length === 0
        ? undefined
        : result.length === 1
          ? { entry: result[0] }
          : { shard: buildShard(result.map((e): Hashed => ({ entry: e, hash: hamtHash(e.name) })), depth + 1, ctx.bits, ctx.profile, ctx.blocks) }
    }
    if (next == null) slots.delete(i)
    else slots.set(i, next)
    changed = true
  }
  return changed
}

function sameEntry (a: DirEntry, b: DirEntry): boolean {
  return a.name === b.name && a.tsize === b.tsize && a.cid.equals(b.cid)
}

/** Every entry of the HAMT under `cid`, reading each of its shards once, one after the other. */
async function walk (cid: CID, ctx: Context, into: DirEntry[] = []): Promise<DirEntry[]> {
  ctx.options.signal?.throwIfAborted()
  for (const link of decodeShard(await ctx.get(cid, ctx.options), ctx).values()) {
    if (link.entry != null) into.push(link.entry)
    else await walk(link.shard.cid, ctx, into)
  }
  return into
}

/** The slots of a HAMT node; refuses a block that is not one with the profile's fanout and hash. */
function decodeShard (bytes: Uint8Array, ctx: Context): Map<number, ShardLink> {
  const node = dagPb.decode(bytes)
  const data = node.Data == null ? undefined : UnixFS.unmarshal(node.Data)
  // ipfs-unixfs does not read a node's hashType back: the Data must be what encodeShard writes for its bitfield
  if (data?.type !== 'hamt-sharded-directory' || data.data == null || !equals(node.Data!, shardData(data.data, ctx.bits))) {
    throw new InvalidArgumentError(`not a directory of the ${ctx.profile.name} profile (a ${data?.type ?? 'non-UnixFS'} node${data?.fanout == null ? '' : ` of fanout ${data.fanout}`})`)
  }
  const labelLength = slotLabel(0, ctx.bits).length
  const slots = new Map<number, ShardLink>()
  for (const l of node.Links) {
    const name = l.Name ?? ''
    const label = name.slice(0, labelLength)
    const i = Number.parseInt(label, 16)
    if (label.length < labelLength || slotLabel(i, ctx.bits) !== label) throw new InvalidArgumentError(`HAMT link "${name}" does not start with a slot`)
    const tsize = l.Tsize ?? 0
    slots.set(i, name.length === labelLength ? { shard: { cid: l.Hash, tsize } } : { entry: { name: name.slice(labelLength), cid: l.Hash, tsize } })
  }
  return slots
}
