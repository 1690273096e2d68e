import { statSync } from 'node:fs'
import { CustomProgressEvent } from 'progress-events'
import { InvalidArticleError, PublishError } from '../errors.js'
import { BUNDLE_FILES, METADATA_SCHEMA } from './article/bundle.js'
import { asArticleError, buildArticle, buildArticleFrom } from './build/build-article.js'
import type { BuildPool } from './build/build-pool.js'
import type { BuiltArticle } from './build/build-article.js'
import type { ArticleSource } from './find-articles.js'
import { DEFAULT_MAX_ARTICLE_BYTES } from './defaults.js'
import { getStatEntry, isFresh, putEncodedStatEntry } from './store/stat-cache.js'
import type { CachedStat, StatEntry } from './store/stat-cache.js'
import type { CidProfile, CidProfileName } from './unixfs/profiles.js'
import { findArticles } from './find-articles.js'
import { writeLinkIntoSource } from './write-link.js'
import { findDownloadLinks } from './article/scan.js'
import { buildLink } from './link.js'
import type { GatewayStyle } from './link.js'
import { putEncodedArticle } from './store/article-index.js'
import { recordVersion } from './store/versions.js'
import { multihashKey } from './unixfs/multihash-key.js'
import { getProfile } from './unixfs/profiles.js'
import type { ArticleMetadata } from './article/bundle.js'
import type { ArticleRecord } from './store/article-index.js'
import { engineOf } from './store/engine-of.js'
import { PIN_PREFIX, pinKeyOf, pinRoot } from './store/pins.js'
import type { Repo } from './store/repo.js'
import type { AbortOptions } from 'abort-error'
import { CID } from 'multiformats/cid'
import type { ProgressEvent, ProgressOptions } from 'progress-events'

/** Progress events of {@link publishArticles}. */
export type PublishProgressEvents =
  | ProgressEvent<'article:publish:found', { total: number }>
  | ProgressEvent<'article:publish:done', { path: string, cid?: CID, done: number, total: number }>
  | ProgressEvent<'article:publish:skipped', { path: string, reason: string }>

export interface PublishOptions extends AbortOptions, ProgressOptions<PublishProgressEvents> {
  /** @default 'unixfs-v1-2025' */
  cidProfile?: CidProfileName
  /** Gateway for the link. @default 'https://dweb.link' */
  gateway?: string
  /** Link template; see {@link buildLink}. */
  linkTemplate?: string
  /** Subdomain or path links; see {@link buildLink}. @default subdomain, or path for an IP address or a gateway URL with a path */
  gatewayStyle?: GatewayStyle
  /** Compute CIDs only; store nothing, pin nothing, index nothing. */
  onlyHash?: boolean
  /** Replace the target of each source file's `[Download IPFS](…)` link with its link. */
  writeLink?: boolean
  /** Largest article accepted, in bytes. @default 16 MiB */
  maxBytes?: number
  /** The folder relative paths are taken from. @default process.cwd() */
  cwd?: string
  /** Build bundles of large runs (512 articles or more) on a worker thread. @default true */
  workers?: boolean
}

/** An article given as bytes (read from standard input), named as its file would be (`name.txt`, `name.md`). */
export interface ArticleInput { name: string, bytes: Uint8Array }

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
  /** True when the repo held this bundle already and the article now publishes to it again (a return to an earlier text: a change, though nothing was stored). */
  restored?: boolean
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

/** How many groups are sent to be built before the store reaches them. */
const LOOKAHEAD = 3

/** How many committed groups may wait to be reported while the next are stored. */
const REPORT_LAG = 8

/** Runs of at least this many articles build bundles on a worker thread. */
const WORKER_MIN_ARTICLES = 512

/**
 * Publishes articles: each path is an article file or a folder searched for
 * `*.txt` and `*.md`. For each article it builds the bundle, adds its blocks to
 * the repo, pins the root (the repo's pin set, pins.ts) and records it in the index,
 * then yields the result; a bad article yields a failure and the others go on.
 * Results are yielded only once their blocks, pin and index entry are committed
 * to disk. Pass `repo` undefined with `onlyHash`.
 */
