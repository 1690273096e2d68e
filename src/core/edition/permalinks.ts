/**
 * Permalinks: an article's path in the edition (`articles/<name>`, its page
 * `articles/<name>.html`, its earlier versions `corrections/<name>/<n>`) is fixed
 * the first time it appears and kept in every later edition. (The number `<n>` of
 * an earlier version is its place in the article's list of earlier versions, which
 * only grows: versions.ts `splitVersions`, manifest.ts `nextEntry`.)
 *
 * The rule depends on the previous edition and the articles given, nothing else
 * (no machine's paths or manifest keys), so the same inputs and the same previous
 * edition give the same paths on any machine, and an edition built from the
 * previous one and the changes alone can keep it:
 *
 * 1. An article is the one of the previous edition that holds any of its CIDs
 *    (current or earlier). Articles whose current CID is a previous article's
 *    current CID are matched first, then by any CID, newest first; a previous
 *    article is matched once. It keeps its path, whatever its new title or date.
 *    A retired path (below) whose article comes back is its path again.
 * 2. Every other article is new: in the order of their base name
 *    (`<date>-<slug>`) then current CID, each takes its base name, or the first
 *    `<base>-<n>` (n = 2, 3, …) that no article of the previous edition, no
 *    retired path and no article of this edition holds.
 * 3. The path of an article that leaves the edition is retired: kept in
 *    edition.json (`retired`) for ever, never given to another article, so a
 *    saved link never names a different article.
 */

/** An article of the edition being made: its CIDs and its base name (`<date>-<slug>`). */
export interface PermalinkSource { current: string, earlier: string[], base: string }

/** What the previous edition says: its articles' paths and CIDs, and the retired paths (with their articles' last CIDs). */
export interface PreviousPaths {
  /** In the previous edition's order. `claimed`: held by an article of this edition that is not among the sources (an incremental edition gives only the changed ones). */
  articles: Array<{ path: string, cids: string[], claimed?: boolean }>
  retired: Array<{ path: string, cids: string[] }>
  /** Whether a path not among these is held by the previous edition (an incremental edition gives only the entries its changes name). */
  used?: (path: string) => boolean
}

export interface Permalinks {
  /** The path (`articles/<name>`) of each source, in the order given. */
  paths: string[]
  /** For each source, the index of the previous edition's article it is, or -1 (new, or back from retirement). */
  matched: number[]
  /** The retired paths of the new edition, sorted by path. */
  retired: Array<{ path: string, cids: string[] }>
}

const PREFIX = 'articles/'

function compare (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** The paths of the articles of a new edition, by the rule above. */
export function assignPermalinks (sources: PermalinkSource[], previous: PreviousPaths): Permalinks {
  // the previous entries: articles, then retired paths; each CID names the first entry holding it
  const entries = [...previous.articles.map((a, i) => ({ ...a, article: i })), ...previous.retired.map(r => ({ ...r, article: -1 }))]
  const byCid = new Map<string, number>()
  const byCurrent = new Map<string, number>()
  for (const [i, e] of entries.entries()) {
    for (const c of e.cids) if (!byCid.has(c)) byCid.set(c, i)
    if (e.cids.length > 0 && !byCurrent.has(e.cids[0])) byCurrent.set(e.cids[0], i)
  }
  // a deterministic order of the sources, whatever order they are given in
  const order = sources.map((_, i) => i).sort((a, b) => compare(sources[a].base, sources[b].base) || compare(sources[a].current, sources[b].current) || compare(sources[a].earlier.join(' '), sources[b].earlier.join(' ')))
  const claimed = new Map<number, number>()
  for (const [i, e] of entries.entries()) if ((e as { claimed?: boolean }).claimed === true) claimed.set(i, -1)
  const entryOf = new Array<number>(sources.length).fill(-1)
  for (const i of order) {
    const e = byCurrent.get(sources[i].current)
    if (e != null && !claimed.has(e)) { claimed.set(e, i); entryOf[i] = e }
  }
  for (const i of order) {
    if (entryOf[i] >= 0) continue
    for (const c of [...sources[i].earlier].reverse()) {
      const e = byCid.get(c)
      if (e != null && !claimed.has(e)) { claimed.set(e, i); entryOf[i] = e; break }
    }
  }
  const used = new Set(entries.map(e => e.path))
  const paths = sources.map((_, i) => entryOf[i] >= 0 ? entries[entryOf[i]].path : '')
  for (const i of order) {
    if (entryOf[i] >= 0) continue
    const base = PREFIX + sources[i].base
    let path = base
    const taken = (p: string): boolean => used.has(p) || previous.used?.(p) === true
    for (let n = 2; taken(path); n++) path = `${base}-${n}`
    used.add(path)
    paths[i] = path
  }
  // retired: every previous path no article of this edition holds
  const now = new Set(paths)
  const retired = entries.filter((e, i) => !now.has(e.path) && claimed.get(i) !== -1).map(e => ({ path: e.path, cids: e.cids }))
  const seen = new Set<string>()
  return {
    paths,
    matched: entryOf.map(e => e >= 0 ? entries[e].article : -1),
    retired: retired.filter(r => !seen.has(r.path) && seen.add(r.path) != null).sort((a, b) => compare(a.path, b.path))
  }
}
