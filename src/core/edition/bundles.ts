import * as dagPb from '@ipld/dag-pb'
import { Key } from 'interface-datastore'
import { CID } from 'multiformats/cid'
import { InvalidArgumentError, NotFoundError } from '../../errors.js'
import { MAX_METADATA_BYTES, parseBundleMetadata } from '../read/bundle-check.js'
import { readAll } from '../read-all.js'
import { fileContent } from '../read/file-content.js'
import { BUNDLE_FILES } from '../article/bundle-files.js'
import { tsizeOfBlock } from './file-dag.js'
import { engineOf } from '../store/engine-of.js'
import type { Repo } from '../store/repo.js'
import type { AbortOptions } from 'abort-error'
import type { Blockstore } from 'interface-blockstore'

/** What an edition needs of one article bundle, read from its blocks (every one verified). */
export interface BundleSummary {
  cid: string
  /** The bundle's cumulative size: the `Tsize` of a link to it. */
  tsize: number
  title: string | null
  date: string | null
  categories: string[]
  slug: string
  /** The article's file in the bundle (`article.txt` or `article.md`), its size and CID. */
  file: { name: string, bytes: number, cid: string }
}

/**
 * Summaries of bundles are kept by CID: a CID's content never changes, so an
 * entry is never stale, and the next edition reads no block of an article it
 * has seen.
 */
const PREFIX = '/ipfs-publish/bundle-summary/'

/**
 * The summary of a bundle in the repo (or in `options.source`, which verifies what it fetches); a CID
 * it does not hold, or that is not an article bundle, is an error naming `shown`. It reads the bundle's
 * root and metadata.json, not its text; only a summary of the repo's own blocks is kept.
 */
export async function bundleSummary (repo: Repo, cidText: string, shown: string, options: AbortOptions & { source?: Pick<Blockstore, 'get'> } = {}): Promise<BundleSummary> {
  const cached = await cachedSummary(repo, cidText, options)
  if (cached != null) return cached
  let cid: CID
  try {
    cid = CID.parse(cidText)
  } catch {
    throw new InvalidArgumentError(`${shown}: "${cidText}" is not a CID`)
  }
  const blocks = options.source ?? repo.blockstore
  const notHeld = (err: any): never => {
    if (err?.name === 'NotFoundError') throw new NotFoundError(`${shown}: bundle ${cidText} is not in the repo (publish the article here first)`)
    throw err
  }
  const get = async (c: CID): Promise<Uint8Array> => await readAll(blocks.get(c, options)).catch(notHeld)
  // metadata.json is one raw block, or a UnixFS file node (the unixfs-v0-2015 profile): read as a
  // file; anything else (not a file) is not a bundle's metadata
  const metadataBytes = async (c: CID): Promise<Uint8Array> => await readAll(fileContent(c, blocks, options))
    .catch((err: any) => err?.name === 'VerificationError' ? new Uint8Array(0) : notHeld(err))
  const rootBytes = await get(cid)
  if (cid.code !== dagPb.code) throw new InvalidArgumentError(`${shown}: ${cidText} is not an article bundle`)
  const root = dagPb.decode(rootBytes)
  const metaLink = root.Links.find(l => l.Name === BUNDLE_FILES.metadata)
  const metadata = metaLink != null && (metaLink.Tsize ?? 0) <= MAX_METADATA_BYTES ? parseBundleMetadata(await metadataBytes(metaLink.Hash), cid) : undefined
  const fileLink = metadata != null ? root.Links.find(l => l.Name === metadata.file.name) : undefined
  if (metadata == null || fileLink == null) throw new InvalidArgumentError(`${shown}: ${cidText} is not an article bundle (no metadata.json of ipfs-publish)`)
  const summary: BundleSummary = {
    cid: cidText,
    tsize: tsizeOfBlock(cid, rootBytes),
    title: metadata.title,
    date: metadata.date,
    categories: metadata.categories,
    slug: metadata.slug,
    file: { name: metadata.file.name, bytes: metadata.file.bytes, cid: fileLink.Hash.toString() }
  }
  // (not one read through another source: the repo does not hold that bundle, and what it has summaries of, it holds)
  if (options.source == null) await repo.datastore.put(new Key(PREFIX + cidText), new TextEncoder().encode(JSON.stringify(summary)), options)
  return summary
}

/** The summary of a bundle this repo has already read, if any. */
export async function cachedSummary (repo: Repo, cidText: string, options: AbortOptions = {}): Promise<BundleSummary | undefined> {
  options.signal?.throwIfAborted()
  // one read of the engine (a miss is no exception: a first edition misses 10,000 times)
  const bytes = engineOf(repo).getData(PREFIX + cidText)
  return bytes != null ? JSON.parse(new TextDecoder().decode(bytes)) : undefined
}
