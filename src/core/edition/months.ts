/**
 * An edition is cut by the day its permalink names: `articles/2025-03-04-…` is of
 * the day `2025-03-04` and the month `2025-03`; an undated one (`undated-…`) of the
 * day and month `undated`. An article keeps them for good, whatever later
 * corrections do to its date. Each day has its record (`edition/<month>/<dd>.json`),
 * each month its page (`page/<month>.html`, a section per day) and a small record
 * of its days (`edition/<month>/month.json`). So a new or corrected article
 * touches its day's record, its month's page and day list, the front page and
 * the feeds; no other day's record, no other month.
 */

export const UNDATED = 'undated'

/** The day of an article's path (`articles/<yyyy-mm-dd>-…`), or `undated`. */
export function dayOf (path: string): string {
  const m = /^articles\/(\d{4}-\d{2}-\d{2})-/.exec(path)
  return m != null ? m[1] : UNDATED
}

/** The month of an article's path, or `undated`. */
export function monthOf (path: string): string {
  return monthOfDay(dayOf(path))
}

/** The month of a day (`2025-03-04` → `2025-03`). */
export function monthOfDay (day: string): string {
  return day === UNDATED ? UNDATED : day.slice(0, 7)
}

/** Months (or days) newest first, `undated` last. */
export function compareMonths (a: string, b: string): number {
  if (a === b) return 0
  if (a === UNDATED) return 1
  if (b === UNDATED) return -1
  return a < b ? 1 : -1
}

/** Days newest first, `undated` last. */
export const compareDays = compareMonths

/** Days (or what holds one) grouped by their month, each group in the given order. */
export function byMonth<T extends { day: string }> (days: Iterable<T>): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const d of days) {
    const month = monthOfDay(d.day)
    const group = out.get(month)
    if (group == null) out.set(month, [d])
    else group.push(d)
  }
  return out
}

/**
 * The edition's order of articles (front page, month pages, feeds, day records):
 * by the day the permalink names (newest first, undated last), then by date
 * (newest first, undated last: a corrected date moves an article within its
 * day), then by path.
 */
export function compareArticles (a: { path: string, date: string | null }, b: { path: string, date: string | null }): number {
  const d = compareDays(dayOf(a.path), dayOf(b.path))
  if (d !== 0) return d
  if (a.date !== b.date) {
    if (a.date == null) return 1
    if (b.date == null) return -1
    return a.date < b.date ? 1 : -1
  }
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0
}

/** A month's folder of records in the edition. */
export function monthFolder (month: string): string { return `edition/${month}` }

/** The name of a day's record in its month's folder (`04.json`; `undated.json`). */
export function dayFileName (day: string): string { return day === UNDATED ? `${UNDATED}.json` : `${day.slice(8)}.json` }

/** A day's record in the edition. */
export function dayFile (day: string): string { return `${monthFolder(monthOfDay(day))}/${dayFileName(day)}` }

/** The name of a month's list of days in its folder. */
export const MONTH_FILE = 'month.json'
