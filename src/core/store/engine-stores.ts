import { BaseBlockstore } from 'blockstore-core'
import { BaseDatastore } from 'datastore-core'
import { Key } from 'interface-datastore'
import { NotFoundError as StoreNotFoundError } from 'interface-store'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { readAll } from '../read-all.js'
import type { Engine } from './engine.js'
import type { Pair as DatastorePair, Query, KeyQuery } from 'interface-datastore'
import type { AbortOptions } from 'abort-error'

type Bytes = Uint8Array

/** A NotFoundError without a stack trace: misses are routine (Helia probes pin records) and stacks are costly. */
function notFound (message: string): Error {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try { return new StoreNotFoundError(message) } finally { Error.stackTraceLimit = limit }
}

/**
 * The engine's blocks as a Helia blockstore, keyed by multihash as Kubo and
 * blockstore-level key them: the codec is not part of the key. Reads are not
 * verified here; the repo wraps this in the one verifying layer.
 */
export class EngineBlockstore extends BaseBlockstore {
  constructor (private readonly engine: Engine) { super() }

  async put (cid: CID, bytes: Bytes | Iterable<Bytes> | AsyncIterable<Bytes>, options?: AbortOptions): Promise<CID> {
    options?.signal?.throwIfAborted()
    await this.engine.putBlock(cid.multihash.bytes, await readAll(bytes))
    return cid
  }

  async * get (cid: CID, options?: AbortOptions): AsyncGenerator<Bytes> {
    options?.signal?.throwIfAborted()
    const bytes = await this.engine.readBlock(cid.multihash.bytes)
    if (bytes == null) throw notFound(`block ${cid} is not in the store`)
    yield bytes
  }

  async has (cid: CID, options?: AbortOptions): Promise<boolean> {
    options?.signal?.throwIfAborted()
    return this.engine.hasBlock(cid.multihash.bytes)
  }

  async delete (cid: CID, options?: AbortOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    await this.engine.deleteBlock(cid.multihash.bytes)
  }

  /** Every stored block, as a CIDv1 with the raw codec (the key holds only the multihash); its bytes are read only when asked for. */
  async * getAll (options?: AbortOptions): AsyncGenerator<{ cid: CID, bytes: AsyncGenerator<Bytes> }> {
    await this.engine.flush()
    const engine = this.engine
    const each = (multihash: Bytes): { cid: CID, bytes: AsyncGenerator<Bytes> } => {
      const cid = CID.createV1(raw.code, Digest.decode(multihash))
      return { cid, bytes: (async function * () { const b = await engine.readBlock(multihash); if (b == null) throw notFound(`block ${cid} is not in the store`); yield b })() }
    }
    for (const multihash of this.engine.multihashes()) {
      options?.signal?.throwIfAborted()
      yield each(multihash)
    }
  }
}

/** The engine's `data` database as Helia's datastore (string keys). */
export class EngineDatastore extends BaseDatastore {
  constructor (private readonly engine: Engine) { super() }

  async put (key: Key, value: Bytes, options?: AbortOptions): Promise<Key> {
    options?.signal?.throwIfAborted()
    await this.engine.putData(key.toString(), value)
    return key
  }

  async get (key: Key, options?: AbortOptions): Promise<Bytes> {
    options?.signal?.throwIfAborted()
    const value = this.engine.getData(key.toString())
    if (value == null) throw notFound(`no value for key ${key.toString()}`)
    return value
  }

  async has (key: Key, options?: AbortOptions): Promise<boolean> {
    options?.signal?.throwIfAborted()
    return this.engine.getData(key.toString()) !== undefined
  }

  /** Whether no entry, committed or pending, has a key under `prefix` (Engine.noDataUnder). */
  noDataUnder (prefix: string): boolean {
    return this.engine.noDataUnder(prefix)
  }

  /** Appends to a log under `prefix` in the same commit as the other pending writes (Engine.appendLog). */
  async appendLog (prefix: string, value: Bytes): Promise<void> {
    await this.engine.appendLog(prefix, value)
  }

  async delete (key: Key, options?: AbortOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    await this.engine.putData(key.toString(), null)
  }

  async * _all (q: Query, options?: AbortOptions): AsyncGenerator<DatastorePair> {
    await this.engine.flushUnder(q.prefix)
    for (const { key, value } of this.engine.dataRange(q.prefix)) {
      options?.signal?.throwIfAborted()
      yield { key: new Key(key, false), value }
    }
  }

  async * _allKeys (q: KeyQuery, options?: AbortOptions): AsyncGenerator<Key> {
    await this.engine.flushUnder(q.prefix)
    for (const { key } of this.engine.dataRange(q.prefix, true)) {
      options?.signal?.throwIfAborted()
      yield new Key(key, false)
    }
  }
}
