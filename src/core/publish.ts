import { readFileSync, statSync } from 'node:fs'
import { basename } from 'node:path'
import { CustomProgressEvent } from 'progress-events'
import { InvalidArticleError, PublishError } from '../errors.js'
import { buildBundle, METADATA_SCHEMA } from './article/bundle.js'
import { DEFAULT_MAX_ARTICLE_BYTES } from './defaults.js'
import { isFresh, loadStatCache, putStatEntry, statFields } from './store/stat-cache.js'
import type { StatEntry } from './store/stat-cache.js'
import type { Block } from './unixfs/build-small-dir.js'
import type { CidProfile, CidProfileName } from './unixfs/profiles.js'
import { findArticles } from './find-articles.js'
import { writeLinkIntoSource } from './write-link.js'
import { buildLink } from './link.js'
import { putArticle } from './store/article-index.js'
import { recordOf } from './store/record.js'
import { buildDirDag } from './unixfs/bundle-dag.js'
import { blockKey, stackWalker } from './store/dag-walker.js'
import { getProfile } from './unixfs/profiles.js'
import type { ArticleMetadata } from './article/bundle.js'
import type { ArticleRecord } from './store/article-index.js'
import type { Repo } from './store/repo.js'
import type { AbortOptions } from 'abort-error'
import { CID } from 'multiformats/cid'
import type { ProgressEvent, ProgressOptions } from 'progress-events'

/** Progress events of {@link publishArticles}. */
export type PublishProgressEvents =
  | ProgressEvent<'article:publish:found', { total: number }>
  | ProgressEvent<'article:publish:done', { path: string, cid?: CID, done: number, total: number }>

export interface PublishOptions extends AbortOptions, ProgressOptions<PublishProgressEvents> {
  /** @default 'unixfs-v1-2025' */
  cidProfile?: CidProfileName
  /** Gateway for the link. @default 'https://dweb.link' */
  gateway?: string
  /** Link template; see {@link buildLink}. */
  linkTemplate?: string
  /** Compute CIDs only; store nothing, pin nothing, index nothing. */
  onlyHash?: boolean
  /** Replace the target of each source file's `[Download IPFS](…)` link with its link. */
  writeLink?: boolean
  /** Largest article accepted, in bytes. @default 16 MiB */
  maxBytes?: number
}

/** One article published. */
export interface PublishResult extends ArticleRecord {
  ok: true
  /** The bundle's root CID. */
  root: CID
  metadata: ArticleMetadata
  /** Notes on how the article was read (a missing date line, plain text, …). */
  warnings: string[]
  /** False when the repo held this bundle, pinned, already. */
  stored: boolean
  /** True when `writeLink` changed the source file. */
  linkWritten: boolean
}

/** One article that could not be published; the others go on. */
export interface PublishFailure {
  ok: false
  path: string
  error: PublishError
}

export type PublishOutcome = PublishResult | PublishFailure

const LINK_CHECK_CID = CID.parse('bafkqaaa')

/** How many articles are read, built and committed together. */
const GROUP = 128

function asPublishError (err: unknown, path: string): PublishError {
  if (err instanceof PublishError) return err
  const e = err as NodeJS.ErrnoException
  if (e?.code === 'EISDIR') return new InvalidArticleError(`${path}: is a directory`)
  if (e?.code === 'EACCES') return new InvalidArticleError(`${path}: permission denied`)
  return new InvalidArticleError(`${path}: ${e?.message ?? String(err)}`, { cause: err })
}

/**
 * Publishes articles: each path is an article file or a folder searched for
 * `*.txt` and `*.md`. For each article it builds the bundle, adds its blocks to
 * the repo, pins the root with Helia's pinning API and records it in the index,
 * then yields the result; a bad article yields a failure and the others go on.
 * Results are yielded only once their blocks, pin and index entry are committed
 * to disk. Pass `repo` undefined with `onlyHash`.
 */
