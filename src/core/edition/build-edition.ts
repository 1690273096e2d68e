import { createHash } from 'node:crypto'
import { Key } from 'interface-datastore'
import { CID } from 'multiformats/cid'
import { CustomProgressEvent } from 'progress-events'
import { InvalidArgumentError, NoArticlesError } from '../../errors.js'
import { slugify } from '../article/parse-article.js'
import { buildLink } from '../link.js'
import { packageVersion } from '../package-version.js'
import { getArticle } from '../store/article-index.js'
import { isPinRoot, pinKeyOf, pinRoot, unpinRoot } from '../store/pins.js'
import { listVersions } from '../store/versions.js'
import { engineOf } from '../store/engine-of.js'
import { ARTICLE_PREFIX } from '../store/article-index.js'
import { multihashKey } from '../unixfs/multihash-key.js'
import { getProfile } from '../unixfs/profiles.js'
import { bundleSummary } from './bundles.js'
import { EDITION_PIN } from './named.js'
import { buildDirectory } from './directory.js'
import { buildFile } from './file-dag.js'
import { renderAtom, renderJsonFeed, renderPage } from './render.js'
import type { BundleSummary } from './bundles.js'
import type { BuiltDir, DirEntry } from './directory.js'
import type { EditionArticle } from './render.js'
import type { GatewayStyle } from '../link.js'
import type { Manifest } from '../manifest.js'
import type { Repo } from '../store/repo.js'
import type { Block } from '../unixfs/build-small-dir.js'
import type { CidProfileName } from '../unixfs/profiles.js'
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
  /** The CID of the edition this one replaces; `null` for none. @default the repo's latest edition */
  previous?: string | null
  /** Keep the replaced edition pinned. @default false (the articles it names keep their own pins) */
  keepPrevious?: boolean
  /** Make an edition of no article when there is none. @default false (NoArticlesError) */
  allowEmpty?: boolean
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
}

/** The id and version of edition.json's layout. */
export const EDITION_SCHEMA = 'ipfs-publish/edition@1'

/** Where the repo keeps its latest edition. */
const LATEST_KEY = new Key('/ipfs-publish/edition/latest')

interface LatestEdition {
  cid: string
  previous: string | null
  /** A hash of what decided the edition's content (articles, options, version), apart from `previous`. */
  fingerprint: string
  articles: number
  corrected: number
  /** The edition's own blocks (not the bundles it links): what an upload of it sends besides the bundles. Pins do not use it. */
  own?: string[]
  /** The article bundles it names (current and earlier versions). */
  bundles?: string[]
}

/** One article of the edition: its current version and the earlier ones. */
interface Source { id: string, current: string, earlier: string[] }

/**
 * Builds an edition, a UnixFS folder of the whole site: `index.html` (and
 * `page/<n>.html`), `feed.xml`, `feed.json`, `articles/<date>-<slug>/` (each a
 * link to the article's bundle, no bytes copied), `corrections/<date>-<slug>/<n>/`
 * (the earlier versions of corrected articles) and `edition.json`. It is stored
 * and pinned with Helia's pinning API in one commit (its own blocks; each article
 * it names keeps a pin of its own), the replaced edition unpinned. The same articles, options and
 * previous edition give the same CID on any machine.
 */
