import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { RepoError } from '../../errors.js'
import { bytesKey } from '../unixfs/multihash-key.js'
import { BlockFiles, FILE_BLOCK_BYTES } from './block-files.js'
import { checkDataFile } from './engine-check.js'
import { MAX_KEY_BYTES } from './limits.js'
import type { Database, RootDatabase } from 'lmdb'

/**
 * lmdb-js, loaded on first use (a command that opens no repo never loads it), through
 * its CommonJS build: one file where its ES module entry is a dozen, which a cold
 * publish notices. It is the package's own `require` export, not a patch.
 */
let lmdb: typeof import('lmdb') | undefined
function openEnv (options: Parameters<typeof import('lmdb').open>[0]): RootDatabase {
  lmdb ??= createRequire(import.meta.url)('lmdb') as typeof import('lmdb')
  return lmdb.open(options)
}
import type { AbortOptions } from 'abort-error'

type Bytes = Uint8Array

/**
 * How many free page numbers a write loads from LMDB's free list when it looks for
 * a run of free pages (a value of more than one page). The free list grows with
 * the store (about 1,000 page numbers at 2,000 articles, 78,000 at 200,000), and
 * lmdb-js merges each loaded record into its sorted list one number at a time: at
 * its default (50,000) that took 160-260 ms of every edition at 200,000 articles,
 * nothing at 2,000. A write that finds no run among these takes new pages at the
 * file's end; in a 40,000-article repo after 30 days of publishing, editions and
 * a gc that left the file 0.15% larger (docs/store.md).
 */
export const FREE_PAGES_TO_LOAD = 4096

/** The folder of the LMDB environment inside a repo. */
export const ENGINE_DIR = 'lmdb'

/** A block write waiting for the next commit: a small block's bytes, a large block in its temporary file, or a deletion. */
interface PendingBlock { multihash: Bytes, kind: 'put' | 'file' | 'del', bytes?: Bytes, tmp?: string, size: number }

/** One batch of writes: what it changes. */
interface Batch {
  blocks: Map<string, PendingBlock>
  data: Map<string, Bytes | null>
  /** Entries of an append-only log: written at `<prefix><generation of their commit><n>` (see {@link Engine.appendLog}). */
  log: Array<{ prefix: string, value: Bytes }>
}

function emptyBatch (): Batch {
  return { blocks: new Map(), data: new Map(), log: [] }
}

/** A log entry's key after its prefix: the generation of its commit and its place in it, in hex, so that keys sort in commit order. */
export function logKey (generation: number, n: number): string {
  return generation.toString(16).padStart(8, '0') + n.toString(16).padStart(6, '0')
}

/** The generation of a log entry's key (the part after its prefix). */
export function logGeneration (suffix: string): number {
  return parseInt(suffix.slice(0, 8), 16)
}

/** Commit once pending writes hold this many bytes (large blocks count only their records). */
const DEFAULT_FLUSH_BYTES = 64 * 1024 * 1024

/**
 * Commit once this many writes wait, whatever their bytes: a transaction's dirty pages grow with its
 * writes (deletes too, which merge pages), and one of hundreds of thousands (a gc that drops the change
 * log of a 200,000-article bulk publish) failed to commit (MDB_BAD_TXN) on a 10 GB store.
 */
const MAX_PENDING_OPS = 50_000


const GENERATION_KEY = 'generation'

export interface EngineOptions {
  /** Open without writing (a full disk, or a reader that must not write). */
  readOnly?: boolean
  /**
   * Fault a small block's pages in on LMDB's thread before reading it, so that a
   * read never waits for the disk on the event loop (for `serve`). Batch commands
   * read directly from the map: a trip to another thread per block costs more than
   * the read. @default false
   */
  prefetchReads?: boolean
  flushBytes?: number
}

/**
 * The repo's store: one LMDB environment (ACID transactions, one writer and many
 * readers across processes, each value written once, memory-mapped reads) with
 * three databases (`blocks`: small blocks by multihash; `files`: the sizes of the
 * large blocks kept in files, see block-files.ts; `data`: the datastore: the pin set (pins.ts),
 * the article index, the stat cache), plus `meta` (a commit counter that readers
 * in other processes watch).
 *
 * Writes wait in memory (and are served to reads) until {@link Engine.flush}
 * commits them in one transaction and waits for it to be synced to disk. So a
 * group of published articles costs one synced commit, a process killed midway
 * leaves the store as it was after the last commit (never half a bundle), and a
 * caller that reports a result after `flush()` resolves reports durable data.
 *
 * A commit that fails (a full disk) fails every later one too: writes queued
 * after it may depend on it, and nothing after a lost write is acknowledged. The
 * repo must be opened again.
 */
