import { createHash } from 'node:crypto'
import { Key } from 'interface-datastore'
import { CID } from 'multiformats/cid'
import { CustomProgressEvent } from 'progress-events'
import { BlockNotFoundError, InvalidArgumentError, NoArticlesError, NotFoundError } from '../../errors.js'
import { parseCidText } from '../cid.js'
import { parseArticleBytes, slugify } from '../article/parse-article.js'
import { catCid } from '../read/cat.js'
import { readAll } from '../read-all.js'
import { buildLink } from '../link.js'
import { packageVersion } from '../package-version.js'
import { isPinRoot, pinKeyOf, pinRoot, unpinRoot } from '../store/pins.js'
import { engineOf } from '../store/engine-of.js'
import { multihashKey } from '../unixfs/multihash-key.js'
import { getProfile } from '../unixfs/profiles.js'
import { bundleSummary, cachedSummary } from './bundles.js'
import { assignPermalinks } from './permalinks.js'
import { verifyBlock } from '../store/verifying-blockstore.js'
import { EDITION_PIN } from './named.js'
import { buildDirectory } from './directory.js'
import { buildFile } from './file-dag.js'
import { editionDate, renderArticlePage, summaryOf, textBlocks } from './render.js'
export { EDITION_SCHEMA } from './edition-json.js'
import { EDITION_SCHEMA, isFullRecord, readEditionContent, toDays } from './edition-json.js'
import { articleEntries, correctionsFolder, frontFiles, monthFiles, rootFolder, sortIndex } from './emit.js'
import { indexRecords } from './at-index.js'
import { fromManifest, fromRepo } from './sources.js'
import { compareDays } from './months.js'
import { readChanges } from '../store/changes.js'
import { directorySize } from './directory.js'
import type { ArticleRecord, DayRecord, EditionContent, VersionRecord } from './edition-json.js'
import type { EmitContext } from './emit.js'
import type { Source } from './sources.js'
import type { BundleSummary } from './bundles.js'
import type { BuiltDir, DirEntry } from './directory.js'
import type { ArticlePage, EditionArticle } from './render.js'
import type { Blockstore } from 'interface-blockstore'
import type { GatewayStyle } from '../link.js'
import type { Manifest } from '../manifest.js'
import type { Repo } from '../store/repo.js'
import type { Block } from '../unixfs/build-small-dir.js'
import type { CidProfile, CidProfileName } from '../unixfs/profiles.js'
import type { Permalinks } from './permalinks.js'
import type { AbortOptions } from 'abort-error'
import type { ProgressEvent, ProgressOptions } from 'progress-events'

export type EditionProgressEvents =
  | ProgressEvent<'edition:articles', { total: number }>
  | ProgressEvent<'edition:article', { done: number, total: number }>

export interface EditionOptions extends AbortOptions, ProgressOptions<EditionProgressEvents> {
  /** Take the articles from this manifest (path → {cid, previous}) instead of the repo's published articles; their bundles must be in the repo. */
  manifest?: Manifest
  /** How the manifest is named in errors. */
  manifestName?: string
  /** @default 'unixfs-v1-2025' */
  cidProfile?: CidProfileName
  /** Gateway, template and style of each article's "Download IPFS" link, as for publish. */
  gateway?: string
  linkTemplate?: string
  gatewayStyle?: GatewayStyle
  /** Entries in feed.xml and feed.json. @default 50 */
  feedSize?: number
  /** Articles per page of the front page. @default 100 */
  pageSize?: number
  /** The newsroom's name: the pages' and feeds' title. @default 'Newsroom' */
  title?: string
  /** The feeds' id (an IRI). @default `ipns://<name>` with an IPNS name, else `urn:ipfs-publish:<title as a slug>` */
  feedId?: string
  /**
   * The edition's date (`YYYY-MM-DD`): the feeds' `updated` when it is later than
   * the newest article's date, and the Atom `updated` of undated articles.
   * Needed when no article of the edition has a date (Atom requires one; none is made up).
   */
  date?: string
  /** The CID of the edition this one replaces; `null` for none. @default the repo's latest edition */
  previous?: string | null
  /** Keep the replaced edition pinned. @default false (the articles it names keep their own pins) */
  keepPrevious?: boolean
  /**
   * Build from every article (the repo's or the manifest's), not from the changes the repo recorded since
   * its latest edition: the oracle of the incremental build (the same inputs give the same CID either way). @default false
   */
  full?: boolean
  /** Make an edition of no article when there is none. @default false (NoArticlesError) */
  allowEmpty?: boolean
  /**
   * Where a block the repo does not hold is asked for (the previous edition's root and
   * edition.json, the text of a version whose page must be made again): the bytes it
   * gives are checked against the CID before use. @default none (a missing block is an error)
   */
  fetchBlock?: (cid: CID, options: AbortOptions) => Promise<Uint8Array>
}

