import type { ArticleRecord } from './article-index.js'

/** The fields of a publish result that the index keeps and `publish --json` prints. */
export function recordOf (r: ArticleRecord): ArticleRecord {
  return { path: r.path, cid: r.cid, link: r.link, title: r.title, date: r.date, categories: r.categories, files: r.files }
}