const EMPTY = new Uint8Array(0)

export class Engine {
  readonly env: RootDatabase
  readonly blocks: Database<Buffer, Buffer>
  readonly files: Database<Buffer, Buffer>
  readonly data: Database<Buffer, Buffer>
  readonly meta: Database<Buffer, string>
  /** Blocks whose stored bytes failed verification on a read: publishing or importing them rewrites them. */
  readonly damaged: Database<Buffer, Buffer>
  readonly blockFiles: BlockFiles
  readonly readOnly: boolean
  private readonly prefetchReads: boolean
  private pending: Batch = emptyBatch()
  private inflight: Batch = emptyBatch()
  private pendingBytes = 0
  private flushing: Promise<void> | null = null
  private failure: Error | undefined
  private flushBytes: number
  private readonly defaultFlushBytes: number
  /** Large blocks being written to temporary files, by multihash key (a file repeating a chunk writes it once). */
  private readonly writing = new Map<string, Promise<void>>()

  private constructor (env: RootDatabase, readonly dir: string, options: EngineOptions) {
    this.env = env
    this.readOnly = options.readOnly === true
    this.prefetchReads = options.prefetchReads === true
    this.flushBytes = this.defaultFlushBytes = options.flushBytes ?? DEFAULT_FLUSH_BYTES
    type Bin = Database<Buffer, Buffer>
    const dbs = (): [Bin, Bin, Bin, Database<Buffer, string>, Bin] => [
      env.openDB<Buffer, Buffer>({ name: 'blocks', encoding: 'binary', keyEncoding: 'binary' }),
      env.openDB<Buffer, Buffer>({ name: 'files', encoding: 'binary', keyEncoding: 'binary' }),
      env.openDB<Buffer, Buffer>({ name: 'data', encoding: 'binary', keyEncoding: 'binary' }),
      env.openDB<Buffer, string>({ name: 'meta', encoding: 'binary', keyEncoding: 'ordered-binary' }),
      env.openDB<Buffer, Buffer>({ name: 'damaged', encoding: 'binary', keyEncoding: 'binary' })
    ]
    // in a new environment each database is created by a commit of its own, unless one transaction makes them all
    const opened = options.readOnly === true ? dbs() : env.transactionSync(dbs)
    ;[this.blocks, this.files, this.data, this.meta, this.damaged] = opened
    this.blockFiles = new BlockFiles(join(dir, 'blocks'), join(dir, 'tmp'))
  }

  /**
   * Opens the environment in `<dir>/lmdb`. `create` allows making a new one;
   * without it a missing data file is an error and nothing is created.
   */
  static open (dir: string, options: EngineOptions & { create?: boolean } = {}): Engine {
    const path = join(dir, ENGINE_DIR)
    if (options.create !== true && !existsSync(join(path, 'data.mdb'))) {
      throw new RepoError(`the repo at ${dir} is damaged: ${ENGINE_DIR}/data.mdb is missing; nothing was changed`)
    }
    if (options.create !== true && !existsSync(join(path, 'lock.mdb'))) {
      // LMDB would make a new one; while another process holds the old one, the two would not see each other's locks
      throw new RepoError(`the repo at ${dir} is damaged: ${ENGINE_DIR}/lock.mdb is missing (when no process has the repo open, an empty file of that name lets it open again); nothing was changed`)
    }
    if (options.create !== true || existsSync(join(path, 'data.mdb'))) {
      const wrong = checkDataFile(join(path, 'data.mdb'))
      if (wrong != null) throw new RepoError(`the repo at ${dir} is damaged: ${ENGINE_DIR}/data.mdb ${wrong}; nothing was changed`)
    }
    let env: RootDatabase
    try {
      // one map of the whole file (lmdb-js's remapChunks maps 64 KiB chunks as they are touched and
      // unmaps each at close: 2,000 munmaps, a fifth of a republish of 10,000 articles). The pages it
      // touches are page cache, counted in RSS but not in the anonymous memory the targets measure
      env = openEnv({ path, compression: false, maxDbs: 8, readOnly: options.readOnly === true, remapChunks: false, maxFreeSpaceToLoad: FREE_PAGES_TO_LOAD } as any)
    } catch (err: any) {
      throw new RepoError(`the repo at ${dir} is damaged: ${ENGINE_DIR}/data.mdb cannot be opened (${err.message}); nothing was changed`, { cause: err })
    }
    try {
      return new Engine(env, dir, options)
    } catch (err: any) {
      void env.close()
      throw new RepoError(`the repo at ${dir} is damaged: ${ENGINE_DIR}/data.mdb cannot be read (${err.message}); nothing was changed`, { cause: err })
    }
  }