export interface EditionResult {
  cid: CID
  /** The edition this one replaces, or null. */
  previous: string | null
  articles: number
  /** Articles with earlier versions. */
  corrected: number
  /** True when the articles are those of the latest edition: it is returned, nothing is made. */
  unchanged: boolean
  /** True when it was made from the latest edition and the changes since (incremental.ts), false when from every article. */
  incremental: boolean
}


/**
 * The version of the edition's pages and feeds (a new one makes a new edition of the same articles, and
 * every article's page is made again). Raise it whenever what renderArticlePage writes changes: a page
 * of the previous edition made from the same inputs (pageKey) is kept, not made again.
 */
const LAYOUT = 3

/** The layout of the edition's records (edition@4 by day, the at-index, the change log): an incremental edition needs the previous one's to be this one. */
export const RECORDS_LAYOUT = 5

/** Where the repo keeps its latest edition. */
const LATEST_KEY = new Key('/ipfs-publish/edition/latest')

export interface LatestEdition {
  cid: string
  previous: string | null
  /** A hash of what decided the edition's content (articles, options, version), apart from `previous`. */
  fingerprint: string
  /** The part of it that is not the articles, and the articles' part (a sum of one hash per article: kept by adding and subtracting). */
  options: string
  articlesHash: string
  articles: number
  corrected: number
  /** The edition's layout (LAYOUT): an incremental edition needs the previous one's to be this one. */
  layout: number
  /** The last entry of the change log (changes.ts) the edition took in. */
  changes: number
  /**
   * Whose articles it holds: the repo's, or a manifest's. The repo's next edition is made from
   * the change log only after one of the repo's own (a manifest's articles need not be the
   * repo's); absent in records written before 2026-12-06, taken as the repo's.
   */
  from?: 'repo' | 'manifest'
}


/** What a version of an article is, from its bundle or from the previous edition's record of it. */
export type VersionInfo = Omit<BundleSummary, 'cid'> & { cid: string }

/**
 * Builds an edition, a UnixFS folder of the whole site: `index.html` (and
 * `page/<n>.html`), `feed.xml`, `feed.json`, `articles/<date>-<slug>/` (each a
 * link to the article's bundle, no bytes copied) with its readable page beside
 * it, `articles/<date>-<slug>.html`, `corrections/<date>-<slug>/<n>/` and
 * `<n>.html` (the earlier versions of corrected articles) and `edition.json`. It is stored
 * and pinned with Helia's pinning API in one commit (its own blocks; each article
 * it names keeps a pin of its own), the replaced edition unpinned. The same articles, options and
 * previous edition give the same CID on any machine.
 *
 * The previous edition's edition.json decides each article's path (its permalink, permalinks.ts)
 * and says what its versions are: an article whose versions and page inputs are unchanged is linked
 * and shown from that record, no byte of its bundle read, so a machine holding only the changed
 * articles (and `fetchBlock` to reach the previous edition) makes the same edition as one that
 * holds everything.
 */
