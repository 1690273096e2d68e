import { BUNDLE_FILES } from '../article/bundle-files.js'
import { CarBlockIterator } from '@ipld/car/iterator'
import { CustomProgressEvent } from 'progress-events'
import { InvalidArgumentError, NotFoundError, PublishError, VerificationError } from '../../errors.js'
import { putArticle } from '../store/article-index.js'
import { pinRoot } from '../store/pins.js'
import { verifyBlock } from '../store/verifying-blockstore.js'
import { parseBundleMetadata } from '../read/bundle-check.js'
import { multihashKey } from '../unixfs/multihash-key.js'
import * as dagPb from '@ipld/dag-pb'
import { resolveEntry } from '../read/resolve.js'
import { buildLink } from '../link.js'
import { IDENTITY } from '../unixfs/hash.js'
import { readAll, walkDag } from '../unixfs/walk.js'
import { engineOf } from '../store/engine-of.js'
import { FILE_BLOCK_BYTES } from '../store/block-files.js'
import type { Repo } from '../store/repo.js'
import type { AbortOptions } from 'abort-error'
import type { CID } from 'multiformats/cid'
import type { ProgressEvent, ProgressOptions } from 'progress-events'
import { collectYoung } from '../collect-young.js'

export type ImportProgressEvents =
  | ProgressEvent<'article:import:block', { cid: CID, blocks: number, bytes: number }>

export interface ImportOptions extends AbortOptions, ProgressOptions<ImportProgressEvents> {
  /** Pin the CAR's roots. @default true */
  pin?: boolean
  /** Where the CAR came from, recorded as the source path of imported bundles. */
  sourceName?: string
  /** Free the blocks already stored as the CAR streams in (see collect-young.ts): the CLI sets it. @default false */
  collectChunks?: boolean
}

export interface ImportSummary {
  roots: CID[]
  blocks: number
  bytes: number
  /** Roots that are ipfs-publish bundles, now in the article index. */
  articles: CID[]
}

import { code as RAW } from 'multiformats/codecs/raw'
const NO_BYTES = new Uint8Array(0)
/** An import holds its small blocks in memory until its one commit: at most this many bytes of them. */
const MAX_HELD_BYTES = 1024 * 1024 * 1024

/** Up to this many bytes of the CAR's dag-pb nodes are kept in memory while importing. */
const MAX_KNOWN_BYTES = 64 * 1024 * 1024

/** A CAR section (header, or CID plus block) larger than this is refused: no block is this big, and the reader would buffer it whole. */
export const MAX_CAR_SECTION_BYTES = 8 * 1024 * 1024


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
 * (NotFoundError naming the first missing CID) is refused. Blocks, pins and
 * index entries are committed together in one transaction at the end, so a
 * refused or failed import leaves nothing (large blocks waited in temporary
 * files, which are deleted). Roots are pinned unless `pin: false`; roots that
 * are ipfs-publish bundles join the article index.
 */
