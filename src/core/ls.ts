import { listArticles } from './store/article-index.js'
import { groupVersions } from './store/versions.js'
import type { ArticleRecord } from './store/article-index.js'
import type { Repo } from './store/repo.js'
import type { AbortOptions } from 'abort-error'
import type { Datastore } from 'interface-datastore'

/** One published article: its current version and the earlier ones (corrections) still in the repo. */
export interface Story {
  current: ArticleRecord
  /** Earlier versions, oldest first. */
  earlier: ArticleRecord[]
}

/** An earlier version as a listing shows it. */
export interface EarlierVersion { cid: string, title: string | null, date: string | null }

/** One row of {@link listPublished}. */
export interface ListedArticle extends ArticleRecord {
  /** Whether this is the article's current version (every row is, unless `allVersions`). */
  current: boolean
  /** Which version this is, 1 the first, of `versions` (more than 1: the article was corrected). */
  version: number
  versions: number
  /** Of the current version: the earlier versions, oldest first (empty on an earlier version's row). */
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

/** The articles published into a repo: one row per article (its current version), or with `allVersions` one per version. See {@link listStories}. */
export async function listPublished (repo: Repo, options: ListOptions = {}): Promise<ListedArticle[]> {
  const out: ListedArticle[] = []
  for (const s of await listStories(repo.datastore, options)) {
    const versions = s.earlier.length + 1
    out.push({ ...s.current, current: true, version: versions, versions, earlier: s.earlier.map(e => ({ cid: e.cid, title: e.title, date: e.date })) })
    if (options.allVersions === true) {
      for (let i = s.earlier.length - 1; i >= 0; i--) out.push({ ...s.earlier[i], current: false, version: i + 1, versions, earlier: [] })
    }
  }
  return out
}

/** Strings compared by code unit (the same order on every machine). */
function compare (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