export async function buildEdition (repo: Repo, options: EditionOptions = {}): Promise<EditionResult> {
  const profile = getProfile(options.cidProfile)
  const feedSize = positive(options.feedSize ?? 50, 'feedSize')
  const pageSize = positive(options.pageSize ?? 100, 'pageSize')
  const title = options.title ?? 'Newsroom'
  if (options.previous != null) {
    // another multibase (`BAFY…`) is the same CID: the edition records its usual text
    let previous: string
    try { previous = parseCidText(options.previous).toString() } catch { throw new InvalidArgumentError(`\`previous\` "${options.previous}" is not a CID`) }
    options = { ...options, previous }
  }
  if (options.date != null && !isDate(options.date)) throw new InvalidArgumentError(`\`date\` "${options.date}" is not a date (YYYY-MM-DD)`)
  const feedId = options.feedId ?? `urn:ipfs-publish:${slugify(title) || 'edition'}`
  // what decides the edition's content apart from its articles and the edition it replaces
  const optionsFingerprint = createHash('sha256').update(JSON.stringify({
    schema: EDITION_SCHEMA,
    layout: LAYOUT,
    records: RECORDS_LAYOUT,
    version: packageVersion(),
    profile: profile.name,
    date: options.date ?? null,
    title,
    feedId,
    feedSize,
    pageSize,
    links: [options.gateway ?? null, options.linkTemplate ?? null, options.gatewayStyle ?? null]
  })).digest('base64url')
  const latest = await readLatest(repo, options)
  // the change log is read before the articles: a change committed in between is taken in now and again next time (no harm), none is missed
  const engine = engineOf(repo)
  const log = await readChanges(engine, latest?.changes ?? 0)
  const changesSeen = log.last
  const source = blockSource(repo, options.fetchBlock)
  const manifestSources = options.manifest != null ? fromManifest(options.manifest, options.manifestName ?? 'the manifest') : undefined
  const ctx: EmitContext = { profile, title, feedId, feedSize, pageSize, link: options }
  const logged = log.changes
  // (past 20,000 changes since the latest edition, the log is not read: the edition is built from every article)
  if (options.full !== true && logged != null) {
    const { incrementalEdition } = await import('./incremental.js')
    const base = { optionsFingerprint, ctx, date: options.date, source, latest }
    let result: EditionResult | undefined
    if (manifestSources == null && latest != null && latest.layout === RECORDS_LAYOUT && latest.options === optionsFingerprint && latest.from !== 'manifest' && options.previous === undefined) {
      // the repo's next edition: from its latest and its change log
      result = await incrementalEdition(repo, { ...base, previous: latest.cid, changes: { kind: 'log', log: { changes: logged, last: log.last } } }, options)
    } else if (manifestSources != null && (options.previous ?? latest?.cid) != null) {
      // a manifest's next edition (a CI runner): the articles this repo published since its latest edition are the changed ones
      const published = new Set(logged.flatMap(c => c.cids))
      result = await incrementalEdition(repo, { ...base, previous: (options.previous ?? latest?.cid)!, changes: { kind: 'manifest', sources: manifestSources, published, last: log.last }, mayBeUnchanged: options.previous === undefined }, options)
    }
    if (result != null) return result
  }
  const sources = manifestSources ?? await fromRepo(repo, options)
  if (sources.length === 0 && options.allowEmpty !== true) {
    throw new NoArticlesError(`${options.manifest != null ? (options.manifestName ?? 'the manifest') + ' lists' : 'the repo holds'} no published articles: publish some first (an edition of none is made only with \`allowEmpty\`)`)
  }
  options.onProgress?.(new CustomProgressEvent('edition:articles', { total: sources.length }))
  // the same inputs make no new edition
  const articlesHash = hashSources(sources)
  const fingerprint = combine(optionsFingerprint, articlesHash)
  if (latest != null && latest.fingerprint === fingerprint && options.previous === undefined && await isPinRoot(repo, CID.parse(latest.cid), options)) {
    return { cid: CID.parse(latest.cid), previous: latest.previous, articles: latest.articles, corrected: latest.corrected, unchanged: true, incremental: false }
  }
  const previous = options.previous !== undefined ? options.previous : latest?.cid ?? null
  // a whole edition's blocks go to the store as they are made (the store commits them in batches; the
  // pin and the latest-edition record come last): its memory holds records, not pages
  const put = async (blocks: Block[]): Promise<void> => { for (const b of blocks) await repo.blockstore.put(b.cid, b.bytes, options) }
  // the previous edition: the permalinks, and what its articles are (no bundle read for an unchanged one)
  const prev: EditionContent = previous != null ? await readEditionContent(source, previous, options) : { articles: [], corrections: {}, retired: [] }
  const made = await makeRecords(repo, source, sources, prev, previous, profile, options, (known) => assignPermalinks(sources.map(s => ({ current: s.current, earlier: s.earlier, base: baseName(known.get(s.current)!) })), {
    articles: prev.articles.map(a => ({ path: a.path, cids: [a.cid, ...(prev.corrections[a.path] ?? []).map(e => e.cid).reverse()] })),
    retired: prev.retired
  }), put)
  const { summaries, articles, records, permalinks, cidOf } = made
  // the edition's date: Atom requires one; an undated article is not given one (render.ts, editionDate)
  const updated = editionDate(articles, options.date)
  if (updated == null) throw new InvalidArgumentError(NO_DATE)
  // the edition's records by day: what it writes (edition/<month>/<dd>.json, page/<month>.html) and what a later edition reads
  const corrected = articles.filter(a => a.earlier.length > 0)
  const days = toDays(
    articles.map(a => ({ ...records.get(a.page)!, summary: a.summary })),
    Object.fromEntries(corrected.map(a => [a.path, a.earlier.map(e => records.get(e.page)!)])),
    permalinks.retired
  )
  const mf = await monthFiles(days.values(), ctx, options)
  const index = sortIndex(mf.index)
  const front = await frontFiles(index, async m => mf.days.get(m)!, async d => days.get(d)!, updated, ctx, options)
  const records_ = [...days.values()].sort((a, b) => compareDays(a.day, b.day)).flatMap(d => d.articles)
  await put(mf.blocks)
  await put(front.blocks)
  const dirBlocks: Block[] = []
  const dirOf = (d: BuiltDir | null): DirEntry | null => { if (d == null) return null; dirBlocks.push(...d.blocks); return { name: '', cid: d.cid, tsize: d.tsize } }
  const articleDirEntries = records_.flatMap(articleEntries)
  const correctionEntries = corrected.map(a => ({ ...dirOf(correctionsFolder(a.path, a.earlier.map(e => records.get(e.page)!), profile))!, name: a.path.slice('articles/'.length) }))
  const sizes = { articles: directorySize(articleDirEntries, profile), corrections: directorySize(correctionEntries, profile) }
  const root = await rootFolder({
    front: front.entries,
    articles: records_.length > 0 ? dirOf(buildDirectory(articleDirEntries, profile)) : null,
    corrections: correctionEntries.length > 0 ? dirOf(buildDirectory(correctionEntries, profile)) : null,
    page: dirOf(buildDirectory([...mf.pages.values()].filter((e): e is DirEntry => e != null), profile)),
    edition: dirOf(buildDirectory([...mf.folders.values()], profile)),
    index: { previous, updated, articles: articles.length, corrected: corrected.length, months: index, sizes, options: optionsFingerprint, articlesHash }
  }, ctx)
  const cid = root.cid

  const record: LatestEdition = { cid: cid.toString(), previous, fingerprint, options: optionsFingerprint, articlesHash, articles: articles.length, corrected: corrected.length, layout: RECORDS_LAYOUT, changes: changesSeen, from: manifestSources != null ? 'manifest' : 'repo' }
  await commitEdition(repo, { blocks: [...dirBlocks, ...root.blocks], bundles: [...summaries.keys()].map(cidOf), cid, records: days.values(), record, latest }, options)
  return { cid, previous, articles: articles.length, corrected: corrected.length, unchanged: false, incremental: false }
}