export async function buildEdition (repo: Repo, options: EditionOptions = {}): Promise<EditionResult> {
  const profile = getProfile(options.cidProfile)
  const feedSize = positive(options.feedSize ?? 50, 'feedSize')
  const pageSize = positive(options.pageSize ?? 100, 'pageSize')
  const title = options.title ?? 'Newsroom'
  if (options.previous != null) {
    try { CID.parse(options.previous) } catch { throw new InvalidArgumentError(`\`previous\` "${options.previous}" is not a CID`) }
  }
  const feedId = options.feedId ?? `urn:ipfs-publish:${slugify(title) || 'edition'}`
  const sources = options.manifest != null ? fromManifest(options.manifest, options.manifestName ?? 'the manifest') : await fromRepo(repo, options)
  if (sources.length === 0 && options.allowEmpty !== true) {
    throw new NoArticlesError(`${options.manifest != null ? (options.manifestName ?? 'the manifest') + ' lists' : 'the repo holds'} no published articles: publish some first (an edition of none is made only with \`allowEmpty\`)`)
  }
  options.onProgress?.(new CustomProgressEvent('edition:articles', { total: sources.length }))

  // what decides the edition's content, apart from which edition it replaces: the same inputs make no new edition
  const fingerprint = createHash('sha256').update(JSON.stringify({
    schema: EDITION_SCHEMA,
    version: packageVersion(),
    profile: profile.name,
    title,
    feedId,
    feedSize,
    pageSize,
    links: [options.gateway ?? null, options.linkTemplate ?? null, options.gatewayStyle ?? null],
    articles: sources.map(s => [s.current, ...s.earlier]).sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
  })).digest('base64url')
  const latest = await readLatest(repo, options)
  if (latest != null && latest.fingerprint === fingerprint && options.previous === undefined && await isPinRoot(repo, CID.parse(latest.cid), options)) {
    return { cid: CID.parse(latest.cid), previous: latest.previous, articles: latest.articles, corrected: latest.corrected, unchanged: true }
  }
  const previous = options.previous !== undefined ? options.previous : latest?.cid ?? null

  // what each bundle is (read once per CID, then kept in the repo)
  const summaries = new Map<string, BundleSummary>()
  let done = 0
  for (const s of sources) {
    options.signal?.throwIfAborted()
    for (const cid of [...s.earlier, s.current]) {
      if (!summaries.has(cid)) summaries.set(cid, await bundleSummary(repo, cid, s.id, options))
    }
    options.onProgress?.(new CustomProgressEvent('edition:article', { done: ++done, total: sources.length }))
  }

  // each CID is parsed once
  const cids = new Map<string, CID>()
  const cidOf = (text: string): CID => { let c = cids.get(text); if (c == null) { c = CID.parse(text); cids.set(text, c) } return c }
  const articles = arrange(sources, summaries, cidOf, options)
  const files = new Map<string, Uint8Array>()
  const encoder = new TextEncoder()
  const pages = Math.max(1, Math.ceil(articles.length / pageSize))
  for (let p = 1; p <= pages; p++) {
    const html = renderPage(articles.slice((p - 1) * pageSize, p * pageSize), { title, page: p, pages })
    files.set(p === 1 ? 'index.html' : `page/${p}.html`, encoder.encode(html))
  }
  const newest = articles.slice(0, feedSize)
  const updated = articles.reduce<string | null>((max, a) => a.date != null && (max == null || a.date > max) ? a.date : max, null)
  files.set('feed.xml', encoder.encode(renderAtom(newest, { title, id: feedId, updated })))
  files.set('feed.json', encoder.encode(renderJsonFeed(newest, { title, id: feedId, updated })))

  // the folders of links: articles/, corrections/<dir>/, page/
  const blocks: Block[] = []
  const keep = (d: BuiltDir): DirEntry => { blocks.push(...d.blocks); return { name: '', cid: d.cid, tsize: d.tsize } }
  const top: DirEntry[] = []
  const link = (s: BundleSummary, name: string): DirEntry => ({ name, cid: cidOf(s.cid), tsize: s.tsize })
  if (articles.length > 0) top.push({ ...keep(buildDirectory(articles.map(a => link(summaries.get(a.cid)!, a.path.slice('articles/'.length))), profile)), name: 'articles' })
  const corrected = articles.filter(a => a.earlier.length > 0)
  if (corrected.length > 0) {
    const dirs = corrected.map(a => ({ ...keep(buildDirectory(a.earlier.map((e, i) => link(summaries.get(e.cid)!, String(i + 1))), profile)), name: a.path.slice('articles/'.length) }))
    top.push({ ...keep(buildDirectory(dirs, profile)), name: 'corrections' })
  }
  const pageFiles: DirEntry[] = []
  for (const [name, bytes] of files) {
    const f = await buildFile(bytes, profile)
    blocks.push(...f.blocks)
    if (name.startsWith('page/')) pageFiles.push({ name: name.slice('page/'.length), cid: f.cid, tsize: f.tsize })
    else top.push({ name, cid: f.cid, tsize: f.tsize })
  }
  if (pageFiles.length > 0) top.push({ ...keep(buildDirectory(pageFiles, profile)), name: 'page' })

  const editionJson = (previous: string | null): Uint8Array => encoder.encode(JSON.stringify({
    schema: EDITION_SCHEMA,
    title,
    generator: { name: 'ipfs-publish', version: packageVersion() },
    profile: profile.name,
    previous,
    updated,
    articles: articles.map(a => ({ path: a.path, cid: a.cid, title: a.title, date: a.date, categories: a.categories })),
    corrections: Object.fromEntries(corrected.map(a => [a.path, a.earlier]))
  }, null, 2) + '\n')
  const json = await buildFile(editionJson(previous), profile)
  const rootDir = buildDirectory([...top, { name: 'edition.json', cid: json.cid, tsize: json.tsize }], profile)
  blocks.push(...json.blocks, ...rootDir.blocks)
  const cid = rootDir.cid

  // one commit: the new blocks, the pins, the latest-edition record and the replaced edition's unpin
  for (const b of blocks) await repo.blockstore.put(b.cid, b.bytes, options)
  // each article the edition names keeps a pin of its own (publish made most of them), so that it
  // outlives the edition; the edition's pin is an ordinary recursive pin that holds them too
  const engine = engineOf(repo)
  for (const summary of summaries.values()) {
    const bundle = cidOf(summary.cid)
    if (engine.getData(pinKeyOf(bundle)) === undefined) await pinRoot(repo, bundle, { source: 'ipfs-publish', kind: 'article' }, options)
  }
  // the edition's own blocks are in hand, and every bundle is a recursive pin now (complete
  // already): checking the edition's DAG is complete reads nothing from the store
  const known = new Map(blocks.map(b => [multihashKey(b.cid), b.bytes]))
  await pinRoot(repo, cid, EDITION_PIN, { ...options, known })
  const own = [...new Set(blocks.map(b => b.cid.toString()))]
  const record: LatestEdition = { cid: cid.toString(), previous, fingerprint, articles: articles.length, corrected: corrected.length, own, bundles: [...summaries.keys()] }
  await repo.datastore.put(LATEST_KEY, encoder.encode(JSON.stringify(record)), options)
  if (latest != null && latest.cid !== cid.toString() && options.keepPrevious !== true) {
    // an IPNS name of this repo that points to it keeps it from gc all the same (maintenance.ts)
    const old = CID.parse(latest.cid)
    if (await isPinRoot(repo, old, options)) await unpinRoot(repo, old, { signal: options.signal })
  }
  await repo.flush(options)
  return { cid, previous, articles: articles.length, corrected: corrected.length, unchanged: false }
}