export async function importCar (source: AsyncIterable<Uint8Array>, repo: Repo, options: ImportOptions = {}): Promise<ImportSummary> {
  const engine = engineOf(repo)
  const guard = new SectionGuard()
  // what the CAR brought: raw leaves by presence, dag-pb nodes with their bytes (small), so
  // that checking completeness and pinning need not read anything back
  const known = new Map<string, Uint8Array>()
  let knownBytes = 0
  let heldBytes = 0
  let sinceGc = 0
  const summary: ImportSummary = { roots: [], blocks: 0, bytes: 0, articles: [] }
  // nothing is committed until every block is checked and every root pinned: one
  // transaction takes all of it, or (on any failure) nothing is written at all
  await repo.flush(options)
  engine.hold(true)
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
        if (cid.code === RAW) known.set(multihashKey(cid), NO_BYTES)
        else if (knownBytes < MAX_KNOWN_BYTES) { known.set(multihashKey(cid), bytes); knownBytes += bytes.byteLength }
        // a block stored with other (damaged) bytes counts as missing: the good bytes replace them
        if (cid.multihash.code !== IDENTITY && !(await engine.holds(cid.multihash.bytes, bytes))) {
          if (bytes.byteLength < FILE_BLOCK_BYTES && (heldBytes += bytes.byteLength) > MAX_HELD_BYTES) {
            throw new InvalidArgumentError(`the CAR's small blocks exceed ${MAX_HELD_BYTES / 1048576} MiB, more than one import holds before its commit: split it`)
          }
          await repo.blockstore.put(cid, bytes, options)
        }
        summary.blocks++
        summary.bytes += bytes.byteLength
        if (options.collectChunks === true && (sinceGc += bytes.byteLength) >= 16 * 1024 * 1024) { sinceGc = 0; collectYoung() }
        options.onProgress?.(new CustomProgressEvent('article:import:block', { cid, blocks: summary.blocks, bytes: summary.bytes }))
      }
    } catch (err) {
      throw asCarError(err)
    }
    for (const root of summary.roots) await assertComplete(root, repo, known, options)
    if (options.pin !== false) {
      for (const root of summary.roots) await pinRoot(repo, root, { source: 'ipfs-publish import' }, { ...options, known })
      for (const root of summary.roots) {
        if (await indexIfBundle(root, repo, known, options.sourceName ?? 'car', options)) summary.articles.push(root)
      }
    }
    await repo.flush(options)
    return summary
  } catch (err) {
    // nothing from a refused CAR stays: none of it was committed
    await engine.discard()
    throw err
  } finally {
    engine.hold(false)
  }
}

function asCarError (err: unknown): unknown {
  if (err instanceof PublishError || (err as Error)?.name === 'AbortError') return err
  const message = (err as Error)?.message ?? String(err)
  if (/Unexpected end of data/i.test(message)) return new VerificationError('the CAR is truncated (unexpected end of data)', { cause: err })
  return new VerificationError(`the CAR is malformed: ${message}`, { cause: err })
}

/** Walks a root's DAG over what the CAR brought and the store; NotFoundError names the first missing block. */
async function assertComplete (root: CID, repo: Repo, known: Map<string, Uint8Array>, options: AbortOptions): Promise<void> {
  const read = async (cid: CID): Promise<Uint8Array | undefined> => {
    const bytes = known.get(multihashKey(cid))
    if (bytes != null) return cid.code === RAW ? undefined : bytes
    if (!(await repo.blockstore.has(cid))) {
      throw new NotFoundError(`the CAR is incomplete: root ${root} needs block ${cid}, which is neither in the CAR nor in the repo`)
    }
    return cid.code === RAW ? undefined : readAll(repo.blockstore.get(cid, options))
  }
  for await (const _ of walkDag(root, read, options)) {}
}

/** Adds a root to the article index when it is an ipfs-publish bundle (a folder of an article and its metadata.json). */
async function indexIfBundle (root: CID, repo: Repo, known: Map<string, Uint8Array>, sourceName: string, options: AbortOptions): Promise<boolean> {
  if (root.code !== dagPb.code) return false
  const rootBytes = known.get(multihashKey(root))
  let node: dagPb.PBNode
  try {
    node = dagPb.decode(rootBytes ?? await readAll(repo.blockstore.get(root, options)))
  } catch {
    return false
  }
  const metaLink = node.Links.find(l => l.Name === BUNDLE_FILES.metadata)
  if (metaLink == null || node.Links.length > 2) return false
  const metaEntry = await resolveEntry(metaLink.Hash, repo.blockstore, options).catch(() => undefined)
  if (metaEntry == null || (metaEntry.type !== 'file' && metaEntry.type !== 'raw') || metaEntry.size > 1_048_576n) return false
  const metaBytes = await readAll(metaEntry.content(options))
  const metadata = (() => { try { return parseBundleMetadata(metaBytes, root) } catch { return undefined } })()
  const articleLink = node.Links.find(l => l.Name === metadata?.file.name)
  if (metadata == null || articleLink == null) return false
  const files = node.Links.map(l => ({ name: l.Name ?? '', cid: l.Hash.toString(), bytes: l === metaLink ? metaBytes.byteLength : metadata.file.bytes }))
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
