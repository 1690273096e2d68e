import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { describe, expect, it } from 'vitest'
import { buildDirectory, hamtHash, indexAt } from '../../../src/core/edition/directory.js'
import { directorySize, updateDirectory } from '../../../src/core/edition/update-directory.js'
import { dagPbCid, rawCid } from '../../../src/core/unixfs/hash.js'
import { getProfile } from '../../../src/core/unixfs/profiles.js'
import type { BuiltDir, DirEntry } from '../../../src/core/edition/directory.js'
import type { DirChange, UpdatedDir } from '../../../src/core/edition/update-directory.js'
import type { CidProfile } from '../../../src/core/unixfs/profiles.js'
import type { CID } from 'multiformats/cid'

/** A block store in a Map, whose reads are counted. */
class Store {
  readonly blocks = new Map<string, Uint8Array>()
  reads = 0
  put (built: BuiltDir): void { for (const b of built.blocks) this.blocks.set(b.cid.toString(), b.bytes) }
  get = async (cid: CID): Promise<Uint8Array> => {
    this.reads++
    const bytes = this.blocks.get(cid.toString())
    if (bytes == null) throw new Error(`no block ${cid.toString()}`)
    return bytes
  }
}

/** mulberry32: a small seeded PRNG, so that every run makes the same sequence. */
function prng (seed: number): (n: number) => number {
  return (n: number) => {
    seed = (seed + 0x6D2B79F5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n)
  }
}

/** An entry of a given version: CIDs of both lengths (dag-pb v0, raw v1) and Tsizes of 1 to 4 varint bytes, for the block-bytes estimate. */
function entry (name: string, version: number): DirEntry {
  const bytes = new TextEncoder().encode(`${name} v${version}`)
  const cid = version % 2 === 0 ? rawCid(bytes) : dagPbCid(bytes, 0)
  return { name, cid, tsize: [7, 300, 70_000, 3_000_000][version % 4] + name.length }
}

function nameOf (i: number): string {
  return `2025-${String(i % 12 + 1).padStart(2, '0')}-${String(i % 28 + 1).padStart(2, '0')}-article-${i}${i % 7 === 0 ? '-été' : ''}${i % 2 === 0 ? '.html' : ''}`
}

/** Each directory block decoded once (a test walks the same blocks step after step): whether it is a HAMT node, and its links if it is. */
const nodes = new WeakMap<Uint8Array, { hamt: boolean, links: dagPb.PBLink[] }>()

function decode (bytes: Uint8Array): { hamt: boolean, links: dagPb.PBLink[] } {
  let node = nodes.get(bytes)
  if (node == null) {
    const pb = dagPb.decode(bytes)
    const hamt = UnixFS.unmarshal(pb.Data!).type === 'hamt-sharded-directory'
    node = { hamt, links: hamt ? pb.Links : [] }
    nodes.set(bytes, node)
  }
  return node
}

function isHamt (bytes: Uint8Array): boolean {
  return decode(bytes).hamt
}

/** The directory blocks under `root` (the HAMT's shards, or the plain block), with the depth of the deepest: links to entries are not followed. */
function reachable (root: CID, find: (cid: string) => Uint8Array | undefined, profile: CidProfile): { cids: Set<string>, depth: number } {
  const label = (profile.hamtFanout - 1).toString(16).length
  const cids = new Set<string>()
  let depth = 0
  const visit = (cid: CID, level: number): void => {
    const bytes = find(cid.toString())
    if (bytes == null) throw new Error(`block ${cid.toString()} is neither new nor of the previous directory`)
    cids.add(cid.toString())
    depth = Math.max(depth, level)
    for (const l of decode(bytes).links) if (l.Name!.length === label) visit(l.Hash, level + 1)
  }
  visit(root, 1)
  return { cids, depth }
}

/** The blocks under each directory checked so far (by its root), so that each is walked once. */
const walked = new Map<string, { cids: Set<string>, depth: number }>()

