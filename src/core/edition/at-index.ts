import { engineOf } from '../store/engine-of.js'
import type { DayRecord } from './edition-json.js'
import type { Repo } from '../store/repo.js'

/**
 * Where each CID is in the repo's editions: `/ipfs-publish/edition/at/<cid>/<path>`
 * (empty values), one entry per CID of an article, of its earlier versions and of
 * a retired path. An incremental edition looks up the changed articles' CIDs here
 * instead of reading every month of the previous edition. Entries are only added
 * (an article's path never changes; a retired path keeps its CIDs), so an entry
 * may name a path where the latest edition no longer has that CID (a concurrent
 * edition's, or an article since changed): readers check it against the day's
 * record.
 */
export const AT_PREFIX = '/ipfs-publish/edition/at/'

/** Records where every CID of some records (a day's, or an edition's changes) is. */
export async function indexRecords (repo: Repo, month: Pick<DayRecord, 'articles' | 'corrections' | 'retired'>): Promise<void> {
  const engine = engineOf(repo)
  const put = async (cid: string, path: string): Promise<void> => {
    const key = `${AT_PREFIX}${cid}/${encodeURIComponent(path)}`
    if (engine.getData(key) === undefined) await engine.putData(key, EMPTY)
  }
  for (const a of month.articles) {
    await put(a.cid, a.path)
    for (const e of month.corrections[a.path] ?? []) await put(e.cid, a.path)
  }
  for (const r of month.retired) for (const c of r.cids) await put(c, r.path)
}

/** The paths recorded for a CID (to be checked against the edition's months). */
export async function pathsOf (repo: Repo, cid: string): Promise<string[]> {
  const engine = engineOf(repo)
  const prefix = `${AT_PREFIX}${cid}/`
  await engine.flushUnder(prefix)
  const out: string[] = []
  for (const { key } of engine.dataRange(prefix, true)) out.push(decodeURIComponent(key.slice(prefix.length)))
  return out
}

const EMPTY = new Uint8Array(0)
