import { code as RAW } from 'multiformats/codecs/raw'
import { CustomProgressEvent } from 'progress-events'
import { rm, stat } from 'node:fs/promises'
import { walkDag } from '../unixfs/walk.js'
import { bytesKey } from '../unixfs/multihash-key.js'
import { ARTICLE_PREFIX, deleteArticle, listArticles } from './article-index.js'
import { dropChanges } from './changes.js'
import { checkStatEntry, STAT_PREFIX } from './stat-cache.js'
import { engineOf } from './engine-of.js'
import { decodePin, listPins, markReachable, PIN_PREFIX } from './pins.js'
import { RepoError } from '../../errors.js'
import { blockMatches } from './verifying-blockstore.js'
import type { Repo } from './repo.js'
import type { OnWait } from './leases.js'
import type { AbortOptions } from 'abort-error'
import { CID } from 'multiformats/cid'
import type { ProgressEvent, ProgressOptions } from 'progress-events'

/** Counts of what a repo holds. */
export interface RepoStat { blocks: number, bytes: number, pins: number, articles: number }

/** Blocks and bytes in the store, pinned roots, articles in the index. */
export async function repoStat (repo: Repo, options: AbortOptions = {}): Promise<RepoStat> {
  const stat: RepoStat = { blocks: 0, bytes: 0, pins: 0, articles: 0 }
  for (const { size } of engineOf(repo).sizes()) { stat.blocks++; stat.bytes += size }
  for await (const _ of listPins(repo, options)) stat.pins++
  for await (const _ of listArticles(repo.datastore, options)) stat.articles++
  return stat
}

export type GcProgressEvents = ProgressEvent<'article:gc:deleted', { multihash: Uint8Array, bytes: number }>

export interface GcOptions extends AbortOptions, ProgressOptions<GcProgressEvents> {
  /** Told when gc has to wait for writing processes (or another gc) to finish. */
  onWait?: OnWait
}

/**
 * Removes every block that no pin reaches, and reports what it freed. Mark and
 * sweep, as Kubo's gc: the blocks of every pinned DAG (a recursive pin's whole
 * DAG, a direct pin's root) and of every edition an IPNS name of this repo
 * points to (its own records and the ones it accepted) are marked, walking over
 * the raw store (a raw leaf is only looked up, never read); then every block not
 * marked is deleted. The mark is a Set of multihash keys (one binary string of
 * 34 bytes per block of a sha2-256 multihash: about 77 bytes of heap per block,
 * measured with 1,000,000 keys); the blocks to delete are listed the same way. A pinned DAG with a missing block
 * stops gc before anything is deleted (RepoError naming the root and the block);
 * content a name points to is kept as far as it is in the store. It holds the
 * repo's gc lock (leases.ts) throughout, so no other process is between storing
 * blocks and pinning them. Index entries whose root is gone go too, and so do
 * files in the blocks and temporary folders that no record names (what a killed
 * process left).
 */