/**
 * Applies the changes with updateDirectory to `before` and checks the result
 * against buildDirectory of the same entries: root, Tsize, size, blocks; that
 * every block under the new root is new or of the previous directory, that no
 * block of the previous directory is returned again, and (from a HAMT, with the
 * size known) that only the shards on the changed names' paths were read.
 */
async function check (store: Store, before: UpdatedDir, entries: Map<string, DirEntry>, changes: DirChange[], profile: CidProfile, knownSize = true): Promise<UpdatedDir> {
  for (const c of changes) {
    if (c.entry == null) entries.delete(c.name)
    else entries.set(c.name, c.entry)
  }
  const oracle = buildDirectory([...entries.values()], profile)
  const previous = walked.get(before.cid.toString()) ?? reachable(before.cid, cid => store.blocks.get(cid), profile)
  store.reads = 0
  const after = await updateDirectory(store.get, before.cid, changes, profile, knownSize ? { size: before.size } : {})
  expect(after.cid.toString()).toBe(oracle.cid.toString())
  expect(after.tsize).toBe(oracle.tsize)
  expect(after.size).toBe(directorySize([...entries.values()], profile))
  const oracleBlocks = new Map(oracle.blocks.map(b => [b.cid.toString(), b.bytes]))
  const fresh = new Map(after.blocks.map(b => [b.cid.toString(), b.bytes]))
  expect(fresh.size).toBe(after.blocks.length)
  for (const [cid, bytes] of fresh) {
    expect(Buffer.from(bytes).equals(Buffer.from(oracleBlocks.get(cid) ?? new Uint8Array()))).toBe(true)
    if (isHamt(bytes)) expect(previous.cids.has(cid)).toBe(false)
  }
  // complete: every block the oracle has is new or was there; every block under the new root is one of those
  for (const cid of oracleBlocks.keys()) expect(fresh.has(cid) || previous.cids.has(cid)).toBe(true)
  walked.set(after.cid.toString(), reachable(after.cid, cid => fresh.get(cid) ?? (previous.cids.has(cid) ? store.blocks.get(cid) : undefined), profile))
  const names = new Set(changes.map(c => c.name)).size
  const wasHamt = isHamt(store.blocks.get(before.cid.toString())!)
  if (!wasHamt) expect(store.reads).toBe(1)
  else if (knownSize && isHamt(fresh.get(after.cid.toString()) ?? store.blocks.get(after.cid.toString())!)) {
    // the root, then at most one shard a level below it for each changed name
    expect(store.reads).toBeLessThanOrEqual(1 + names * (previous.depth - 1))
  }
  store.put(after)
  return after
}

/** Copies of the two profiles, and smaller ones that shard a few dozen entries over fanouts of 16 and 8, so that buckets split and fold at depth 3 and more. */
const PROFILES: Array<[string, CidProfile, { low: number, high: number, churn: number }]> = [
  ['unixfs-v1-2025', getProfile('unixfs-v1-2025'), { low: 0.985, high: 1.015, churn: 8 }],
  ['unixfs-v0-2015', getProfile('unixfs-v0-2015'), { low: 0.985, high: 1.015, churn: 8 }],
  ['unixfs-v1-2025, fanout 16, threshold 3000', { ...getProfile('unixfs-v1-2025'), hamtFanout: 16, hamtThresholdBytes: 3000 }, { low: 0.5, high: 8, churn: 20 }],
  ['unixfs-v0-2015, fanout 8, threshold 1500', { ...getProfile('unixfs-v0-2015'), hamtFanout: 8, hamtThresholdBytes: 1500 }, { low: 0.5, high: 8, churn: 20 }]
]

/** How many entries (as \`start\` makes them) a plain directory holds before it outgrows its block. */
function capacity (profile: CidProfile): number {
  let size = directorySize([], profile)
  let n = 0
  while (size <= profile.hamtThresholdBytes) size += directorySize([entry(nameOf(n), n++)], profile) - directorySize([], profile)
  return n - 1
}