export async function * publishArticles (paths: Array<string | ArticleInput>, repo: Repo | undefined, options: PublishOptions = {}): AsyncGenerator<PublishOutcome> {
  const profile = getProfile(options.cidProfile)
  // a bad gateway or template is a usage error for the whole run, not a per-article failure
  buildLink({ cid: LINK_CHECK_CID, file: BUNDLE_FILES.text, slug: 'check' }, options.gateway, options.linkTemplate, options.gatewayStyle)
  if (repo == null && options.onlyHash !== true) throw new InvalidArticleError('a repo is needed unless onlyHash is set')
  const store = options.onlyHash === true ? undefined : repo
  const inputs = paths.filter((p): p is ArticleInput => typeof p !== 'string')
  if (inputs.length > 0 && options.writeLink === true) throw new InvalidArticleError('an article from standard input cannot have its link written into it (writeLink)')
  const files = await findArticles(paths.filter((p): p is string => typeof p === 'string'), {
    cwd: options.cwd, signal: options.signal, onSkip: (path, reason) => options.onProgress?.(new CustomProgressEvent('article:publish:skipped', { path, reason })) })
  const sources: ArticleSource[] = [...files, ...inputs.map(i => ({ path: i.name, bytes: i.bytes }))]
  const total = sources.length
  options.onProgress?.(new CustomProgressEvent('article:publish:found', { total }))
  const pins = store != null ? new PinnedRoots(store) : undefined
  const engine = store != null ? engineOf(store) : undefined
  // blocks recorded as damaged: every article is read again (not taken from the stat
  // cache), so that the good bytes of a damaged one are written again
  const repairing = engine != null && engine.damagedCount() > 0
  // each file's stat-cache entry is read by its key when its group is prepared: a publish
  // reads the entries of the files it is given, not the whole cache (which grows with the archive)
  const statOf = (path: string): CachedStat | undefined => engine != null && !repairing ? getStatEntry(engine, path) : undefined
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ARTICLE_BYTES
  let done = 0

  // each group is committed in one batch while the next group is built; its
  // results are reported once the batch has landed
  interface Committing { committed: Promise<void>, outcomes: PublishOutcome[], toLink: LinkJob[] }
  const committing: Committing[] = []
  const report = async function * (batch: Committing): AsyncGenerator<PublishOutcome> {
    await batch.committed
    await writeLinks(batch)
    for (const outcome of batch.outcomes) {
      options.signal?.throwIfAborted()
      done++
      // the root CID is decoded only if a listener reads it (a cached result holds it as text)
      if (options.onProgress != null) options.onProgress(new CustomProgressEvent('article:publish:done', { path: outcome.path, get cid () { return outcome.ok ? outcome.root : undefined }, done, total }))
      yield outcome
    }
  }

  // large runs build bundles on a worker thread while this thread stores the previous group
  // (loaded only then: worker_threads costs a small publish about a millisecond)
  let pool: BuildPool | undefined
  let startPool: () => BuildPool = () => { throw new Error('no worker') }
  let wantPool = false
  if (total >= WORKER_MIN_ARTICLES && options.workers !== false) {
    // started only once a group has articles to build: republishing an unchanged corpus builds none
    const { BuildPool, findWorkerScript } = await import('./build/build-pool.js')
    const script = findWorkerScript()
    if (script != null) { wantPool = true; startPool = () => (pool ??= new BuildPool(script)) }
  }
  try {
    const groups: ArticleSource[][] = []
    // the first groups are smaller, so that the store starts while the worker warms up
    for (let start = 0, size = wantPool ? GROUP / 8 : GROUP; start < sources.length; start += size, size = Math.min(GROUP, size * 2)) {
      groups.push(sources.slice(start, start + size))
    }
    // stat and look each article up in the stat cache; send the rest to be built
    const prepare = (group: ArticleSource[]): PreparedGroup => {
      const items: PreparedItem[] = group.map(source => {
        if (source.error != null) return { source, error: source.error }
        if (source.bytes != null) return { source }
        try {
          // only a file the stat cache knows is looked at here; the rest are stat-ed as they are read
          const cached = statOf(source.path)
          if (cached == null || store == null || options.writeLink === true) return { source }
          const st = statSync(source.path, { bigint: true })
          const usable = st.size <= BigInt(maxBytes) && isFresh(cached, st, profile.name, METADATA_SCHEMA)
          return { source, cached: usable ? cached : undefined }
        } catch (err) {
          return { source, error: asArticleError(err, source.path) }
        }
      })
      const paths = items.filter(i => i.error == null && i.cached == null && i.source.bytes == null).map(i => i.source.path)
      const built = wantPool && paths.length > 0
        ? startPool().build(paths, profile.name, { ...options, withSource: options.writeLink === true })
        : buildInline(paths, profile, options)
      built.catch(() => {})
      return { items, built }
    }
    // keep the builder LOOKAHEAD groups ahead of the store, so neither thread waits on the other
    const ahead: PreparedGroup[] = []
    for (let g = 0; g < Math.min(LOOKAHEAD, groups.length); g++) ahead.push(prepare(groups[g]))
    for (let g = 0; g < groups.length; g++) {
      options.signal?.throwIfAborted()
      const current = ahead.shift()!
      if (g + LOOKAHEAD < groups.length) ahead.push(prepare(groups[g + LOOKAHEAD]))
      const built = await current.built
      let b = 0
      const outcomes: PublishOutcome[] = []
      const toLink: LinkJob[] = []
      for (const item of current.items) {
        options.signal?.throwIfAborted()
        const path = item.source.path
        if (item.error != null) { outcomes.push({ ok: false, path, error: item.error }); continue }
        try {
          if (item.cached != null && pins != null && await pins.hasCached(item.cached)) {
            // unchanged, already published and pinned here: not read, not hashed
            outcomes.push(fromCache(item.cached, path, options))
            continue
          }
          let article = item.cached != null
            ? await buildInline([path], profile, options).then(r => r[0])
            : item.source.bytes != null ? await buildArticleFrom(path, item.source.bytes, null, profile, options) : built[b++]
          if (article instanceof PublishError) { outcomes.push({ ok: false, path, error: article }); continue }
          article = article as BuiltArticle
          if (options.writeLink === true && findDownloadLinks(article.source).length === 0) {
            // refused before anything is stored: the run asked for the link in the file, and there is nowhere to put it
            outcomes.push({ ok: false, path, error: new InvalidArticleError(`${path}: no [Download IPFS](…) link to write the link into; nothing was stored (publish it without \`writeLink\`, or add the line)`) })
            continue
          }
          const result = toResult(article)
          if (store != null && pins != null) {
            if (!await pins.has(result.root, result.cid)) {
              for (const block of article.blocks) await store.blockstore.put(block.cid, block.bytes, options)
              // the blocks are in hand: checking the DAG is complete reads nothing
              await pinRoot(store, result.root, { source: 'ipfs-publish', slug: result.metadata.slug }, { signal: options.signal, known: new Map(article.blocks.map(b => [multihashKey(b.cid), b.bytes])) })
              pins.add(result.root, result.cid)
              result.stored = true
            } else {
              // pinned already: a block whose stored bytes differ (damaged) or are gone is written again
              for (const block of article.blocks) {
                if (!(await engine!.holds(block.cid.multihash.bytes, block.bytes))) await store.blockstore.put(block.cid, block.bytes, options)
              }
            }
            await putEncodedArticle(store.datastore, result.cid, article.encoded.record, options)
            // a bundle held already that the path did not publish to: a return to an earlier text
            if (await recordVersion(store.datastore, path, result.cid, options) && !result.stored) result.restored = true
            if (article.encoded.statEntry != null) await putEncodedStatEntry(store.datastore, path, article.encoded.statEntry, options)
          }
          if (options.writeLink === true) toLink.push({ result, source: article.source })
          outcomes.push(result)
        } catch (err) {
          if ((err as Error)?.name === 'AbortError') throw err
          outcomes.push({ ok: false, path, error: asArticleError(err, path) })
        }
      }
      // a printed CID is always a stored one: report a group only once its batch is on disk
      const committed = store?.flush() ?? Promise.resolve()
      committed.catch(() => {}) // awaited in report()
      committing.push({ committed, outcomes, toLink })
      // a group is reported REPORT_LAG groups later, so its commit (a pack write, then a
      // LevelDB batch, each a trip to another thread) overlaps storing the next ones
      while (committing.length > REPORT_LAG) yield * report(committing.shift()!)
    }
    while (committing.length > 0) yield * report(committing.shift()!)
  } finally {
    await pool?.close()
  }
}