  /** A number that grows with every commit, in any process (readers poll it to see new content). */
  generation (): number {
    return Number(this.meta.get(GENERATION_KEY)?.readUInt32BE(0) ?? 0)
  }

  // ---- blocks ----

  /**
   * While held, nothing is committed until {@link flush} is called (no commit when
   * the pending writes grow large): an import's blocks and pins land together or
   * not at all. Small blocks wait in memory, large ones in temporary files.
   */
  hold (on: boolean): void {
    this.flushBytes = on ? Number.POSITIVE_INFINITY : this.defaultFlushBytes
  }

  /** Records that a block's stored bytes failed verification (a separate small commit). */
  async markDamaged (multihash: Bytes): Promise<void> {
    if (this.readOnly) return
    await this.damaged.put(Buffer.from(multihash), Buffer.alloc(0))
  }

  /** How many blocks are recorded as damaged (and not rewritten since). */
  damagedCount (): number {
    return this.damaged.getKeysCount({})
  }

  /** Whether a block's stored bytes (pending writes included) are exactly `bytes`: a missing or damaged block is not. */
  async holds (multihash: Bytes, bytes: Bytes): Promise<boolean> {
    const p = this.pendingBlock(multihash)
    let stored: Bytes | undefined
    if (p != null || bytes.byteLength >= FILE_BLOCK_BYTES) {
      stored = await this.readBlock(multihash)
    } else {
      // a small block of a publish or an import: read from the map directly (no trip to
      // another thread per block; these commands serve no one while they run)
      stored = this.blocks.get(Buffer.from(multihash))
    }
    return stored != null && Buffer.compare(stored, bytes) === 0
  }

  /** Whether a large block's committed file holds exactly `bytes` (one recorded as damaged is written again, which clears the record). */
  private async holdsFile (multihash: Bytes, bytes: Bytes): Promise<boolean> {
    const key = Buffer.from(multihash)
    if (!this.files.doesExist(key) || this.damaged.doesExist(key)) return false
    const stored = await this.blockFiles.read(multihash)
    return stored != null && Buffer.compare(stored, bytes) === 0
  }

  /** Queues a block; a large one is first written to a synced temporary file. */
  async putBlock (multihash: Bytes, bytes: Bytes): Promise<void> {
    this.assertWritable()
    const k = bytesKey(multihash)
    if (bytes.byteLength < FILE_BLOCK_BYTES) {
      await this.queueBlock(k, { multihash, kind: 'put', bytes, size: bytes.byteLength })
      return
    }
    const running = this.writing.get(k)
    if (running != null) { await running; return }
    // a large block stored with exactly these bytes is not written and synced again (an edition's
    // month page keeps its chunks before the change); a missing or damaged one is. (Large blocks
    // are only ever files: the small blocks' B-tree, deep and cold in a large store, is not looked in.)
    if (this.pendingBlock(multihash) != null ? await this.holds(multihash, bytes) : await this.holdsFile(multihash, bytes)) return
    const write = (async () => {
      const tmp = await this.blockFiles.writeTemp(bytes)
      const previous = this.pending.blocks.get(k)
      if (previous?.tmp != null) await rm(previous.tmp, { force: true })
      // queued without a commit: a commit waits for every write in `writing`, this one too
      this.enqueue(k, { multihash, kind: 'file', tmp, size: bytes.byteLength })
    })()
    this.writing.set(k, write)
    try { await write } finally { this.writing.delete(k) }
    // the commit the pending writes may now call for, once this write is out of `writing`
    if (this.pendingBytes >= this.flushBytes || this.pendingOps >= MAX_PENDING_OPS) await this.flush()
  }

