import { ARTICLE_PREFIX, BY_DATE_MARKER, BY_DATE_MARKER_VALUE, BY_DATE_PREFIX, byDateKey, cidOfByDateKey, decodeRecord, getArticle, listArticles } from './store/article-index.js'
import { getVersions, groupVersions, splitVersions } from './store/versions.js'
import { engineOf } from './store/engine-of.js'
import type { ArticleRecord } from './store/article-index.js'
import type { Repo } from './store/repo.js'
import type { AbortOptions } from 'abort-error'
import type { Datastore } from 'interface-datastore'

/** One published article: its current version and the earlier ones (corrections) still in the repo. */
export interface Story {
  current: ArticleRecord
  /** Earlier versions, in the order they were first replaced: their correction numbers in an edition (the current version among them after a return to its text). */
  earlier: ArticleRecord[]
}

/** An earlier version as a listing shows it (`current`: it is also the current text, after a return to it). */
export interface EarlierVersion { cid: string, title: string | null, date: string | null, current: boolean }

/** One row of {@link listPublished}. */
export interface ListedArticle extends ArticleRecord {
  /** Whether this is the article's current version (every row is, unless `allVersions`). */
  current: boolean
  /**
   * Which version this is, of `versions` (more than 1: the article was corrected): an earlier
   * version's number is its place among the earlier versions (its correction's number in an
   * edition, which never changes); the current one's is `versions`, unless it is a return to an
   * earlier text, which keeps that text's number.
   */
  version: number
  versions: number
  /** Of the current version: the earlier versions, in the order they were first replaced (empty on an earlier version's row). */
  earlier: EarlierVersion[]
}

export interface ListOptions extends AbortOptions {
  /** List every version as a row of its own (after its current version, newest first), not only the current ones. */
  allVersions?: boolean
}

/**
 * The repo's published articles, each once: the current version of each source
 * path with its earlier versions (a publish that gives a path new bytes makes a
 * new version; versions.ts), newest date first (undated last), then by title.
 */
export async function listStories (datastore: Datastore, options: AbortOptions = {}): Promise<Story[]> {
  const records = new Map<string, ArticleRecord>()
  for await (const record of listArticles(datastore, options)) records.set(record.cid, record)
  const groups = await groupVersions(datastore, new Set(records.keys()), async cid => records.get(cid), options)
  const stories = groups.map(g => {
    const versions = g.cids.map(c => records.get(c)!)
    return { current: versions[versions.length - 1], earlier: versions.slice(0, -1) }
  })
  return stories.sort((a, b) => compare(b.current.date ?? '', a.current.date ?? '') || compare(a.current.title ?? '', b.current.title ?? '') || compare(a.current.cid, b.current.cid))
}

/** The articles published into a repo: one row per article (its current version), or with `allVersions` one per version. See {@link streamPublished}. */
export async function listPublished (repo: Repo, options: ListOptions = {}): Promise<ListedArticle[]> {
  const out: ListedArticle[] = []
  for await (const row of streamPublished(repo, options)) out.push(row)
  return out
}

/**
 * The rows of {@link listPublished} as they are read: in the order of the by-date
 * index (article-index.ts `byDateKey`: newest date first, undated last, then by
 * title), each row's versions read by its source path's key as it is reached,
 * so the first row comes before the rest of the archive is read. An article
 * whose current version is in the index is listed at that version's place; an
 * earlier version's entry is passed over. A bundle whose source path's versions
 * do not name it (imported from a CAR, or published before versions were
 * recorded) is an article of its own. A repo without the index gets it built
 * first, once ({@link ensureByDateIndex}); a read-only one is listed by reading
 * every record ({@link listStories}).
 */
export async function * streamPublished (repo: Repo, options: ListOptions = {}): AsyncGenerator<ListedArticle> {
  if (!await ensureByDateIndex(repo)) {
    for (const s of await listStories(repo.datastore, options)) yield * rowsOf(s, options)
    return
  }
  const engine = engineOf(repo)
  await engine.flushUnder(BY_DATE_PREFIX)
  for (const { key } of engine.dataRange(BY_DATE_PREFIX, true)) {
    options.signal?.throwIfAborted()
    const cid = cidOfByDateKey(key)
    const record = await getArticle(repo.datastore, cid, options)
    if (record == null) continue // a stale entry: its record is gone
    const indexed = (await getVersions(repo.datastore, record.path, options)).filter(c => c === cid || engine.getData(ARTICLE_PREFIX + c) !== undefined)
    let story: Story
    if (indexed.includes(cid)) {
      if (indexed[indexed.length - 1] !== cid) continue // an earlier version: listed with its current one
      const earlier: ArticleRecord[] = []
      for (const c of splitVersions(indexed).earlier) {
        const r = await getArticle(repo.datastore, c, options)
        if (r != null) earlier.push(r)
      }
      story = { current: record, earlier }
    } else {
      story = { current: record, earlier: [] }
    }
    yield * rowsOf(story, options)
  }
}

function * rowsOf (s: Story, options: ListOptions): Generator<ListedArticle> {
  // a return to an earlier text: the current version is one of the earlier ones, and keeps its number
  const again = s.earlier.findIndex(e => e.cid === s.current.cid)
  const versions = s.earlier.length + (again === -1 ? 1 : 0)
  yield { ...s.current, current: true, version: again === -1 ? versions : again + 1, versions, earlier: s.earlier.map(e => ({ cid: e.cid, title: e.title, date: e.date, current: e.cid === s.current.cid })) }
  if (options.allVersions === true) {
    for (let i = s.earlier.length - 1; i >= 0; i--) if (i !== again) yield { ...s.earlier[i], current: false, version: i + 1, versions, earlier: [] }
  }
}

/**
 * Gives a repo made before the by-date index its index: one entry per indexed
 * bundle, then the marker, committed last (an interrupted build is done again
 * next time; its entries are the same). False when the repo lacks the index and
 * cannot be written (opened read-only).
 */
export async function ensureByDateIndex (repo: Repo): Promise<boolean> {
  const engine = engineOf(repo)
  if (engine.getData(BY_DATE_MARKER) !== undefined) return true
  if (engine.readOnly) return false
  for (const { key, value } of engine.dataRange(ARTICLE_PREFIX)) {
    // a damaged record fails the listing with a RepoError naming it, as reading every record did
    const record = decodeRecord(key, value)
    await engine.putData(byDateKey(key.slice(ARTICLE_PREFIX.length), record.date, record.title), new Uint8Array(0))
  }
  await engine.putData(BY_DATE_MARKER, BY_DATE_MARKER_VALUE)
  try {
    await engine.flush()
  } catch {
    // the index cannot be written (a full disk): nothing of it was committed; this listing reads every record
    return false
  }
  return true
}

/** Strings compared by code unit (the same order on every machine). */
function compare (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
