import { CustomProgressEvent } from 'progress-events'
import { IDENTITY, sha256Multihash, SHA2_256 } from '../unixfs/hash.js'
import { readAll, walkDag } from '../unixfs/walk.js'
import { bytesKey } from '../unixfs/multihash-key.js'
import { deleteArticle, listArticles } from './article-index.js'
import type { Repo } from './repo.js'
import type { AbortOptions } from 'abort-error'
import { CID } from 'multiformats/cid'
import type { ProgressEvent, ProgressOptions } from 'progress-events'


/** Counts of what a repo holds. */
export interface RepoStat { blocks: number, bytes: number, pins: number, articles: number }

/** Blocks and bytes in the store, pinned roots, articles in the index. */
export async function repoStat (repo: Repo, options: AbortOptions = {}): Promise<RepoStat> {
  const stat: RepoStat = { blocks: 0, bytes: 0, pins: 0, articles: 0 }
  for await (const { size } of repo.stores.blockstore.sizes(options)) { stat.blocks++; stat.bytes += size }
  for await (const _ of repo.helia.pins.ls(options)) stat.pins++
  for await (const _ of listArticles(repo.datastore, options)) stat.articles++
  return stat
}

export type GcProgressEvents = ProgressEvent<'article:gc:deleted', { multihash: Uint8Array, bytes: number }>

/**
 * Removes every block that no pin reaches, with Helia's garbage collector, and
 * reports what it freed. Index entries whose root is no longer pinned go too.
 */
export async function collectGarbage (repo: Repo, options: AbortOptions & ProgressOptions<GcProgressEvents> = {}): Promise<{ blocks: number, bytes: number }> {
  const sizes = new Map<string, number>()
  for await (const { multihash, size } of repo.stores.blockstore.sizes(options)) sizes.set(bytesKey(multihash), size)
  const freed = { blocks: 0, bytes: 0 }
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
  await repo.flush()
  // files a killed process left in blocks/: a temporary file, or a complete file whose marker
  // was never committed (nothing refers to either)
  const stray = await repo.stores.sweepBlockFiles()
  freed.blocks += stray.files
  freed.bytes += stray.bytes
  // the deleted small blocks' bytes leave their packs (counted above, as blocks)
  await repo.stores.compactPacks(options)
  return freed
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
  seconds: number
}

/**
 * Hashes every block in the store again, then walks every pinned root to find
 * the roots that reach a corrupt or missing block. Reports; throws nothing for
 * bad content (the caller decides the exit code).
 */
export async function verifyAll (repo: Repo, options: AbortOptions & ProgressOptions<VerifyAllProgressEvents> = {}): Promise<VerifyAllReport> {
  const started = performance.now()
  const report: VerifyAllReport = { blocks: 0, bytes: 0, corrupt: [], broken: [], seconds: 0 }
  const bad = new Set<string>()
  const present = new Set<string>()
  for await (const { multihash, bytes } of repo.stores.blockstore.entries(options)) {
    present.add(bytesKey(multihash))
    report.blocks++
    report.bytes += bytes.byteLength
    const code = multihash[0]
    const ok = code === SHA2_256 ? Buffer.compare(sha256Multihash(bytes).bytes, multihash) === 0 : code === IDENTITY
    if (!ok) { bad.add(bytesKey(multihash)); report.corrupt.push({ multihash: Buffer.from(multihash).toString('hex') }) }
    if (report.blocks % 1024 === 0) options.onProgress?.(new CustomProgressEvent('article:verify-all:block', { blocks: report.blocks, bytes: report.bytes }))
  }
  // every block was just hashed: walk the pins over the raw store, without hashing again
  for await (const pin of repo.helia.pins.ls(options)) {
    const read = async (cid: CID): Promise<Uint8Array | undefined> => {
      const key = bytesKey(cid.multihash.bytes)
      if (bad.has(key)) throw new BrokenRoot(cid, 'corrupt')
      if (!present.has(key)) throw new BrokenRoot(cid, 'missing')
      // a raw leaf has no links: knowing it is present (and hashed above) is enough
      if (cid.code === 0x55) return undefined
      return readAll(repo.stores.blockstore.get(cid, options))
    }
    try {
      for await (const _ of walkDag(pin.cid, read, options)) {}
    } catch (err) {
      if (err instanceof BrokenRoot) report.broken.push({ root: pin.cid.toString(), block: err.block.toString(), reason: err.reason })
      else if ((err as Error)?.name === 'VerificationError') report.broken.push({ root: pin.cid.toString(), block: pin.cid.toString(), reason: 'corrupt' })
      else throw err
    }
  }
  report.seconds = (performance.now() - started) / 1000
  return report
}

class BrokenRoot extends Error {
  constructor (readonly block: CID, readonly reason: 'corrupt' | 'missing') { super(`block ${block} is ${reason}`) }
}