  /** Queues the record of a large block whose file is already in place (moving a repo of the earlier layout). */
  async adoptFile (multihash: Bytes, size: number): Promise<void> {
    this.assertWritable()
    await this.queueBlock(bytesKey(multihash), { multihash, kind: 'file', size })
  }

  async deleteBlock (multihash: Bytes): Promise<void> {
    this.assertWritable()
    await this.queueBlock(bytesKey(multihash), { multihash, kind: 'del', size: 0 })
  }

  private async queueBlock (k: string, entry: PendingBlock): Promise<void> {
    this.enqueue(k, entry)
    if (this.pendingBytes >= this.flushBytes || this.pendingOps >= MAX_PENDING_OPS) await this.flush()
  }

  /** Adds a block write to the pending batch (no commit: see {@link queueBlock}). */
  private enqueue (k: string, entry: PendingBlock): void {
    // a copy: a multihash is often a view into a much larger buffer (a CAR being read),
    // which a pending entry would otherwise keep alive until the commit
    entry.multihash = Uint8Array.prototype.slice.call(entry.multihash)
    this.pending.blocks.set(k, entry)
    this.pendingBytes += (entry.bytes?.byteLength ?? 0) + 64
  }

  private pendingBlock (multihash: Bytes): PendingBlock | undefined {
    const k = bytesKey(multihash)
    return this.pending.blocks.get(k) ?? this.inflight.blocks.get(k)
  }

  /** Whether a block is in the store (pending writes included): its record, and for a large block its file. Reads no bytes. */
  hasBlock (multihash: Bytes): boolean {
    const p = this.pendingBlock(multihash)
    if (p != null) return p.kind !== 'del'
    const key = Buffer.from(multihash)
    // a large block is there when its file is: a record whose file was deleted by hand is missing
    return this.blocks.doesExist(key) || (this.files.doesExist(key) && existsSync(this.blockFiles.path(multihash)))
  }

  /**
   * A block's bytes as stored (pending writes included), or undefined. A large
   * block's file is read asynchronously; with `prefetchReads` a small block's pages
   * are faulted in on LMDB's thread first, so the event loop never waits for the disk.
   */
  async readBlock (multihash: Bytes): Promise<Bytes | undefined> {
    const p = this.pendingBlock(multihash)
    if (p != null) {
      if (p.kind === 'del') return undefined
      if (p.kind === 'put') return p.bytes
      return (p.tmp != null ? await this.blockFiles.readPath(p.tmp) : undefined) ?? await this.blockFiles.read(multihash)
    }
    const key = Buffer.from(multihash)
    if (this.prefetchReads && this.blocks.doesExist(key)) await this.blocks.prefetch([key])
    const bytes = this.blocks.get(key)
    if (bytes != null) return bytes
    if (this.files.doesExist(key)) return await this.blockFiles.read(multihash)
    return undefined
  }

  /**
   * Every small block with its bytes (then {@link largeBlocks}: read them with readBlock). The
   * bytes are not copied: they are lmdb-js's reused read buffer (or a view of the map), valid
   * only until the next read of the store; use them before asking for the next block.
   */
  * smallBlocks (): Generator<{ multihash: Bytes, bytes: Bytes }> {
    for (const key of this.blocks.getKeys({})) {
      const bytes = this.blocks.getBinaryFast(key)
      // the reused buffer's `length` is the value's; its byteLength is the buffer's
      if (bytes != null) yield { multihash: key, bytes: bytes.subarray(0, bytes.length) }
    }
  }

  * largeBlocks (): Generator<{ multihash: Bytes, size: number }> {
    for (const { key, value } of this.files.getRange({})) yield { multihash: key, size: Number(value.readBigUInt64BE(0)) }
  }

  /** Every block's multihash, from the indexes alone (no value is read). */
  * multihashes (): Generator<Bytes> {
    for (const key of this.blocks.getKeys({})) yield key
    for (const key of this.files.getKeys({})) yield key
  }

  /** The size of a committed block (pending writes not included), or undefined: a small block's bytes are looked at in place, not copied. */
  storedSize (multihash: Bytes): number | undefined {
    const key = Buffer.from(multihash)
    // lmdb-js's reused buffer: its `length` is the value's, not its byteLength
    const small = this.blocks.getBinaryFast(key)
    if (small != null) return small.length
    const size = this.files.get(key)
    return size == null ? undefined : Number(size.readBigUInt64BE(0))
  }