interface PreparedItem { source: ArticleSource, error?: PublishError, cached?: CachedStat }
interface PreparedGroup { items: PreparedItem[], built: Promise<Array<BuiltArticle | PublishError>> }

/** Builds articles on this thread (small runs, or where no built worker script exists). */
async function buildInline (paths: string[], profile: CidProfile, options: PublishOptions): Promise<Array<BuiltArticle | PublishError>> {
  const out: Array<BuiltArticle | PublishError> = []
  for (const path of paths) {
    try {
      out.push(await buildArticle(path, profile, options))
    } catch (err) {
      out.push(asArticleError(err, path))
    }
  }
  return out
}

interface LinkJob { result: PublishResult, source: Uint8Array }

/** Writes links into source files (after their bundles are committed); a failure replaces that article's result. */
async function writeLinks (batch: { outcomes: PublishOutcome[], toLink: LinkJob[] }): Promise<void> {
  for (const { result, source } of batch.toLink) {
    try {
      result.linkWritten = await writeLinkIntoSource(result.path, source, result.link)
    } catch (err) {
      const i = batch.outcomes.indexOf(result)
      batch.outcomes[i] = { ok: false, path: result.path, error: asArticleError(err, result.path) }
    }
  }
}

/** A publish result from a built article (its record was made with the current link options). */
function toResult (a: BuiltArticle): PublishResult {
  return { ok: true, ...a.record, root: a.root, metadata: a.metadata, warnings: a.warnings, stored: false, linkWritten: false }
}

