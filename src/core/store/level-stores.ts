import { BaseBlockstore } from 'blockstore-core'
import { BaseDatastore } from 'datastore-core'
import { Key } from 'interface-datastore'
import { NotFoundError as StoreNotFoundError } from 'interface-store'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import type { Pair as DatastorePair, Query, KeyQuery } from 'interface-datastore'
import type { AbortOptions } from 'abort-error'
import type { Level } from 'level'
import type { AbstractSublevel } from 'abstract-level'

type Bytes = Uint8Array
type Sub<K> = AbstractSublevel<Level<Bytes, Bytes>, string | Bytes, K, Bytes>

/** Flush pending writes once they hold this many bytes. */
const DEFAULT_FLUSH_BYTES = 64 * 1024 * 1024

function mapKey (bytes: Bytes): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}

/** A NotFoundError without a stack trace: misses are routine (Helia probes pin records) and stacks are costly. */
function notFound (message: string): Error {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try { return new StoreNotFoundError(message) } finally { Error.stackTraceLimit = limit }
}

async function collect (value: Bytes | Iterable<Bytes> | AsyncIterable<Bytes>): Promise<Bytes> {
  if (value instanceof Uint8Array) return value
  const parts: Bytes[] = []
  for await (const part of value) parts.push(part)
  return parts.length === 1 ? parts[0] : Buffer.concat(parts)
}

/**
 * The repo's blocks and datastore in one LevelDB database (two sublevels), with a
 * write buffer: puts and deletes are held in memory (and served to reads) until
 * {@link LevelStores.flush} writes them in one atomic LevelDB batch. Publishing
 * thousands of articles then costs a handful of batches instead of tens of
 * thousands of separate writes, and a process killed mid-run leaves the store as
 * it was after the last flush: never half a bundle.
 */
export class LevelStores {
  readonly blocks: Sub<Bytes>
  readonly data: Sub<string>
  readonly blockstore: LevelBlockstore
  readonly datastore: LevelDatastore
  private pendingBlocks = new Map<string, { key: Bytes, value: Bytes | null }>()
  private pendingData = new Map<string, Bytes | null>()
  private inflightBlocks = new Map<string, { key: Bytes, value: Bytes | null }>()
  private inflightData = new Map<string, Bytes | null>()
  private pendingBytes = 0
  private flushing: Promise<void> | null = null

  constructor (readonly db: Level<Bytes, Bytes>, readonly flushBytes = DEFAULT_FLUSH_BYTES) {
    this.blocks = db.sublevel<Bytes, Bytes>('b', { keyEncoding: 'view', valueEncoding: 'view' })
    this.data = db.sublevel<string, Bytes>('d', { keyEncoding: 'utf8', valueEncoding: 'view' })
    this.blockstore = new LevelBlockstore(this)
    this.datastore = new LevelDatastore(this)
  }

  /** Waits until the sublevels are open (synchronous reads need it). */
  async open (): Promise<void> {
    await Promise.all([this.blocks.open(), this.data.open()])
  }

  /** Queues a write; flushes when the buffer is full. */
  async queue (kind: 'block' | 'data', key: Bytes | string, value: Bytes | null): Promise<void> {
    if (kind === 'block') {
      this.pendingBlocks.set(mapKey(key as Bytes), { key: key as Bytes, value })
    } else {
      this.pendingData.set(key as string, value)
    }
    this.pendingBytes += (value?.byteLength ?? 0) + 64
    if (this.pendingBytes >= this.flushBytes) await this.flush()
  }

  /** A block as the store will hold it once pending writes land: bytes, null (deleted) or undefined (not pending). */
  pendingBlock (multihash: Bytes): Bytes | null | undefined {
    const k = mapKey(multihash)
    return (this.pendingBlocks.get(k) ?? this.inflightBlocks.get(k))?.value
  }

