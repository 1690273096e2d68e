import { getArticle, listArticles } from '../store/article-index.js'
import { getVersions, listVersions, splitVersions } from '../store/versions.js'
import { checkManifest } from '../manifest.js'
import type { Manifest } from '../manifest.js'
import type { Repo } from '../store/repo.js'
import type { AbortOptions } from 'abort-error'

/** One article of an edition: its current version and the earlier ones, each once, in the order they were first replaced (its corrections' numbers; the current one among them when it is a return to an earlier text). */
export interface Source { id: string, current: string, earlier: string[] }

/** The articles of a manifest: each key's CID and its `previous` CIDs. */
export function fromManifest (manifest: Manifest, name: string): Source[] {
  checkManifest(manifest, name)
  return Object.keys(manifest).sort().map(key => {
    const e = manifest[key]
    // each earlier CID in its place (the current one among them when it is a return to an earlier text)
    return { id: `${name}: ${key}`, current: e.cid, earlier: e.previous ?? [] }
  })
}

/**
 * The rule that makes articles of the repo's index (one rule for a whole read and
 * for the read of one changed path, so an incremental edition sees what a full one
 * does): a bundle belongs to the source path its index record names, placed by
 * that path's recorded versions (oldest first, the last the current one) when they
 * list it. A bundle whose path records no versions listing it is an article of its
 * own when its record does not name an article file (a bundle imported from a CAR),
 * else (an article published before versions were recorded) it joins the other
 * such bundles of its path, oldest date first.
 */
export function isArticleFile (path: string): boolean {
  return /\.(txt|md)$/i.test(path)
}

/** Every article of the repo's index. */
export async function fromRepo (repo: Repo, options: AbortOptions): Promise<Source[]> {
  const records = new Map<string, { path: string, date: string | null }>()
  for await (const r of listArticles(repo.datastore, options)) records.set(r.cid, { path: r.path, date: r.date })
  const out: Source[] = []
  const placed = new Set<string>()
  for await (const v of listVersions(repo.datastore, options)) {
    const cids = v.cids.filter(c => records.get(c)?.path === v.path)
    if (cids.length === 0) continue
    for (const c of cids) placed.add(c)
    out.push({ id: v.path, ...splitVersions(cids) as { current: string, earlier: string[] } })
  }
  const legacy = new Map<string, Array<{ cid: string, date: string | null }>>()
  for (const [cid, r] of records) {
    if (placed.has(cid)) continue
    if (!isArticleFile(r.path)) { out.push({ id: r.path, current: cid, earlier: [] }); continue }
    const list = legacy.get(r.path) ?? []
    list.push({ cid, date: r.date })
    legacy.set(r.path, list)
  }
  for (const [path, list] of legacy) {
    const cids = list.sort((a, b) => compare(a.date ?? '', b.date ?? '') || compare(a.cid, b.cid)).map(i => i.cid)
    out.push({ id: path, current: cids[cids.length - 1], earlier: cids.slice(0, -1) })
  }
  return out
}

/**
 * The articles the repo's index makes of the bundles that `paths` and `cids`
 * name (what changed: changes.ts), by the rule above, read one path and one CID
 * at a time: the articles of those paths (none when a path has none left) and the
 * bundles of their own among `cids`. Undefined when a bundle falls under the
 * rule for articles published before versions were recorded (its path's other
 * bundles would have to be found by reading every record): a full edition then.
 */
export async function sourcesOf (repo: Repo, paths: Iterable<string>, cids: Iterable<string>, options: AbortOptions): Promise<{ sources: Source[], involved: Set<string> } | undefined> {
  const out: Source[] = []
  // every CID the changed articles have or had: where to look for them in the previous edition
  const involved = new Set<string>()
  const done = new Set<string>()
  for (const path of paths) {
    if (done.has(path)) continue
    done.add(path)
    const versions = await getVersions(repo.datastore, path, options)
    const cids: string[] = []
    for (const c of versions) {
      involved.add(c)
      const r = await getArticle(repo.datastore, c, options)
      if (r?.path === path) cids.push(c)
    }
    if (cids.length > 0) out.push({ id: path, ...splitVersions(cids) as { current: string, earlier: string[] } })
  }
  for (const cid of cids) {
    involved.add(cid)
    const r = await getArticle(repo.datastore, cid, options)
    if (r == null) continue
    if ((await getVersions(repo.datastore, r.path, options)).includes(cid)) continue // its path's article, above
    if (isArticleFile(r.path)) return undefined
    if (!done.has(`cid:${cid}`)) { done.add(`cid:${cid}`); out.push({ id: r.path, current: cid, earlier: [] }) }
  }
  return { sources: out, involved }
}

/** Strings compared by code unit (the same order on every machine, unlike localeCompare). */
function compare (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