/** An article's text after its header (title, date and Categories lines, or front matter), read from the repo (or fetched). */
async function articleBody (blocks: Pick<Blockstore, 'get'>, sum: VersionInfo, options: AbortOptions): Promise<string> {
  const bytes = await readAll(catCid(sum.file.cid, blocks, options)).catch((err: any) => {
    if (err?.name === 'NotFoundError') throw new NotFoundError(`the text of bundle ${sum.cid} (${sum.file.name}) is not all in the repo (publish or import the article here first)${err?.fetched === true ? `: ${err.message}` : ''}`)
    throw err
  })
  let start = 0
  // a bundle published under older rules (a title over today's limit) is shown whole
  try { start = parseArticleBytes(bytes).bodyStart } catch {}
  return new TextDecoder().decode(bytes.subarray(start))
}

/** The repo's blocks, and a block it does not hold from `fetchBlock`, checked against its CID before use. */
function blockSource (repo: Repo, fetchBlock: EditionOptions['fetchBlock']): Pick<Blockstore, 'get'> {
  return {
    async * get (cid: CID, options: AbortOptions = {}) {
      let local: Uint8Array
      try {
        local = await readAll(repo.blockstore.get(cid, options))
      } catch (err: any) {
        if (err?.name !== 'NotFoundError' || fetchBlock == null) throw err
        let bytes: Uint8Array
        try {
          bytes = await fetchBlock(cid, options)
        } catch (e: any) {
          if (e?.name !== 'NotFoundError') throw e
          throw Object.assign(new NotFoundError(e.message), { fetched: true })
        }
        verifyBlock(cid, bytes)
        yield bytes
        return
      }
      yield local
    }
  } as unknown as Pick<Blockstore, 'get'>
}