/**
 * The result of an unchanged, already published article, from the stat cache; the
 * link follows the current options. Its fields are decoded when first read (a
 * republish that prints only CIDs decodes none of the entries' JSON).
 */
class CachedResult {
  readonly ok = true as const
  readonly stored = false
  readonly linkWritten = false
  private decoded?: StatEntry
  private rootCid?: CID
  private linkText?: string

  constructor (private readonly cached: CachedStat, readonly path: string, private readonly options: PublishOptions) {}

  get cid (): string { return this.cached.cid }
  get root (): CID { return (this.rootCid ??= CID.parse(this.cached.cid)) }
  get link (): string { return (this.linkText ??= buildLink({ cid: this.root, file: this.entry.metadata.file.name, slug: this.entry.metadata.slug }, this.options.gateway, this.options.linkTemplate, this.options.gatewayStyle)) }
  get title (): string | null { return this.entry.record.title }
  get date (): string | null { return this.entry.record.date }
  get categories (): string[] { return this.entry.record.categories }
  get files (): ArticleRecord['files'] { return this.entry.record.files }
  get metadata (): ArticleMetadata { return this.entry.metadata }
  get warnings (): string[] { return this.entry.warnings }
  private get entry (): StatEntry { return (this.decoded ??= this.cached.entry()) }

  /** Every field, as a plain result would serialise. */
  toJSON (): Omit<PublishResult, 'root'> & { root: CID } {
    return { ok: true, path: this.path, cid: this.cid, link: this.link, title: this.title, date: this.date, categories: this.categories, files: this.files, root: this.root, metadata: this.metadata, warnings: this.warnings, stored: false, linkWritten: false }
  }
}

function fromCache (cached: CachedStat, path: string, options: PublishOptions): PublishResult {
  return new CachedResult(cached, path, options) as PublishResult
}

/**
 * Which roots are pinned, asked of the repo's pin set one by one (a read of the store
 * each: cheaper than listing every pin of a large repo), with the roots pinned
 * by this run remembered.
 */
class PinnedRoots {
  private readonly added = new Set<string>()
  constructor (private readonly repo: Repo) {}

  /** `text` is the CID as printed, when known: a CIDv1's text is its key here, with no encoding again. */
  async has (cid: CID, text?: string): Promise<boolean> {
    if (this.added.has(keyOf(cid, text))) return true
    // one read of the root's pin record (pins.ts)
    return engineOf(this.repo).getData(pinKeyOf(cid)) !== undefined
  }

  /** Whether the root of a stat-cache entry is pinned: one read of the key it names, with no CID decoded. */
  async hasCached (cached: CachedStat): Promise<boolean> {
    // an entry written before the repo's own pin set names the key of Helia's records: a CIDv1's key is its text
    const key = cached.pinKey.startsWith(PIN_PREFIX) ? cached.pinKey : cached.cid.startsWith('b') ? PIN_PREFIX + cached.cid : undefined
    if (key != null) return this.added.has(cached.cid) || engineOf(this.repo).getData(key) !== undefined
    return await this.has(CID.parse(cached.cid), cached.cid)
  }

  add (cid: CID, text?: string): void {
    this.added.add(keyOf(cid, text))
  }
}

/** A root's key in {@link PinnedRoots}: its CIDv1 in base32. */
function keyOf (cid: CID, text?: string): string {
  return cid.version === 1 && text != null && text.startsWith('b') ? text : cid.toV1().toString()
}

