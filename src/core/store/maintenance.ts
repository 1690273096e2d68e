import { code as RAW } from 'multiformats/codecs/raw'
import * as cborg from 'cborg'
import { CustomProgressEvent } from 'progress-events'
import { rm, stat } from 'node:fs/promises'
import { walkDag } from '../unixfs/walk.js'
import { bytesKey } from '../unixfs/multihash-key.js'
import { ARTICLE_PREFIX, deleteArticle, listArticles } from './article-index.js'
import { checkStatEntry, STAT_PREFIX } from './stat-cache.js'
import { PINNED_BLOCK_PREFIX } from './pin-merge.js'
import { engineOf } from './engine-of.js'
import { dropStalePinRecords } from './pins.js'
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
  for await (const _ of repo.helia.pins.ls(options)) stat.pins++
  for await (const _ of listArticles(repo.datastore, options)) stat.articles++
  return stat
}

export type GcProgressEvents = ProgressEvent<'article:gc:deleted', { multihash: Uint8Array, bytes: number }>

export interface GcOptions extends AbortOptions, ProgressOptions<GcProgressEvents> {
  /** Told when gc has to wait for writing processes (or another gc) to finish. */
  onWait?: OnWait
}

/**
 * Removes every block that no pin reaches, with Helia's garbage collector, and
 * reports what it freed. It holds the repo's gc lock (leases.ts) throughout, so
 * no other process is between storing blocks and pinning them. Pin records that
 * name only pins that are gone are dropped first (pins.ts). Index entries
 * whose root is gone go too, and so do files in the blocks and temporary folders
 * that no record names (what a killed process left).
 */
export async function collectGarbage (repo: Repo, options: GcOptions = {}): Promise<{ blocks: number, bytes: number }> {
  const engine = engineOf(repo)
  return await repo.exclusive(async () => {
    const sizes = new Map<string, number>()
    for (const { multihash, size } of engine.sizes()) sizes.set(bytesKey(multihash), size)
    const freed = { blocks: 0, bytes: 0 }
    // records naming pins that are gone would keep their blocks forever
    if (await dropStalePinRecords(repo, options) > 0) await repo.flush(options)
    await repo.helia.gc({
      signal: options.signal,
      onProgress: (evt: any) => {
        if (evt.type !== 'helia:gc:deleted') return
        const cid = evt.detail as CID
        const bytes = sizes.get(bytesKey(cid.multihash.bytes)) ?? 0
        freed.blocks++
        freed.bytes += bytes
        options.onProgress?.(new CustomProgressEvent('article:gc:deleted', { multihash: cid.multihash.bytes, bytes }))
      }
    })
    for await (const record of listArticles(repo.datastore, options)) {
      if (!(await repo.blockstore.has(CID.parse(record.cid)))) await deleteArticle(repo.datastore, record.cid, options)
    }
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
  const bad = new Set<string>()
  const present = new Set<string>()
  const check = async (multihash: Uint8Array, bytes: Uint8Array | undefined): Promise<void> => {
    if (bytes == null) return // its file is gone: a pinned root that needs it is reported below
    present.add(bytesKey(multihash))
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
  for await (const pin of repo.helia.pins.ls(options)) {
    const read = async (cid: CID): Promise<Uint8Array | undefined> => {
      const key = bytesKey(cid.multihash.bytes)
      if (bad.has(key)) throw new BrokenRoot(cid, 'corrupt')
      if (!present.has(key)) throw new BrokenRoot(cid, 'missing')
      // a raw leaf has no links: knowing it is present (and hashed above) is enough
      if (cid.code === RAW) return undefined
      return await engine.readBlock(cid.multihash.bytes)
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
      } else if (key.startsWith('/pin/') || key.startsWith(PINNED_BLOCK_PREFIX)) {
        const record = cborg.decode(value)
        if (record == null || typeof record !== 'object') throw new Error('not a CBOR map')
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