/** An article's name before any suffix: `<date>-<slug>`. */
export function baseName (v: VersionInfo): string {
  return `${v.date ?? 'undated'}-${v.slug || 'article'}`
}

/** Whether `text` is a real calendar date written `YYYY-MM-DD`. */
export function isDate (text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false
  const d = new Date(`${text}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text
}

function positive (n: number, name: string): number {
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`\`${name}\` must be a whole number of at least 1 (got ${n})`)
  return n
}

/** Records the repo's latest edition (in the pending commit). */
export async function writeLatest (repo: Repo, record: LatestEdition, options: AbortOptions = {}): Promise<void> {
  await repo.datastore.put(LATEST_KEY, new TextEncoder().encode(JSON.stringify(record)), options)
}

/** The repo's latest edition, if it has made one. */
export async function readLatest (repo: Repo, options: AbortOptions = {}): Promise<LatestEdition | undefined> {
  try {
    return JSON.parse(new TextDecoder().decode(await repo.datastore.get(LATEST_KEY, options)))
  } catch (err: any) {
    if (err?.name === 'NotFoundError') return undefined
    throw err
  }
}

/** Each article at its permalink (permalinks.ts), its link, and the order of the front page: newest first. */
function arrange (sources: Source[], summaries: Map<string, VersionInfo>, paths: string[], cidOf: (text: string) => CID, options: EditionOptions): EditionArticle[] {
  const articles: EditionArticle[] = []
  for (const [i, s] of sources.entries()) {
    const sum = summaries.get(s.current)!
    const name = paths[i].slice('articles/'.length)
    articles.push({
      path: `articles/${name}`,
      cid: sum.cid,
      title: sum.title,
      date: sum.date,
      categories: sum.categories,
      file: sum.file.name,
      bytes: sum.file.bytes,
      link: buildLink({ cid: cidOf(sum.cid), file: sum.file.name, slug: sum.slug }, options.gateway, options.linkTemplate, options.gatewayStyle),
      page: `articles/${name}.html`,
      summary: null,
      earlier: s.earlier.map((cid, i) => ({ cid, date: summaries.get(cid)!.date, path: `corrections/${name}/${i + 1}`, page: `corrections/${name}/${i + 1}.html` }))
    })
  }
  // newest first; undated last; then by folder name
  return articles.sort((a, b) => a.date === b.date ? (a.path < b.path ? -1 : 1) : a.date == null ? 1 : b.date == null ? -1 : a.date < b.date ? 1 : -1)
}

/** The articles' part of the fingerprint: the sum (mod 2^256) of one hash per article, so an edition that changes a few articles can keep it. */
export function hashSources (sources: Array<{ current: string, earlier: string[] }>, plus = 0n, minus: Array<{ current: string, earlier: string[] }> = []): string {
  let sum = plus
  for (const s of sources) sum += articleHash(s)
  for (const s of minus) sum -= articleHash(s)
  return (((sum % MOD) + MOD) % MOD).toString(16).padStart(64, '0')
}

const MOD = 1n << 256n

function articleHash (s: { current: string, earlier: string[] }): bigint {
  return BigInt('0x' + createHash('sha256').update(JSON.stringify([s.current, ...s.earlier])).digest('hex'))
}

export function combine (optionsFingerprint: string, articlesHash: string): string {
  return createHash('sha256').update(optionsFingerprint + articlesHash).digest('base64url')
}

/** What makeRecords makes of the articles given: their records, pages and paths. */
export interface Made {
  summaries: Map<string, BundleSummary>
  articles: EditionArticle[]
  /** Each version's record, by its page's path. */
  records: Map<string, VersionRecord>
  permalinks: Permalinks
  blocks: Block[]
  cidOf: (text: string) => CID
}

/**
 * The records of the given articles: each version's summary (from the previous edition's record
 * (`prev`: all of it, or the part that names these articles), else its bundle), its path (`assign`),
 * its readable page (kept from `prev` when made from the same inputs, else made from the text).
 */
