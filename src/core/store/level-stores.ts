import { readFileSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { BaseBlockstore } from 'blockstore-core'
import { bytesKey } from '../unixfs/multihash-key.js'
import { readAll } from '../read-all.js'
import { base32 } from 'multiformats/bases/base32'
import { BaseDatastore } from 'datastore-core'
import { Key } from 'interface-datastore'
import { NotFoundError as StoreNotFoundError } from 'interface-store'
import { decodeLocation, encodeLocation, PackFiles } from './packs.js'
import type { PackLocation } from './packs.js'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import type { Pair as DatastorePair, Query, KeyQuery } from 'interface-datastore'
import type { AbortOptions } from 'abort-error'
import type { Level } from 'level'
import type { AbstractSublevel } from 'abstract-level'

type Bytes = Uint8Array
type Sub<K> = AbstractSublevel<Level<Bytes, Bytes>, string | Bytes, K, Bytes>

/**
 * Blocks this large or larger are kept in files of their own, as Kubo's flatfs
 * keeps every block: the chunks of a large `add` then leave no gigabytes in a pack
 * for gc to rewrite once they are unpinned. Smaller ones go to the packs.
 */
export const FILE_BLOCK_BYTES = 128 * 1024

const EMPTY = new Uint8Array(0)

/** Iterators fetch up to 4 MiB per round trip to LevelDB's thread (the default, 16 KiB, means one trip per article). */
const BULK = { highWaterMarkBytes: 4 * 1024 * 1024 } as any

/** A block write waiting for the next batch: a small block's bytes, a large block already in its file, or a deletion. */
interface PendingBlock { key: Bytes, kind: 'put' | 'file' | 'del', value: Bytes | null }

/** Flush pending writes once they hold this many bytes. */
const DEFAULT_FLUSH_BYTES = 64 * 1024 * 1024

/** A NotFoundError without a stack trace: misses are routine (Helia probes pin records) and stacks are costly. */
function notFound (message: string): Error {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try { return new StoreNotFoundError(message) } finally { Error.stackTraceLimit = limit }
}

/**
 * The hot paths (reads by key, batch writes) address the root database with the
 * sublevels' keys built here, `!<name>!` then the key's bytes, exactly as
 * abstract-level builds them, which saves two rounds of key encoding on each of
 * the hundred thousand reads and writes of a bulk publish. Iterators still go
 * through the sublevels. A test checks that both agree.
 */
const PACKED_PREFIX = Buffer.from('!p!')
const FILES_PREFIX = Buffer.from('!f!')

/** The batch puts that name where each block now sits in the packs. */
function locationPuts (keys: Bytes[], locations: PackLocation[]): Array<{ type: 'put', key: Bytes, value: Bytes }> {
  return keys.map((key, i) => ({ type: 'put', key: prefixed(PACKED_PREFIX, key), value: encodeLocation(locations[i]) }))
}

function prefixed (prefix: Buffer, key: Bytes): Buffer {
  const out = Buffer.allocUnsafe(prefix.length + key.byteLength)
  prefix.copy(out, 0)
  out.set(key, prefix.length)
  return out
}

/** The root-level key of a datastore key (the `d` sublevel holds UTF-8 keys). */
function dataKey (key: string): Buffer {
  return Buffer.from('!d!' + key)
}

/**
 * The repo's blocks and datastore: small blocks in pack files (packs.ts), large
 * ones in files of their own, and in one LevelDB database where each block is
 * (sublevels `p` and `f`) and Helia's datastore (`d`). A write buffer holds puts
 * and deletes in memory (and serves them to reads) until {@link LevelStores.flush}
 * appends the small blocks to the pack and then commits the rest in one atomic
 * LevelDB batch. Publishing
 * thousands of articles then costs a handful of batches instead of tens of
 * thousands of separate writes, and a process killed mid-run leaves the store as
 * it was after the last flush: never half a bundle.
 */
export class LevelStores {
  /** Where each small block sits in the packs: multihash → location (see packs.ts). */
  readonly packed: Sub<Bytes>
  /** Markers of the blocks kept in files: multihash → empty value. */
  readonly files: Sub<Bytes>
  /** The pack files that hold the small blocks. */
  readonly packs: PackFiles
  /** Helia's datastore (pins, the article index, the stat cache): key → value. */
  readonly data: Sub<string>
  readonly blockstore: LevelBlockstore
  readonly datastore: LevelDatastore
  private pendingBlocks = new Map<string, PendingBlock>()
  private pendingData = new Map<string, Bytes | null>()
  private inflightBlocks = new Map<string, PendingBlock>()
  private inflightData = new Map<string, Bytes | null>()
  private pendingBytes = 0
  private flushing: Promise<void> | null = null
  private readonly shards = new Set<string>()
  /** Block files being written, by multihash key. */
  private readonly writingFiles = new Map<string, Promise<void>>()
  private tmpFiles = 0

  /**
   * @param db the LevelDB database
   * @param dir the folder for blocks kept in files (`<dir>/<shard>/<base32 multihash>`)
   * @param packDir the folder of the pack files
   */
  constructor (readonly db: Level<Bytes, Bytes>, readonly dir: string, packDir: string, readonly flushBytes = DEFAULT_FLUSH_BYTES) {
    this.packed = db.sublevel<Bytes, Bytes>('p', { keyEncoding: 'view', valueEncoding: 'view' })
    this.packs = new PackFiles(packDir)
    this.files = db.sublevel<Bytes, Bytes>('f', { keyEncoding: 'view', valueEncoding: 'view' })
    this.data = db.sublevel<string, Bytes>('d', { keyEncoding: 'utf8', valueEncoding: 'view' })
    this.blockstore = new LevelBlockstore(this)
    this.datastore = new LevelDatastore(this)
  }

  /** Waits until the sublevels are open (synchronous reads need it). */
  async open (): Promise<void> {
    await Promise.all([this.packed.open(), this.files.open(), this.data.open()])
  }

  /** The file that holds a large block. */
  blockPath (multihash: Bytes): string {
    const name = base32.encode(multihash).slice(1)
    // 32 shards, by the next-to-last character (flatfs's next-to-last/1): flatfs's
    // default of two characters means up to 1,024 folders, and making one took about
    // a millisecond here, a fifth of the time of adding a 512 MiB file to a new repo
    return join(this.dir, name.slice(-2, -1), name)
  }

  /**
   * Stores a block: a small one is queued for the next batch; a large one is
   * written to its own file first (temporary name, then rename) and only its
   * marker is queued, so a committed marker always names a complete file.
   */
  async putBlock (multihash: Bytes, bytes: Bytes): Promise<void> {
    if (bytes.byteLength < FILE_BLOCK_BYTES) {
      await this.queueBlock(multihash, { key: multihash, kind: 'put', value: bytes })
      return
    }
    // the same block twice at once (a file that repeats a chunk): one write serves both
    const k = bytesKey(multihash)
    const running = this.writingFiles.get(k)
    if (running != null) return await running
    const write = (async () => {
      const path = this.blockPath(multihash)
      const shard = dirname(path)
      if (!this.shards.has(shard)) { await mkdir(shard, { recursive: true }); this.shards.add(shard) }
      const tmp = `${path}.${process.pid}.${++this.tmpFiles}.tmp`
      await writeFile(tmp, bytes)
      await rename(tmp, path)
      await this.queueBlock(multihash, { key: multihash, kind: 'file', value: null })
    })()
    this.writingFiles.set(k, write)
    try {
      await write
    } finally {
      this.writingFiles.delete(k)
    }
  }

  async deleteBlock (multihash: Bytes): Promise<void> {
    await this.queueBlock(multihash, { key: multihash, kind: 'del', value: null })
  }

  private async queueBlock (multihash: Bytes, entry: PendingBlock): Promise<void> {
    this.pendingBlocks.set(bytesKey(multihash), entry)
    this.pendingBytes += (entry.value?.byteLength ?? 0) + 64
    if (this.pendingBytes >= this.flushBytes) await this.flush()
  }

  /** Queues a datastore write; flushes when the buffer is full. */
  async queue (key: string, value: Bytes | null): Promise<void> {
    this.pendingData.set(key, value)
    this.pendingBytes += (value?.byteLength ?? 0) + 64
    if (this.pendingBytes >= this.flushBytes) await this.flush()
  }

  /** A block's bytes as the store holds them (pending writes included), or undefined. Synchronous: no thread-pool round trip. */
  readBlock (multihash: Bytes): Bytes | undefined {
    const pending = this.pendingBlock(multihash)
    if (pending != null) {
      if (pending.kind === 'del') return undefined
      return pending.kind === 'put' ? pending.value! : this.readFileBlock(multihash)
    }
    const loc = this.db.getSync(prefixed(PACKED_PREFIX, multihash))
    if (loc !== undefined) return this.packs.read(decodeLocation(loc))
    if (this.db.getSync(prefixed(FILES_PREFIX, multihash)) !== undefined) return this.readFileBlock(multihash)
    return undefined
  }

  /** Whether a block is in the store (pending writes included). */
  hasBlock (multihash: Bytes): boolean {
    const pending = this.pendingBlock(multihash)
    if (pending != null) return pending.kind !== 'del'
    return this.db.getSync(prefixed(PACKED_PREFIX, multihash)) !== undefined || this.db.getSync(prefixed(FILES_PREFIX, multihash)) !== undefined
  }

  /** A block write not yet committed (waiting, or in the batch being written). */
  private pendingBlock (multihash: Bytes): PendingBlock | undefined {
    const k = bytesKey(multihash)
    return this.pendingBlocks.get(k) ?? this.inflightBlocks.get(k)
  }

  /** A committed datastore value (pending writes not included), or undefined. */
  getData (key: string): Bytes | undefined {
    return this.db.getSync(dataKey(key))
  }

  /**
   * Removes files in the blocks folder that no committed marker names: temporary
   * files, and complete files whose marker a killed process never committed.
   * Call with no writes pending (after a flush).
   */
  async sweepBlockFiles (): Promise<{ files: number, bytes: number }> {
    await this.flush()
    const out = { files: 0, bytes: 0 }
    let shards: string[]
    try { shards = await readdir(this.dir) } catch { return out }
    for (const shard of shards) {
      let names: string[]
      try { names = await readdir(join(this.dir, shard)) } catch { continue }
      for (const name of names) {
        let orphan = name.endsWith('.tmp')
        if (!orphan) {
          try {
            orphan = this.files.getSync(base32.decode('b' + name)) === undefined
          } catch {
            continue // not a block file of ours: leave it alone
          }
        }
        if (!orphan) continue
        const path = join(this.dir, shard, name)
        const size = (await stat(path).catch(() => undefined))?.size ?? 0
        await rm(path, { force: true })
        out.files++
        out.bytes += size
      }
    }
    return out
  }

  /**
   * Moves small blocks kept elsewhere in the database (`from`, by multihash) into
   * the pack: appended first, then their locations committed and the old entries
   * dropped in one batch (used to migrate repos of an earlier layout).
   */
  async movePackedIn (entries: Array<[Bytes, Bytes]>, from: Sub<Bytes>): Promise<void> {
    await this.flush()
    const locations = await this.packs.append(entries.map(([, value]) => value))
    await this.db.batch([
      ...locationPuts(entries.map(([key]) => key), locations),
      ...entries.map(([key]) => ({ type: 'del' as const, key, sublevel: from }))
    ] as any)
  }

  /**
   * Reclaims the space of deleted small blocks (gc): a pack that no location
   * names is deleted; one whose live blocks fill less than half of it has them
   * copied into a new pack (their new locations committed in batches) and is
   * then deleted. A process killed midway leaves the old pack in place and still
   * named, or no longer named and deleted by the next run. Call with nothing else
   * writing. Returns how many packs went and the bytes of dead blocks reclaimed.
   */
  async compactPacks (options?: AbortOptions): Promise<{ packs: number, bytes: number }> {
    await this.flush()
    const named = new Map<number, Array<{ key: Bytes, loc: PackLocation }>>()
    for await (const [key, value] of this.packed.iterator(BULK)) {
      const loc = decodeLocation(value)
      let list = named.get(loc.pack)
      if (list == null) named.set(loc.pack, list = [])
      list.push({ key, loc })
    }
    const out = { packs: 0, bytes: 0 }
    const packs = this.packs.list()
    this.packs.roll() // copies go to a new pack, never into one being compacted
    for (const { pack, size } of packs) {
      options?.signal?.throwIfAborted()
      const blocks = named.get(pack) ?? []
      let live = 0
      for (const b of blocks) live += b.loc.length
      if (blocks.length > 0 && live * 2 >= size) continue
      for (let start = 0; start < blocks.length;) {
        // slices of up to 64 MiB
        const slice: typeof blocks = []
        for (let bytes = 0; start < blocks.length && bytes < DEFAULT_FLUSH_BYTES; start++) { slice.push(blocks[start]); bytes += blocks[start].loc.length }
        const values = slice.map(b => this.packs.read(b.loc))
        const kept = slice.filter((_, i) => values[i] !== undefined)
        const locations = await this.packs.append(values.filter((v): v is Bytes => v !== undefined))
        await this.db.batch([
          ...locationPuts(kept.map(b => b.key), locations),
          // a location past the end of its pack names no block: drop it with the pack
          ...slice.filter((_, i) => values[i] === undefined).map(b => ({ type: 'del' as const, key: prefixed(PACKED_PREFIX, b.key) }))
        ])
      }
      await this.packs.remove(pack)
      out.packs++
      out.bytes += Math.max(0, size - live)
    }
    return out
  }

  private readFileBlock (multihash: Bytes): Bytes | undefined {
    try {
      return readFileSync(this.blockPath(multihash))
    } catch (err: any) {
      if (err.code === 'ENOENT') return undefined
      throw err
    }
  }

  /** A datastore value as it will be once pending writes land: bytes, null (deleted) or undefined (not pending). */
  pendingValue (key: string): Bytes | null | undefined {
    return this.pendingData.has(key) ? this.pendingData.get(key) : this.inflightData.get(key)
  }

  /**
   * Flushes if a pending datastore write (or one being flushed) falls under
   * `prefix`, so that a query sees it; a query for other keys does not wait for a
   * batch (opening a repo writes Helia's version key, which no query reads).
   */
  async flushDataUnder (prefix: string | undefined): Promise<void> {
    const touches = (keys: Iterable<string>): boolean => {
      if (prefix == null) return true
      for (const k of keys) if (k.startsWith(prefix)) return true
      return false
    }
    if (touches(this.pendingData.keys()) || (this.flushing != null && touches(this.inflightData.keys()))) await this.flush()
  }

  /** Writes every pending put and delete in one atomic batch. */
  async flush (): Promise<void> {
    while (this.flushing != null) await this.flushing
    if (this.pendingBlocks.size === 0 && this.pendingData.size === 0) return
    const blocks = this.inflightBlocks = this.pendingBlocks
    const data = this.inflightData = this.pendingData
    this.pendingBlocks = new Map()
    this.pendingData = new Map()
    this.pendingBytes = 0
    const ops: Array<{ type: 'put', key: Bytes, value: Bytes } | { type: 'del', key: Bytes }> = []
    const unlink: string[] = []
    const small: PendingBlock[] = []
    for (const entry of blocks.values()) {
      const { key, kind } = entry
      if (kind === 'put') small.push(entry)
      else if (kind === 'file') ops.push({ type: 'put', key: prefixed(FILES_PREFIX, key), value: EMPTY })
      else {
        ops.push({ type: 'del', key: prefixed(PACKED_PREFIX, key) }, { type: 'del', key: prefixed(FILES_PREFIX, key) })
        unlink.push(this.blockPath(key))
      }
    }
    for (const [key, value] of data) {
      ops.push(value == null ? { type: 'del', key: dataKey(key) } : { type: 'put', key: dataKey(key), value })
    }
    // small blocks go to the pack first: a committed location always names bytes on disk
    this.flushing = (small.length === 0 ? Promise.resolve([]) : this.packs.append(small.map(b => b.value!))).then(async (locations) => {
      ops.push(...locationPuts(small.map(b => b.key), locations))
      await this.db.batch(ops)
    }).then(async () => {
      // a deleted block's file goes once its marker is gone
      await Promise.all(unlink.map(async path => rm(path, { force: true })))
    }).finally(() => {
      this.inflightBlocks = new Map()
      this.inflightData = new Map()
      this.flushing = null
    })
    await this.flushing
  }
}

/** Blocks keyed by multihash, as Kubo and blockstore-level do: the codec is not part of the key. */
export class LevelBlockstore extends BaseBlockstore {
  constructor (private readonly stores: LevelStores) { super() }

  async put (cid: CID, bytes: Bytes | Iterable<Bytes> | AsyncIterable<Bytes>, options?: AbortOptions): Promise<CID> {
    options?.signal?.throwIfAborted()
    await this.stores.putBlock(cid.multihash.bytes, await readAll(bytes))
    return cid
  }

  async * get (cid: CID, options?: AbortOptions): AsyncGenerator<Bytes> {
    options?.signal?.throwIfAborted()
    const bytes = this.stores.readBlock(cid.multihash.bytes)
    if (bytes == null) throw notFound(`block ${cid} is not in the store`)
    yield bytes
  }

  async has (cid: CID, options?: AbortOptions): Promise<boolean> {
    options?.signal?.throwIfAborted()
    return this.stores.hasBlock(cid.multihash.bytes)
  }

  async delete (cid: CID, options?: AbortOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    await this.stores.deleteBlock(cid.multihash.bytes)
  }

  /** Every stored block, as a CIDv1 with the raw codec (the key holds only the multihash). */
  async * getAll (options?: AbortOptions): AsyncGenerator<{ cid: CID, bytes: AsyncGenerator<Bytes> }> {
    for await (const { multihash, bytes } of this.entries(options)) {
      yield { cid: CID.createV1(raw.code, Digest.decode(multihash)), bytes: (async function * () { yield bytes })() }
    }
  }

  /** Every stored block with its multihash: those in LevelDB, then those in files (a missing file is skipped). */
  async * entries (options?: AbortOptions): AsyncGenerator<{ multihash: Bytes, bytes: Bytes }> {
    await this.stores.flush()
    for await (const [key, value] of this.stores.packed.iterator(BULK)) {
      options?.signal?.throwIfAborted()
      const bytes = this.stores.packs.read(decodeLocation(value))
      if (bytes === undefined) continue // its pack is gone or short: the block is missing
      yield { multihash: key, bytes }
    }
    for await (const key of this.stores.files.keys(BULK)) {
      options?.signal?.throwIfAborted()
      let bytes: Bytes
      try {
        bytes = await readFile(this.stores.blockPath(key))
      } catch (err: any) {
        if (err.code === 'ENOENT') continue
        throw err
      }
      yield { multihash: key, bytes }
    }
  }

  /**
   * Every stored block with its size, as {@link entries} lists them, without
   * reading any: a small block's size is in its location (kept if its pack holds
   * it), a large one's is its file's (for stat and gc).
   */
  async * sizes (options?: AbortOptions): AsyncGenerator<{ multihash: Bytes, size: number }> {
    await this.stores.flush()
    const packSizes = new Map(this.stores.packs.list().map(p => [p.pack, p.size]))
    for await (const [key, value] of this.stores.packed.iterator(BULK)) {
      options?.signal?.throwIfAborted()
      const loc = decodeLocation(value)
      if (loc.offset + loc.length > (packSizes.get(loc.pack) ?? 0)) continue // its pack is gone or short
      yield { multihash: key, size: loc.length }
    }
    for await (const key of this.stores.files.keys(BULK)) {
      options?.signal?.throwIfAborted()
      const size = (await stat(this.stores.blockPath(key)).catch(() => undefined))?.size
      if (size != null) yield { multihash: key, size }
    }
  }
}

/** A datastore over the `d` sublevel, with string keys. */
export class LevelDatastore extends BaseDatastore {
  constructor (private readonly stores: LevelStores) { super() }

  async put (key: Key, value: Bytes, options?: AbortOptions): Promise<Key> {
    options?.signal?.throwIfAborted()
    await this.stores.queue(key.toString(), value)
    return key
  }

  async get (key: Key, options?: AbortOptions): Promise<Bytes> {
    options?.signal?.throwIfAborted()
    const k = key.toString()
    const pending = this.stores.pendingValue(k)
    const value = pending !== undefined ? pending : this.stores.getData(k)
    if (value == null) throw notFound(`no value for key ${k}`)
    return value
  }

  async has (key: Key, options?: AbortOptions): Promise<boolean> {
    options?.signal?.throwIfAborted()
    const k = key.toString()
    const pending = this.stores.pendingValue(k)
    if (pending !== undefined) return pending != null
    return this.stores.getData(k) !== undefined
  }

  async delete (key: Key, options?: AbortOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    await this.stores.queue(key.toString(), null)
  }

  async * _all (q: Query, options?: AbortOptions): AsyncGenerator<DatastorePair> {
    await this.stores.flushDataUnder(q.prefix)
    const range = q.prefix != null ? { gte: q.prefix, lt: q.prefix + '\xFF' } : {}
    for await (const [key, value] of this.stores.data.iterator({ ...range, ...BULK })) {
      options?.signal?.throwIfAborted()
      yield { key: new Key(key), value }
    }
  }

  async * _allKeys (q: KeyQuery, options?: AbortOptions): AsyncGenerator<Key> {
    await this.stores.flushDataUnder(q.prefix)
    const range = q.prefix != null ? { gte: q.prefix, lt: q.prefix + '\xFF' } : {}
    for await (const key of this.stores.data.keys({ ...range, ...BULK })) {
      options?.signal?.throwIfAborted()
      yield new Key(key)
    }
  }
}
