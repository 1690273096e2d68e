/**
 * An edition is cut by month: each article belongs to the month its permalink
 * names (`articles/2025-03-04-…` is in `2025-03`; an undated one, `undated-…`,
 * in `undated`), for good, whatever later corrections do to its date. So a new
 * or corrected article touches its month's page (`page/<month>.html`) and record
 * (`edition/<month>.json`), the front page and the feeds; no other month.
 */

export const UNDATED = 'undated'

/** The month of an article's path (`articles/<yyyy-mm-dd>-…`), or `undated`. */
export function monthOf (path: string): string {
  const m = /^articles\/(\d{4}-\d{2})-\d{2}-/.exec(path)
  return m != null ? m[1] : UNDATED
}

/** Months newest first, `undated` last. */
export function compareMonths (a: string, b: string): number {
  if (a === b) return 0
  if (a === UNDATED) return 1
  if (b === UNDATED) return -1
  return a < b ? 1 : -1
}

/**
 * The edition's order of articles (front page, month pages, feeds, edition.json):
 * by month (newest first, undated last), then by date (newest first, undated
 * last), then by path.
 */
export function compareArticles (a: { path: string, date: string | null }, b: { path: string, date: string | null }): number {
  const m = compareMonths(monthOf(a.path), monthOf(b.path))
  if (m !== 0) return m
  if (a.date !== b.date) {
    if (a.date == null) return 1
    if (b.date == null) return -1
    return a.date < b.date ? 1 : -1
  }
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0
}

/** A month's record in the edition. */
export function monthFile (month: string): string { return `edition/${month}.json` }