  /** Every block's multihash and size (a small block's bytes are copied to learn it). */
  * sizes (): Generator<{ multihash: Bytes, size: number }> {
    for (const { key, value } of this.blocks.getRange({ values: true } as any)) yield { multihash: key, size: value.byteLength }
    yield * this.largeBlocks()
  }

  // ---- datastore ----

  /** Queues a datastore write (null: delete). */
  async putData (key: string, value: Bytes | null): Promise<void> {
    this.assertWritable()
    if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new RepoError(`a datastore key longer than ${MAX_KEY_BYTES} bytes cannot be stored: ${key.slice(0, 80)}…`)
    this.pending.data.set(key, value)
    this.pendingBytes += (value?.byteLength ?? 0) + 64
    if (this.pendingBytes >= this.flushBytes || this.pendingOps >= MAX_PENDING_OPS) await this.flush()
  }

  /**
   * Queues an entry of an append-only log under `prefix`: its key is given in the commit that writes
   * it (`prefix` + {@link logKey} of that commit's generation), so a reader that has seen the entries up
   * to generation g knows every later entry is of a later commit (a change record no scan needs to find).
   */
  async appendLog (prefix: string, value: Bytes): Promise<void> {
    this.assertWritable()
    this.pending.log.push({ prefix, value })
    this.pendingBytes += value.byteLength + 64
    if (this.pendingBytes >= this.flushBytes || this.pendingOps >= MAX_PENDING_OPS) await this.flush()
  }

  /** A datastore value (pending writes included), or undefined. */
  getData (key: string): Bytes | undefined {
    const pending = this.pendingData(key)
    if (pending !== undefined) return pending ?? undefined
    return this.data.get(Buffer.from(key))
  }

  /** A pending value: bytes, null (deleted), or undefined (nothing pending). */
  private pendingData (key: string): Bytes | null | undefined {
    return this.pending.data.has(key) ? this.pending.data.get(key) : this.inflight.data.get(key)
  }

  /** Committed datastore entries under a prefix, from the key `from` on when given (call {@link flushUnder} first to include pending ones). */
  * dataRange (prefix: string | undefined, keysOnly = false, from?: string): Generator<{ key: string, value: Bytes }> {
    const start = Buffer.from(from ?? prefix ?? '')
    const end = Buffer.concat([Buffer.from(prefix ?? ''), Buffer.from([0xff])])
    if (keysOnly) {
      // lmdb-js yields the keys themselves here
      for (const key of this.data.getKeys({ start, end })) yield { key: (key as Buffer).toString('utf8'), value: EMPTY }
      return
    }
    for (const { key, value } of this.data.getRange({ start, end })) {
      yield { key: key.toString('utf8'), value }
    }
  }

  /** Whether no datastore entry, committed or pending, has a key under `prefix`. */
  noDataUnder (prefix: string): boolean {
    for (const _ of this.dataRange(prefix, true)) return false
    for (const b of [this.pending, this.inflight]) for (const [k, v] of b.data) if (v != null && k.startsWith(prefix)) return false
    return true
  }

  /** Commits if a pending datastore write falls under `prefix`, so that a query sees it. */
  async flushUnder (prefix: string | undefined): Promise<void> {
    const touches = (keys: Iterable<string>): boolean => {
      if (prefix == null) return true
      for (const k of keys) if (k.startsWith(prefix)) return true
      return false
    }
    const logs = (b: Batch): string[] => b.log.map(e => e.prefix)
    if (touches(this.pending.data.keys()) || touches(logs(this.pending)) || (this.flushing != null && (touches(this.inflight.data.keys()) || touches(logs(this.inflight))))) await this.flush()
  }

  // ---- commits ----

  /** The writes waiting to be committed. */
  private get pendingOps (): number {
    return this.pending.blocks.size + this.pending.data.size + this.pending.log.length
  }

  /** True when nothing waits to be committed. */
  get idle (): boolean {
    return this.flushing == null && this.pending.blocks.size === 0 && this.pending.data.size === 0 && this.pending.log.length === 0 && this.writing.size === 0
  }