export async function collectGarbage (repo: Repo, options: GcOptions = {}): Promise<{ blocks: number, bytes: number }> {
  const engine = engineOf(repo)
  return await repo.exclusive(async () => {
    const marked = new Set<string>()
    const broken: Array<{ root: CID, block: CID, reason: string }> = []
    // the pins are streamed, not listed: the mark is all gc holds per block or pin
    await markReachable(engine, listPins(repo, options), marked, (root, block, reason) => { broken.push({ root, block, reason }) }, options)
    if (broken.length > 0) {
      const { root, block, reason } = broken[0]
      const what = reason === 'missing' ? 'is not in the store' : 'is damaged (its links cannot be read)'
      throw new RepoError(`gc stopped: pinned root ${root} is incomplete (block ${block} ${what}${broken.length > 1 ? `; ${broken.length - 1} more block(s) missing or damaged` : ''}); nothing was deleted (import or add the content again, or unpin it)`)
    }
    // what the repo's names point to: kept as far as it is here (a name may point to content elsewhere)
    await markReachable(engine, await namedRoots(repo, options), marked, () => {}, options)
    // the blocks to delete, listed before any is (no write while the index is read): keys as compact as the mark's
    // (from the indexes' keys alone: no block's bytes are copied to learn that it stays)
    const garbage: string[] = []
    for (const multihash of engine.multihashes()) {
      options.signal?.throwIfAborted()
      const key = bytesKey(multihash)
      if (!marked.has(key)) garbage.push(key)
    }
    marked.clear()
    const freed = { blocks: 0, bytes: 0 }
    for (let i = 0; i < garbage.length; i++) {
      const multihash = Buffer.from(garbage[i], 'latin1')
      const bytes = engine.storedSize(multihash) ?? 0
      await engine.deleteBlock(multihash)
      freed.blocks++
      freed.bytes += bytes
      options.onProgress?.(new CustomProgressEvent('article:gc:deleted', { multihash, bytes }))
    }
    await repo.flush(options)
    for await (const record of listArticles(repo.datastore, options)) {
      if (!(await repo.blockstore.has(CID.parse(record.cid)))) await deleteArticle(repo.datastore, record.cid, options)
    }
    // the change log's entries the latest edition has taken in (no edition runs now: we hold the gc lock)
    const { readLatest } = await import('../edition/build-edition.js')
    const latest = await readLatest(repo, options)
    if (latest?.changes != null) await dropChanges(engine, latest.changes)
    await repo.flush(options)
    // files no record names: a killed writer's temporary files, or block files whose
    // commit never happened (no writer is running: we hold the gc lock)
    for await (const { path, multihash } of engine.blockFiles.list()) {
      if (multihash != null && engine.files.doesExist(Buffer.from(multihash))) continue
      const size = (await stat(path).catch(() => undefined))?.size ?? 0
      await rm(path, { force: true })
      freed.blocks++
      freed.bytes += size
    }
    return freed
  }, { signal: options.signal, onWait: options.onWait })
}

/** The roots the repo's IPNS records point to (`/ipfs/<cid>[/…]`: the whole DAG of the CID). */
async function namedRoots (repo: Repo, options: AbortOptions): Promise<Array<{ cid: CID, type: 'recursive' }>> {
  const { listRecords } = await import('../ipns/names.js')
  const { IPNSEntry } = await import('@helia/ipns')
  const out: Array<{ cid: CID, type: 'recursive' }> = []
  for await (const { bytes } of listRecords(repo, options)) {
    try {
      const value = IPNSEntry.decode(bytes).value ?? ''
      const text = typeof value === 'string' ? value : new TextDecoder().decode(value)
      if (!text.startsWith('/ipfs/')) continue
      out.push({ cid: CID.parse(text.slice('/ipfs/'.length).split('/')[0]), type: 'recursive' })
    } catch {} // a record that cannot be decoded names nothing (verify --all reports records)
  }
  return out
}

export type VerifyAllProgressEvents = ProgressEvent<'article:verify-all:block', { blocks: number, bytes: number }>

/** What `verify --all` found. */
export interface VerifyAllReport {
  blocks: number
  bytes: number
  /** Blocks whose bytes do not hash to their multihash. */
  corrupt: Array<{ multihash: string }>
  /** Pinned roots that reach a corrupt or missing block, with the first bad block. */
  broken: Array<{ root: string, block: string, reason: 'corrupt' | 'missing' }>
  /** Index and pin records that cannot be decoded, by key. */
  badRecords: Array<{ key: string, reason: string }>
  /** The whole check. */
  seconds: number
  /** Reading and hashing every block (the rest decodes records and walks the pins). */
  hashSeconds: number
}

/**
 * Hashes every block in the store again (through the one check of
 * verifying-blockstore.ts), decodes every index and pin record, then walks every
 * pinned root to find the roots that reach a corrupt or missing block. Reports;
 * throws nothing for bad content (the caller decides the exit code). Corrupt
 * blocks are recorded as damaged, so that publishing or importing them again
 * rewrites them.
 */