  /** A datastore value as it will be once pending writes land: bytes, null (deleted) or undefined (not pending). */
  pendingValue (key: string): Bytes | null | undefined {
    return this.pendingData.has(key) ? this.pendingData.get(key) : this.inflightData.get(key)
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
    const batch = this.db.batch()
    for (const { key, value } of blocks.values()) {
      if (value == null) batch.del(key, { sublevel: this.blocks })
      else batch.put(key, value, { sublevel: this.blocks })
    }
    for (const [key, value] of data) {
      if (value == null) batch.del(key, { sublevel: this.data })
      else batch.put(key, value, { sublevel: this.data })
    }
    this.flushing = batch.write().finally(() => {
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
    await this.stores.queue('block', cid.multihash.bytes, await collect(bytes))
    return cid
  }

  async * get (cid: CID, options?: AbortOptions): AsyncGenerator<Bytes> {
    options?.signal?.throwIfAborted()
    const pending = this.stores.pendingBlock(cid.multihash.bytes)
    // synchronous: a thread-pool round trip per block costs more than the read itself
    const bytes = pending !== undefined ? pending : this.stores.blocks.getSync(cid.multihash.bytes)
    if (bytes == null) throw notFound(`block ${cid} is not in the store`)
    yield bytes
  }

  async has (cid: CID, options?: AbortOptions): Promise<boolean> {
    options?.signal?.throwIfAborted()
    const pending = this.stores.pendingBlock(cid.multihash.bytes)
    if (pending !== undefined) return pending != null
    // LevelDB's synchronous get: no thread-pool round trip, which dominates for misses
    return this.stores.blocks.getSync(cid.multihash.bytes) !== undefined
  }

  async delete (cid: CID, options?: AbortOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    await this.stores.queue('block', cid.multihash.bytes, null)
  }

  /** Every stored block, as a CIDv1 with the raw codec (the key holds only the multihash). */
  async * getAll (options?: AbortOptions): AsyncGenerator<{ cid: CID, bytes: AsyncGenerator<Bytes> }> {
    await this.stores.flush()
    for await (const [key, value] of this.stores.blocks.iterator()) {
      options?.signal?.throwIfAborted()
      yield { cid: CID.createV1(raw.code, Digest.decode(key)), bytes: (async function * () { yield value })() }
    }
  }

  /** Every stored multihash with the size of its block, without copying block bytes out of LevelDB twice. */
  async * entries (options?: AbortOptions): AsyncGenerator<{ multihash: Bytes, bytes: Bytes }> {
    await this.stores.flush()
    for await (const [key, value] of this.stores.blocks.iterator()) {
      options?.signal?.throwIfAborted()
      yield { multihash: key, bytes: value }
    }
  }
}

/** A datastore over the `d` sublevel, with string keys. */
export class LevelDatastore extends BaseDatastore {
  constructor (private readonly stores: LevelStores) { super() }

  async put (key: Key, value: Bytes, options?: AbortOptions): Promise<Key> {
    options?.signal?.throwIfAborted()
    await this.stores.queue('data', key.toString(), value)
    return key
  }

  async get (key: Key, options?: AbortOptions): Promise<Bytes> {
    options?.signal?.throwIfAborted()
    const k = key.toString()
    const pending = this.stores.pendingValue(k)
    const value = pending !== undefined ? pending : this.stores.data.getSync(k)
    if (value == null) throw notFound(`no value for key ${k}`)
    return value
  }

  async has (key: Key, options?: AbortOptions): Promise<boolean> {
    options?.signal?.throwIfAborted()
    const k = key.toString()
    const pending = this.stores.pendingValue(k)
    if (pending !== undefined) return pending != null
    return this.stores.data.getSync(k) !== undefined
  }

  async delete (key: Key, options?: AbortOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    await this.stores.queue('data', key.toString(), null)
  }

  async * _all (q: Query, options?: AbortOptions): AsyncGenerator<DatastorePair> {
    await this.stores.flush()
    const range = q.prefix != null ? { gte: q.prefix, lt: q.prefix + '\xFF' } : {}
    for await (const [key, value] of this.stores.data.iterator(range)) {
      options?.signal?.throwIfAborted()
      yield { key: new Key(key), value }
    }
  }

  async * _allKeys (q: KeyQuery, options?: AbortOptions): AsyncGenerator<Key> {
    await this.stores.flush()
    const range = q.prefix != null ? { gte: q.prefix, lt: q.prefix + '\xFF' } : {}
    for await (const key of this.stores.data.keys(range)) {
      options?.signal?.throwIfAborted()
      yield new Key(key)
    }
  }
}
