import { CarBlockIterator } from '@ipld/car/iterator'
import { CustomProgressEvent } from 'progress-events'
import { NotFoundError, PublishError, VerificationError } from '../../errors.js'
import { putArticle } from '../store/article-index.js'
import { pinRoot } from '../store/pins.js'
import { verifyBlock } from '../store/verifying-blockstore.js'
import { loadBundle } from '../read/bundle-check.js'
import { resolveEntry } from '../read/resolve.js'
import { buildLink } from '../link.js'
import { IDENTITY } from '../unixfs/hash.js'
import { blockLinks } from '../unixfs/links.js'
import type { Repo } from '../store/repo.js'
import type { AbortOptions } from 'abort-error'
import type { CID } from 'multiformats/cid'
import type { ProgressEvent, ProgressOptions } from 'progress-events'

export type ImportProgressEvents =
  | ProgressEvent<'article:import:block', { cid: CID, blocks: number, bytes: number }>

export interface ImportOptions extends AbortOptions, ProgressOptions<ImportProgressEvents> {
  /** Pin the CAR's roots. @default true */
  pin?: boolean
  /** Where the CAR came from, recorded as the source path of imported bundles. */
  sourceName?: string
}

export interface ImportSummary {
  roots: CID[]
  blocks: number
  bytes: number
  /** Roots that are ipfs-publish bundles, now in the article index. */
  articles: CID[]
}

/** A CAR section (header, or CID plus block) larger than this is refused: no block is this big, and the reader would buffer it whole. */
export const MAX_CAR_SECTION_BYTES = 8 * 1024 * 1024

const mhKey = (cid: CID): string => Buffer.from(cid.multihash.bytes).toString('base64')

/** Passes the CAR's bytes on, refusing a section that would make the reader buffer more than MAX_CAR_SECTION_BYTES. */
class SectionGuard {
  pulled = 0
  async * wrap (source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      this.pulled += chunk.byteLength
      if (this.pulled > MAX_CAR_SECTION_BYTES + 65_536) {
        throw new VerificationError(`the CAR claims a section larger than ${MAX_CAR_SECTION_BYTES} bytes (a corrupt or hostile length)`)
      }
      yield chunk
    }
  }
}

/**
 * Imports a CAR into the repo: every block is hashed and checked against its
 * CID before it is stored, and every root must be complete in the CAR (each
 * block it reaches present in the CAR or already in the repo). A CAR with a bad
 * block, a truncated or malformed CAR (VerificationError), or an incomplete one
 * (NotFoundError naming the first missing CID) is refused, and the blocks it
 * brought are removed again: nothing from a refused CAR stays. Roots are pinned
 * unless `pin: false`; roots that are ipfs-publish bundles join the article index.
 */
export async function importCar (source: AsyncIterable<Uint8Array>, repo: Repo, options: ImportOptions = {}): Promise<ImportSummary> {
  const guard = new SectionGuard()
  const added: CID[] = []
  const summary: ImportSummary = { roots: [], blocks: 0, bytes: 0, articles: [] }
  try {
    let iterator: CarBlockIterator
    try {
      iterator = await CarBlockIterator.fromIterable(guard.wrap(source))
      summary.roots = await iterator.getRoots()
    } catch (err) {
      throw asCarError(err)
    }
    guard.pulled = 0
    try {
      for await (const { cid, bytes } of iterator) {
        options.signal?.throwIfAborted()
        guard.pulled = 0
        verifyBlock(cid, bytes)
        if (cid.multihash.code !== IDENTITY && !(await repo.stores.blockstore.has(cid))) {
          await repo.stores.blockstore.put(cid, bytes, options)
          added.push(cid)
        }
        summary.blocks++
        summary.bytes += bytes.byteLength
        options.onProgress?.(new CustomProgressEvent('article:import:block', { cid, blocks: summary.blocks, bytes: summary.bytes }))
      }
    } catch (err) {
      throw asCarError(err)
    }
    for (const root of summary.roots) await assertComplete(root, repo, options)
    if (options.pin !== false) {
      for (const root of summary.roots) await pinRoot(repo, root, { source: 'ipfs-publish import' }, options)
      for (const root of summary.roots) {
        if (await indexIfBundle(root, repo, options.sourceName ?? 'car', options)) summary.articles.push(root)
      }
    }
    await repo.flush()
    return summary
  } catch (err) {
    // nothing from a refused CAR stays
    for (const cid of added) await repo.stores.blockstore.delete(cid)
    await repo.flush()
    throw err
  }
}

function asCarError (err: unknown): unknown {
  if (err instanceof PublishError || (err as Error)?.name === 'AbortError') return err
  const message = (err as Error)?.message ?? String(err)
  if (/Unexpected end of data/i.test(message)) return new VerificationError('the CAR is truncated (unexpected end of data)', { cause: err })
  return new VerificationError(`the CAR is malformed: ${message}`, { cause: err })
}

/** Walks a root's DAG through the store (verified reads); NotFoundError names the first missing block. */
async function assertComplete (root: CID, repo: Repo, options: AbortOptions): Promise<void> {
  const seen = new Set<string>()
  const stack = [root]
  while (stack.length > 0) {
    options.signal?.throwIfAborted()
    const cid = stack.pop()!
    const key = mhKey(cid)
    if (seen.has(key) || cid.multihash.code === IDENTITY) continue
    seen.add(key)
    if (!(await repo.blockstore.has(cid))) {
      throw new NotFoundError(`the CAR is incomplete: root ${root} needs block ${cid}, which is neither in the CAR nor in the repo`)
    }
    const parts: Uint8Array[] = []
    for await (const p of repo.blockstore.get(cid, options)) parts.push(p)
    const links = blockLinks(cid, Buffer.concat(parts))
    for (let i = links.length - 1; i >= 0; i--) stack.push(links[i])
  }
}

/** Adds a root to the article index when it is an ipfs-publish bundle. */
async function indexIfBundle (root: CID, repo: Repo, sourceName: string, options: AbortOptions): Promise<boolean> {
  const entry = await resolveEntry(root, repo.blockstore, options).catch(() => undefined)
  if (entry?.type !== 'directory') return false
  const metadata = await loadBundle(entry, repo.blockstore, options).catch(() => undefined)
  if (metadata == null) return false
  const files: Array<{ name: string, cid: string, bytes: number }> = []
  for await (const e of entry.entries(options)) {
    const file = await resolveEntry(e.cid, repo.blockstore, options)
    files.push({ name: e.name, cid: e.cid.toString(), bytes: Number(file.size) })
  }
  await putArticle(repo.datastore, {
    path: sourceName,
    cid: root.toString(),
    link: buildLink({ cid: root, file: metadata.file.name, slug: metadata.slug }),
    title: metadata.title,
    date: metadata.date,
    categories: metadata.categories,
    files
  }, options)
  return true
}