export async function makeRecords (repo: Repo, source: Pick<Blockstore, 'get'>, sources: Source[], prev: EditionContent, previous: string | null, profile: CidProfile, options: EditionOptions, assign: (known: Map<string, VersionInfo>) => Permalinks | Promise<Permalinks>, put?: (blocks: Block[]) => Promise<void>): Promise<Made> {
  const known = new Map<string, VersionInfo>()
  for (const r of [...prev.articles, ...Object.values(prev.corrections).flat()]) {
    if (isFullRecord(r) && !known.has(r.cid)) known.set(r.cid, { cid: r.cid, tsize: r.tsize, title: r.title, date: r.date, categories: r.categories, slug: r.slug, file: r.file })
  }

  // what each bundle is: from the previous edition's record, else read once per CID (then kept in the repo)
  const summaries = new Map<string, BundleSummary>()
  let done = 0
  for (const s of sources) {
    options.signal?.throwIfAborted()
    for (const cid of [...s.earlier, s.current]) {
      if (summaries.has(cid)) continue
      const cached = known.has(cid) ? await cachedSummary(repo, cid, options) : undefined
      // a bundle this repo holds is pinned as before (below); one known from the previous edition alone is linked by its record
      if (cached != null) summaries.set(cid, cached)
      else if (!known.has(cid)) {
        summaries.set(cid, await bundleSummary(repo, cid, s.id, options).catch((err: any) => {
          // a version the previous edition does not record is read from its bundle: the runner that changed it published it
          if (err?.name === 'NotFoundError' && previous != null) throw new NotFoundError(`${s.id}: bundle ${cid} is not in the repo, nor recorded in the previous edition ${previous} (publish the article here first)`)
          throw err
        }))
      }
      if (!known.has(cid)) known.set(cid, summaries.get(cid)!)
    }
    options.onProgress?.(new CustomProgressEvent('edition:article', { done: ++done, total: sources.length }))
  }

  // each CID is parsed once
  const cids = new Map<string, CID>()
  const cidOf = (text: string): CID => { let c = cids.get(text); if (c == null) { c = CID.parse(text); cids.set(text, c) } return c }
  const permalinks = await assign(known)
  const articles = arrange(sources, known, permalinks.paths, cidOf, options)
  const encoder = new TextEncoder()

  // the edition's own blocks
  const blocks: Block[] = []
  // each version's readable page, beside its folder (articles/<name>.html, corrections/<name>/<n>.html); the current version's first paragraph is the feeds' summary.
  // A page made from the same inputs in the previous edition is kept (its text is fixed by the version's CID): nothing of its bundle is read
  const madePages = new Map<string, { cid: string, tsize: number, summary: string | null }>()
  for (const r of prev.articles) if (isFullRecord(r)) madePages.set(r.pageKey, { cid: r.pageCid, tsize: r.pageTsize, summary: (r as ArticleRecord).summary ?? null })
  for (const r of Object.values(prev.corrections).flat()) if (isFullRecord(r) && !madePages.has(r.pageKey)) madePages.set(r.pageKey, { cid: r.pageCid, tsize: r.pageTsize, summary: null })
  const pageOf = new Map<string, DirEntry>()
  const records = new Map<string, VersionRecord>()
  for (const a of articles) {
    options.signal?.throwIfAborted()
    const versions = [...a.earlier.map(e => ({ cid: e.cid, path: e.path, page: e.page })), { cid: a.cid, path: a.path, page: a.page }]
    for (const [i, v] of versions.entries()) {
      const sum = known.get(v.cid)!
      const current = i === versions.length - 1
      const page: Omit<ArticlePage, 'blocks'> = {
        at: v.page,
        title: sum.title,
        date: sum.date,
        categories: sum.categories,
        cid: v.cid,
        dir: v.path,
        file: sum.file.name,
        link: current ? a.link : buildLink({ cid: cidOf(v.cid), file: sum.file.name, slug: sum.slug }, options.gateway, options.linkTemplate, options.gatewayStyle),
        ...(current ? { earlier: a.earlier.map(e => ({ date: e.date, page: e.page })) } : { version: { n: i + 1, current: a.page, ...(v.cid === a.cid ? { again: true } : {}) } })
      }
      const pageKey = createHash('sha256').update(JSON.stringify({ layout: LAYOUT, profile: profile.name, current, page })).digest('base64url')
      let made = madePages.get(pageKey)
      if (made == null) {
        const text = textBlocks(await articleBody(source, sum, options), sum.title)
        const f = await buildFile(encoder.encode(renderArticlePage({ ...page, blocks: text })), profile)
        if (put != null) await put(f.blocks)
        else blocks.push(...f.blocks)
        made = { cid: f.cid.toString(), tsize: f.tsize, summary: current ? summaryOf(text) : null }
      }
      // a kept page is the previous edition's: its blocks are where that edition's are (this repo, or the node for a runner)
      if (current) a.summary = made.summary
      pageOf.set(v.page, { name: v.page.slice(v.page.lastIndexOf('/') + 1), cid: cidOf(made.cid), tsize: made.tsize })
      records.set(v.page, { path: v.path, page: v.page, cid: v.cid, title: sum.title, date: sum.date, categories: sum.categories, tsize: sum.tsize, slug: sum.slug, file: sum.file, pageCid: made.cid, pageTsize: made.tsize, pageKey })
    }
  }
  return { summaries, articles, records, permalinks, blocks, cidOf }
}