describe('updateDirectory: byte-identical to buildDirectory of the resulting entries', () => {
  for (const [title, profile, factors] of PROFILES) {
    it(`${title}: random adds, replacements and removals across the threshold both ways`, async () => {
      // from below the threshold to well above it, and back below
      const low = Math.floor(capacity(profile) * factors.low)
      const high = Math.ceil(capacity(profile) * factors.high)
      const rand = prng(0x5eed + profile.hamtFanout + profile.cidVersion)
      const { store, entries, dir: first } = start(profile, low)
      let dir = first
      let next = low
      const seen = { toHamt: 0, toPlain: 0, hamtToHamt: 0, deep: 0 }
      // grow past `high`, then a few steps of small changes around that size, then shrink below `low`
      let phase: 'grow' | 'churn' | 'shrink' = 'grow'
      let churned = 0
      for (let step = 0; ; step++) {
        if (phase === 'grow' && entries.size > high) phase = 'churn'
        if (phase === 'churn' && churned++ === factors.churn) phase = 'shrink'
        if (phase === 'shrink' && entries.size < low) break
        // a bound against a sequence that would not end
        expect(step).toBeLessThan(1000)
        const live = [...entries.keys()]
        const changes: DirChange[] = []
        const batch = 1 + rand(phase !== 'churn' && rand(3) === 0 ? 300 : 12)
        // the odds (in %) of an add, a replacement and a removal; the rest removes an absent name
        const [add, replace, remove] = { grow: [55, 20, 22], churn: [35, 30, 32], shrink: [20, 20, 57] }[phase]
        for (let k = 0; k < batch; k++) {
          const r = rand(100)
          const pick = live[rand(live.length)]
          if (r < add || live.length === 0) {
            const name = nameOf(next++)
            changes.push({ name, entry: entry(name, rand(8)) })
          } else if (r < add + replace) changes.push({ name: pick, entry: entry(pick, 1 + rand(8)) })
          else if (r < add + replace + remove) changes.push({ name: pick, entry: null })
          else changes.push({ name: `absent-${rand(1000)}`, entry: null })
        }
        const wasHamt = isHamt(store.blocks.get(dir.cid.toString())!)
        dir = await check(store, dir, entries, changes, profile, step % 7 !== 3)
        const hamt = isHamt(store.blocks.get(dir.cid.toString())!)
        if (hamt && !wasHamt) seen.toHamt++
        if (!hamt && wasHamt) seen.toPlain++
        if (hamt && wasHamt) seen.hamtToHamt++
        seen.deep = Math.max(seen.deep, walked.get(dir.cid.toString())!.depth)
      }
      // the threshold was crossed both ways, a HAMT was updated as a HAMT many times, and grew at least three levels deep
      expect(seen.toHamt).toBeGreaterThan(0)
      expect(seen.toPlain).toBeGreaterThan(0)
      expect(seen.hamtToHamt).toBeGreaterThanOrEqual(10)
      expect(seen.deep).toBeGreaterThanOrEqual(3)
    })
  }
})

/** A directory of `n` entries (names of nameOf, CIDs and Tsizes of each kind), built by buildDirectory into a new store. */
function start (profile: CidProfile, n: number): { store: Store, entries: Map<string, DirEntry>, dir: UpdatedDir } {
  const entries = new Map<string, DirEntry>()
  for (let i = 0; i < n; i++) entries.set(nameOf(i), entry(nameOf(i), i))
  const store = new Store()
  const dir = { ...buildDirectory([...entries.values()], profile), size: directorySize([...entries.values()], profile) }
  store.put(dir)
  return { store, entries, dir }
}

/** A small HAMT of fanout 256 (threshold lowered): most of its root's slots hold one entry. */
function smallHamt (): { profile: CidProfile, store: Store, entries: Map<string, DirEntry>, dir: UpdatedDir } {
  const profile = { ...getProfile('unixfs-v1-2025'), hamtThresholdBytes: 2000 }
  const { store, entries, dir } = start(profile, 30)
  expect(isHamt(store.blocks.get(dir.cid.toString())!)).toBe(true)
  return { profile, store, entries, dir }
}

/** A new name whose hash agrees with `name`'s in the first `levels` slots but not the next one. */
function collider (name: string, levels: number): string {
  const hash = hamtHash(name)
  for (let i = 0; ; i++) {
    const other = hamtHash(`collider-${i}`)
    let agree = 0
    while (agree < 8 && indexAt(other, agree, 8) === indexAt(hash, agree, 8)) agree++
    if (agree === levels) return `collider-${i}`
  }
}