function positive (n: number, name: string): number {
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`\`${name}\` must be a whole number of at least 1 (got ${n})`)
  return n
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

/** The articles of a manifest: each key's CID and its `previous` CIDs. */
function fromManifest (manifest: Manifest, name: string): Source[] {
  return Object.keys(manifest).sort().map(key => {
    const e = manifest[key]
    if (typeof e?.cid !== 'string') throw new InvalidArgumentError(`${name}: "${key}" has no cid`)
    const earlier = e.previous ?? []
    if (!Array.isArray(earlier) || earlier.some(c => typeof c !== 'string')) throw new InvalidArgumentError(`${name}: "${key}".previous is not a list of CIDs`)
    return { id: `${name}: ${key}`, current: e.cid, earlier: earlier.filter(c => c !== e.cid) }
  })
}

/** The articles published in the repo: per source path, the current bundle and the earlier ones still indexed (pinned). */
async function fromRepo (repo: Repo, options: AbortOptions): Promise<Source[]> {
  const indexed = new Set<string>()
  for await (const key of repo.datastore.queryKeys({ prefix: ARTICLE_PREFIX }, options)) indexed.add(key.toString().slice(ARTICLE_PREFIX.length))
  const out: Source[] = []
  const placed = new Set<string>()
  for await (const v of listVersions(repo.datastore, options)) {
    const cids = v.cids.filter(c => indexed.has(c) && !placed.has(c))
    if (cids.length === 0) continue
    for (const c of cids) placed.add(c)
    out.push({ id: v.path, current: cids[cids.length - 1], earlier: cids.slice(0, -1) })
  }
  if (placed.size < indexed.size) {
    // bundles published before versions were recorded: grouped by their source path, oldest by date first
    const byPath = new Map<string, Array<{ cid: string, date: string | null }>>()
    for (const cid of indexed) {
      if (placed.has(cid)) continue
      const r = await getArticle(repo.datastore, cid, options)
      if (r == null) continue
      const list = byPath.get(r.path) ?? []
      list.push({ cid, date: r.date })
      byPath.set(r.path, list)
    }
    for (const [path, list] of byPath) {
      const cids = list.sort((a, b) => compare(a.date ?? '', b.date ?? '') || compare(a.cid, b.cid)).map(i => i.cid)
      out.push({ id: path, current: cids[cids.length - 1], earlier: cids.slice(0, -1) })
    }
  }
  return out
}

/** Strings compared by code unit (the same order on every machine, unlike localeCompare). */
function compare (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Each article's folder name (`<date>-<slug>`, made unique), its link, and the order of the front page: newest first. */
function arrange (sources: Source[], summaries: Map<string, BundleSummary>, cidOf: (text: string) => CID, options: EditionOptions): EditionArticle[] {
  const named = sources.map(s => {
    const sum = summaries.get(s.current)!
    return { s, sum, base: `${sum.date ?? 'undated'}-${sum.slug || 'article'}` }
  }).sort((a, b) => compare(a.base, b.base) || compare(a.s.current, b.s.current))
  const used = new Set<string>()
  const articles: EditionArticle[] = []
  for (const { s, sum, base } of named) {
    let name = base
    for (let n = 2; used.has(name); n++) name = `${base}-${n}`
    used.add(name)
    articles.push({
      path: `articles/${name}`,
      cid: sum.cid,
      title: sum.title,
      date: sum.date,
      categories: sum.categories,
      file: sum.file.name,
      bytes: sum.file.bytes,
      link: buildLink({ cid: cidOf(sum.cid), file: sum.file.name, slug: sum.slug }, options.gateway, options.linkTemplate, options.gatewayStyle),
      earlier: s.earlier.map((cid, i) => ({ cid, date: summaries.get(cid)!.date, path: `corrections/${name}/${i + 1}` }))
    })
  }
  // newest first; undated last; then by folder name
  return articles.sort((a, b) => a.date === b.date ? (a.path < b.path ? -1 : 1) : a.date == null ? 1 : b.date == null ? -1 : a.date < b.date ? 1 : -1)
}