export const NO_DATE = 'no article of the edition has a date, and its Atom feed needs one: give the edition\'s date (edition --date YYYY-MM-DD)'

/** What {@link commitEdition} writes. */
export interface EditionCommit {
  /** The edition's new blocks. */
  blocks: Block[]
  /** The bundles the edition's new blocks link (each keeps a pin of its own). */
  bundles: CID[]
  cid: CID
  /** The records written (their CIDs go to the at-index). */
  records: Iterable<Pick<DayRecord, 'articles' | 'corrections' | 'retired'>>
  record: LatestEdition
  latest: LatestEdition | undefined
  /** Sub-DAGs known complete (an incremental edition's links into the previous one). */
  completeBelow?: (cid: CID) => boolean
}

/** One commit: the new blocks, the pins, the at-index, the latest-edition record and the replaced edition's unpin. */
export async function commitEdition (repo: Repo, c: EditionCommit, options: EditionOptions): Promise<void> {
  const engine = engineOf(repo)
  for (const b of c.blocks) await repo.blockstore.put(b.cid, b.bytes, options)
  // where each CID is in this edition (at-index.ts): what the next edition looks up instead of reading every
  // month. First: a whole edition's entries may take commits of their own (the store bounds a commit's
  // writes); the pins, the latest-edition record and the replaced edition's unpin come after, in one commit
  for (const r of c.records) await indexRecords(repo, r)
  // each article the edition names keeps a pin of its own (publish made most of them), so that it
  // outlives the edition; the edition's pin is an ordinary recursive pin that holds them too
  for (const bundle of c.bundles) {
    if (engine.getData(pinKeyOf(bundle)) === undefined) await pinRoot(repo, bundle, { source: 'ipfs-publish', kind: 'article' }, options)
  }
  // the edition's own blocks are in hand, and every bundle is a recursive pin now (complete
  // already): checking the edition's DAG is complete reads nothing from the store
  const inHand = new Map(c.blocks.map(b => [multihashKey(b.cid), b.bytes]))
  try {
    await pinRoot(repo, c.cid, EDITION_PIN, { ...options, known: inHand, completeBelow: c.completeBelow })
  } catch (err) {
    if (!(err instanceof BlockNotFoundError)) throw err
    // a repo that lacks some of what the edition links (a CI runner links its unchanged articles
    // from the previous edition's record, without their bytes) cannot hold the whole DAG: its pin
    // holds the root only, marked partial; the pin targets (edition --pin-remote-*) hold the whole
    await pinRoot(repo, c.cid, { ...EDITION_PIN, partial: true }, { ...options, direct: true, known: inHand })
  }
  await writeLatest(repo, c.record, options)
  if (c.latest != null && c.latest.cid !== c.cid.toString() && options.keepPrevious !== true) {
    // an IPNS name of this repo that points to it keeps it from gc all the same (maintenance.ts)
    const old = CID.parse(c.latest.cid)
    if (await isPinRoot(repo, old, options)) await unpinRoot(repo, old, { signal: options.signal })
  }
  await repo.flush(options)
}