export async function * publishArticles (paths: string[], repo: Repo | undefined, options: PublishOptions = {}): AsyncGenerator<PublishOutcome> {
  const profile = getProfile(options.cidProfile)
  // a bad gateway or template is a usage error for the whole run, not a per-article failure
  buildLink({ cid: LINK_CHECK_CID, file: 'article.txt', slug: 'check' }, options.gateway, options.linkTemplate)
  if (repo == null && options.onlyHash !== true) throw new InvalidArticleError('a repo is needed unless onlyHash is set')
  const store = options.onlyHash === true ? undefined : repo
  const sources = await findArticles(paths, options)
  const total = sources.length
  options.onProgress?.(new CustomProgressEvent('article:publish:found', { total }))
  const pins = store != null ? await PinnedRoots.load(store, total, options) : undefined
  const statCache = store != null ? await loadStatCache(store.datastore, options) : new Map<string, StatEntry>()
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ARTICLE_BYTES
  let done = 0

  // each group is committed in one batch while the next group is built; its
  // results are reported once the batch has landed
  let previous: { committed: Promise<void>, outcomes: PublishOutcome[], toLink: LinkJob[] } | undefined
  const report = async function * (batch: NonNullable<typeof previous>): AsyncGenerator<PublishOutcome> {
    await batch.committed
    await writeLinks(batch)
    for (const outcome of batch.outcomes) {
      options.signal?.throwIfAborted()
      done++
      options.onProgress?.(new CustomProgressEvent('article:publish:done', { path: outcome.path, cid: outcome.ok ? outcome.root : undefined, done, total }))
      yield outcome
    }
  }

  for (let start = 0; start < sources.length; start += GROUP) {
    options.signal?.throwIfAborted()
    const group = sources.slice(start, start + GROUP)
    const outcomes: PublishOutcome[] = []
    const toLink: LinkJob[] = []
    for (const source of group) {
      options.signal?.throwIfAborted()
      if (source.error != null) { outcomes.push({ ok: false, path: source.path, error: source.error }); continue }
      try {
        // an unchanged file already published and pinned here: no need to read or hash it
        const st = statSync(source.path, { bigint: true })
        const cached = statCache.get(source.path)
        if (store != null && pins != null && cached != null && st.size <= BigInt(maxBytes) && options.writeLink !== true &&
          isFresh(cached, st, profile.name, METADATA_SCHEMA) && await pins.has(CID.parse(cached.record.cid))) {
          outcomes.push(fromCache(cached, source.path, options))
          continue
        }
        // articles are small: a synchronous read costs a tenth of a promise-based one
        const content = readFileSync(source.path)
        const { result, blocks } = await buildArticle(content, source.path, profile, options)
        if (store != null && pins != null) {
          if (!await pins.has(result.root)) {
            for (const block of blocks) await store.blockstore.put(block.cid, block.bytes, options)
            for await (const _ of store.helia.pins.add(result.root, { signal: options.signal, walker: stackWalker(new Map(blocks.map(b => [blockKey(b.cid), b.bytes]))), metadata: { source: 'ipfs-publish', slug: result.metadata.slug }, offline: true } as any)) {}
            pins.add(result.root)
            result.stored = true
          }
          await putArticle(store.datastore, recordOf(result), options)
          await putStatEntry(store.datastore, source.path, { stat: statFields(st), profile: profile.name, schema: METADATA_SCHEMA, recordedAt: Date.now(), record: recordOf(result), metadata: result.metadata, warnings: result.warnings }, options)
        }
        if (options.writeLink === true) toLink.push({ result, source: content })
        outcomes.push(result)
      } catch (err) {
        if ((err as Error)?.name === 'AbortError') throw err
        outcomes.push({ ok: false, path: source.path, error: asPublishError(err, source.path) })
      }
    }
    // a printed CID is always a stored one: report a group only once its batch is on disk
    const committed = store?.flush() ?? Promise.resolve()
    committed.catch(() => {}) // awaited in report()
    if (previous != null) yield * report(previous)
    previous = { committed, outcomes, toLink }
  }
  if (previous != null) yield * report(previous)
}

interface LinkJob { result: PublishResult, source: Uint8Array }

/** Writes links into source files (after their bundles are committed); a failure replaces that article's result. */
async function writeLinks (batch: { outcomes: PublishOutcome[], toLink: LinkJob[] }): Promise<void> {
  for (const { result, source } of batch.toLink) {
    try {
      result.linkWritten = await writeLinkIntoSource(result.path, source, result.link)
    } catch (err) {
      const i = batch.outcomes.indexOf(result)
      batch.outcomes[i] = { ok: false, path: result.path, error: asPublishError(err, result.path) }
    }
  }
}

/** Reads, bundles and hashes one article (nothing is stored). */
async function buildArticle (content: Uint8Array, path: string, profile: CidProfile, options: PublishOptions): Promise<{ result: PublishResult, blocks: Block[] }> {
  const bundle = buildBundle(content, basename(path), { maxBytes: options.maxBytes })
  const dag = await buildDirDag(bundle.files, profile, options)
  const link = buildLink({ cid: dag.root, file: bundle.files[0].name, slug: bundle.metadata.slug }, options.gateway, options.linkTemplate)
  const result: PublishResult = {
    ok: true,
    path,
    cid: dag.root.toString(),
    link,
    title: bundle.metadata.title,
    date: bundle.metadata.date,
    categories: bundle.metadata.categories,
    files: dag.files.map(f => ({ name: f.name, cid: f.cid.toString(), bytes: f.bytes })),
    root: dag.root,
    metadata: bundle.metadata,
    warnings: bundle.article.warnings,
    stored: false,
    linkWritten: false
  }
  return { result, blocks: dag.blocks }
}

/** The result of an unchanged, already published article, from the stat cache; the link follows the current options. */
function fromCache (entry: StatEntry, path: string, options: PublishOptions): PublishResult {
  const root = CID.parse(entry.record.cid)
  const link = buildLink({ cid: root, file: entry.metadata.file.name, slug: entry.metadata.slug }, options.gateway, options.linkTemplate)
  return { ...entry.record, ok: true, path, link, root, metadata: entry.metadata, warnings: entry.warnings, stored: false, linkWritten: false }
}

/**
 * Which roots are pinned: a set listed once for a large batch, or asked of
 * Helia's pins one by one for a few articles (so that publishing one article
 * into a repo of thousands does not list them all).
 */
class PinnedRoots {
  private constructor (private readonly repo: Repo, private readonly set: Set<string> | undefined, private readonly options: AbortOptions) {}

  static async load (repo: Repo, batchSize: number, options: AbortOptions): Promise<PinnedRoots> {
    if (batchSize < 256) return new PinnedRoots(repo, undefined, options)
    const set = new Set<string>()
    for await (const pin of repo.helia.pins.ls(options)) set.add(pin.cid.toV1().toString())
    return new PinnedRoots(repo, set, options)
  }

  async has (cid: CID): Promise<boolean> {
    if (this.set != null) return this.set.has(cid.toV1().toString())
    try {
      await this.repo.helia.pins.get(cid, this.options)
      return true
    } catch {
      return false
    }
  }

  add (cid: CID): void {
    this.set?.add(cid.toV1().toString())
  }
}