/** The root's link for the slot of `name`. */
function slotLink (store: Store, root: CID, name: string): dagPb.PBLink {
  const label = indexAt(hamtHash(name), 0, 8).toString(16).toUpperCase().padStart(2, '0')
  return dagPb.decode(store.blocks.get(root.toString())!).Links.find(l => l.Name!.startsWith(label))!
}

describe('updateDirectory: single cases', () => {
  it('a second entry in a root slot splits it into a sub-shard (two levels deep when their hashes agree), and removing it folds it back', async () => {
    for (const levels of [1, 2]) {
      const { profile, store, entries, dir } = smallHamt()
      const single = [...entries.keys()].find(n => slotLink(store, dir.cid, n).Name!.length > 2)!
      const other = collider(single, levels)
      const split = await check(store, dir, entries, [{ name: other, entry: entry(other, 3) }], profile)
      expect(slotLink(store, split.cid, single).Name).toHaveLength(2)
      expect(split.blocks).toHaveLength(levels + 1)
      const back = await check(store, split, entries, [{ name: other, entry: null }], profile)
      expect(back.cid.toString()).toBe(dir.cid.toString())
      expect(back.size).toBe(dir.size)
    }
  })

  it('removing an absent name changes nothing and writes no block', async () => {
    const { profile, store, entries, dir } = smallHamt()
    const after = await check(store, dir, entries, [{ name: 'not-there', entry: null }], profile)
    expect(after).toEqual({ cid: dir.cid, tsize: dir.tsize, blocks: [], size: dir.size })
  })

  it('a plain directory that outgrows its block becomes a HAMT, and back to plain when it shrinks', async () => {
    const profile = { ...getProfile('unixfs-v0-2015'), hamtThresholdBytes: 1000 }
    const { store, entries, dir: plain } = start(profile, 5)
    const adds = Array.from({ length: 40 }, (_, i) => ({ name: nameOf(100 + i), entry: entry(nameOf(100 + i), i) }))
    const hamt = await check(store, plain, entries, adds, profile)
    expect(isHamt(store.blocks.get(hamt.cid.toString())!)).toBe(true)
    const back = await check(store, hamt, entries, adds.map(a => ({ name: a.name, entry: null })), profile)
    expect(back.cid.toString()).toBe(plain.cid.toString())
    expect(back.blocks).toHaveLength(1)
  })

  it('several changes of one name: the last wins', async () => {
    const { profile, store, entries, dir } = smallHamt()
    const [a, b] = [...entries.keys()]
    await check(store, dir, entries, [{ name: a, entry: null }, { name: a, entry: entry(a, 5) }, { name: b, entry: entry(b, 6) }, { name: b, entry: null }], profile)
    expect(entries.has(b)).toBe(false)
  })

  it('without the previous size, a HAMT is walked to count it', async () => {
    const { profile, store, entries, dir } = smallHamt()
    const after = await check(store, dir, entries, [{ name: 'new', entry: entry('new', 1) }], profile, false)
    expect(after.size).toBe(dir.size + directorySize([entry('new', 1)], profile) - directorySize([], profile))
  })

  it('refuses a change whose entry has another name, a HAMT of another fanout, and an aborted signal', async () => {
    const { profile, store, dir } = smallHamt()
    await expect(updateDirectory(store.get, dir.cid, [{ name: 'a', entry: entry('b', 1) }], profile)).rejects.toThrow(/a change of "a" holds an entry named "b"/)
    await expect(updateDirectory(store.get, dir.cid, [{ name: 'a', entry: null }], { ...profile, hamtFanout: 16 }, { size: dir.size })).rejects.toThrow(/not a directory of the unixfs-v1-2025 profile/)
    await expect(updateDirectory(store.get, dir.cid, [{ name: 'a', entry: null }], profile, { size: dir.size, signal: AbortSignal.abort() })).rejects.toThrow(/abort/i)
  })
})