  /**
   * Commits every pending write in one transaction and resolves once it is synced
   * to disk. Large blocks' files are moved into place (and their folders synced)
   * before the transaction that names them.
   */
  async flush (options: AbortOptions = {}): Promise<void> {
    // wait until no commit runs and no large block is being written; checked again after
    // every wait, so that of two callers only one takes the pending writes (no await between
    // the last check and the swap below)
    for (;;) {
      if (this.flushing != null) { await this.flushing.catch(() => {}); continue }
      if (this.failure != null) throw this.failure
      if (this.writing.size > 0) { await Promise.allSettled(this.writing.values()); continue }
      break
    }
    if (this.pending.blocks.size === 0 && this.pending.data.size === 0 && this.pending.log.length === 0) return
    options.signal?.throwIfAborted()
    const batch = this.inflight = this.pending
    this.pending = emptyBatch()
    this.pendingBytes = 0
    this.flushing = this.commit(batch).catch(async (err) => {
      this.failure = await commitError(err)
      throw this.failure
    }).finally(() => {
      this.inflight = emptyBatch()
      this.flushing = null
    })
    await this.flushing
  }

  private async commit (batch: Batch): Promise<void> {
    const moves: Array<{ tmp: string, multihash: Bytes }> = []
    for (const b of batch.blocks.values()) if (b.kind === 'file' && b.tmp != null) moves.push({ tmp: b.tmp, multihash: b.multihash })
    await this.blockFiles.place(moves)
    // a deleted large block's file goes before the transaction that drops its record: the
    // only deleter is gc, which holds the gc lock (no writer in any process), and freeing
    // the bytes first lets gc make room on a full disk. A gc killed between the two leaves
    // records of unpinned blocks whose files are gone; the next gc drops them.
    for (const b of batch.blocks.values()) {
      if (b.kind === 'del' && this.files.doesExist(Buffer.from(b.multihash))) await this.blockFiles.remove(b.multihash)
    }
    await this.env.transaction(() => {
      for (const b of batch.blocks.values()) {
        const key = Buffer.from(b.multihash)
        if (b.kind === 'put') {
          void this.blocks.put(key, b.bytes as Buffer)
        } else if (b.kind === 'file') {
          const size = Buffer.allocUnsafe(8)
          size.writeBigUInt64BE(BigInt(b.size))
          void this.files.put(key, size)
          if (this.blocks.doesExist(key)) void this.blocks.remove(key)
        } else {
          void this.blocks.remove(key)
          if (this.files.doesExist(key)) void this.files.remove(key)
        }
        if (this.damaged.doesExist(key)) void this.damaged.remove(key)
      }
      for (const [k, value] of batch.data) {
        const key = Buffer.from(k)
        if (value == null) void this.data.remove(key)
        else void this.data.put(key, value as Buffer)
      }
      const next = (this.generation() + 1) >>> 0
      for (const [n, e] of batch.log.entries()) void this.data.put(Buffer.from(e.prefix + logKey(next, n)), e.value as Buffer)
      const gen = Buffer.allocUnsafe(4)
      gen.writeUInt32BE(next)
      void this.meta.put(GENERATION_KEY, gen)
    })
    await this.env.flushed
  }

  /** Drops pending writes (their temporary files too); used when an operation fails before its commit. */
  async discard (): Promise<void> {
    await Promise.allSettled(this.writing.values())
    const dropped = this.pending
    this.pending = emptyBatch()
    this.pendingBytes = 0
    for (const b of dropped.blocks.values()) if (b.tmp != null) await rm(b.tmp, { force: true })
  }

  /** Commits what is pending (unless the store failed) and closes the environment. */
  async close (): Promise<void> {
    try {
      if (this.failure == null && !this.readOnly) await this.flush()
      else await this.discard()
    } finally {
      await this.env.close()
    }
  }

  private assertWritable (): void {
    if (this.readOnly) throw new RepoError('the repo is open read-only (the disk is full, or the command only reads): nothing can be written')
    if (this.failure != null) throw this.failure
  }
}

/** A failed commit as the repo's error, naming what failed. */
async function commitError (err: any): Promise<Error> {
  if (err instanceof RepoError) return err
  // lmdb-js rejects with "Commit failed" and keeps the reason in a promise of its own
  let cause = err
  if (typeof err?.commitError?.then === 'function') cause = await err.commitError.then(() => err, (reason: unknown) => reason)
  const full = cause?.code === 'ENOSPC' || cause?.code === 28 || /No space left|ENOSPC/i.test(String(cause?.message))
  const what = full ? 'the disk is full (ENOSPC)' : (cause?.message ?? String(cause))
  return new RepoError(`cannot commit to the repo: ${what}; nothing since the last result printed was stored`, { cause })
}