export async function verifyAll (repo: Repo, options: AbortOptions & ProgressOptions<VerifyAllProgressEvents> = {}): Promise<VerifyAllReport> {
  const started = performance.now()
  const engine = engineOf(repo)
  await repo.flush(options)
  const report: VerifyAllReport = { blocks: 0, bytes: 0, corrupt: [], broken: [], badRecords: [], seconds: 0, hashSeconds: 0 }
  // only the corrupt blocks are remembered (whether a block is there is asked of the index)
  const bad = new Set<string>()
  const gone = new Set<string>()
  const missingFile = (cid: CID): boolean => gone.has(bytesKey(cid.multihash.bytes))
  const check = async (multihash: Uint8Array, bytes: Uint8Array | undefined): Promise<void> => {
    // its file is gone: a pinned root that needs it is reported below
    if (bytes == null) { gone.add(bytesKey(multihash)); return }
    report.blocks++
    report.bytes += bytes.byteLength
    if (!blockMatches(multihash, bytes)) {
      bad.add(bytesKey(multihash))
      report.corrupt.push({ multihash: Buffer.from(multihash).toString('hex') })
      await engine.markDamaged(multihash)
    }
    if (report.blocks % 1024 === 0) options.onProgress?.(new CustomProgressEvent('article:verify-all:block', { blocks: report.blocks, bytes: report.bytes }))
  }
  for (const { multihash, bytes } of engine.smallBlocks()) {
    options.signal?.throwIfAborted()
    await check(multihash, bytes)
  }
  for (const { multihash } of engine.largeBlocks()) {
    options.signal?.throwIfAborted()
    await check(multihash, await engine.readBlock(multihash))
  }
  report.hashSeconds = (performance.now() - started) / 1000
  report.badRecords = checkRecords(engine.dataRange(undefined))
  // every block was just hashed: walk the pins over the raw store, without hashing again
  for await (const pin of listPins(repo, options)) {
    const read = async (cid: CID): Promise<Uint8Array | undefined> => {
      const key = bytesKey(cid.multihash.bytes)
      if (bad.has(key)) throw new BrokenRoot(cid, 'corrupt')
      // a raw leaf has no links, nor does a direct pin's root for the pin: knowing it is present (and hashed above) is enough
      if (cid.code === RAW || pin.type === 'direct') {
        if (!engine.hasBlock(cid.multihash.bytes) || missingFile(cid)) throw new BrokenRoot(cid, 'missing')
        return undefined
      }
      const bytes = await engine.readBlock(cid.multihash.bytes)
      if (bytes == null) throw new BrokenRoot(cid, 'missing')
      return bytes
    }
    try {
      for await (const _ of walkDag(pin.cid, read, options)) {}
    } catch (err) {
      if (err instanceof BrokenRoot) report.broken.push({ root: pin.cid.toString(), block: err.block.toString(), reason: err.reason })
      else throw err
    }
  }
  report.seconds = (performance.now() - started) / 1000
  return report
}

/** Every record of the article index, the stat cache and the pins that cannot be decoded. */
function checkRecords (entries: Iterable<{ key: string, value: Uint8Array }>): Array<{ key: string, reason: string }> {
  const out: Array<{ key: string, reason: string }> = []
  for (const { key, value } of entries) {
    try {
      if (key.startsWith(STAT_PREFIX)) {
        checkStatEntry(value)
      } else if (key.startsWith(ARTICLE_PREFIX)) {
        const record = JSON.parse(Buffer.from(value).toString('utf8'))
        if (record == null || typeof record !== 'object' || typeof record.cid !== 'string') throw new Error('not an article record')
      } else if (key.startsWith(PIN_PREFIX)) {
        CID.parse(key.slice(PIN_PREFIX.length))
        decodePin(value)
      }
    } catch (err: any) {
      out.push({ key, reason: err.message })
    }
  }
  return out
}

class BrokenRoot extends Error {
  constructor (readonly block: CID, readonly reason: 'corrupt' | 'missing') { super(`block ${block} is ${reason}`) }
}
