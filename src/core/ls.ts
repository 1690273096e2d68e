import { listArticles } from './store/article-index.js'
import type { ArticleRecord } from './store/article-index.js'
import type { Repo } from './store/repo.js'
import type { AbortOptions } from 'abort-error'

/** The articles published into a repo, newest date first, then by title. */
export async function listPublished (repo: Repo, options: AbortOptions = {}): Promise<ArticleRecord[]> {
  const out: ArticleRecord[] = []
  for await (const record of listArticles(repo.datastore, options)) out.push(record)
  return out.sort((a, b) => (b.date ?? '').localeCompare(a.date ?? '') || (a.title ?? '').localeCompare(b.title ?? '') || a.cid.localeCompare(b.cid))
}
