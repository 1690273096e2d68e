import { CID } from 'multiformats/cid'
import { CustomProgressEvent } from 'progress-events'
import { InvalidArgumentError } from '../../errors.js'
import { readAll } from '../read-all.js'
import { getArticle } from '../store/article-index.js'
import { getPin } from '../store/pins.js'
import { bundleSummary, cachedSummary } from './bundles.js'
import { getVersions } from '../store/versions.js'
import { multihashKey } from '../unixfs/multihash-key.js'
import { pathsOf } from './at-index.js'
import { baseName, combine, commitEdition, hashSources, makeRecords, NO_DATE, RECORDS_LAYOUT, writeLatest } from './build-edition.js'
import { buildDirectory, directorySize } from './directory.js'
import { isDayIndex, readDay, readEditionIndex, readMonthDays } from './edition-json.js'
import { articleEntries, correctionsFolder, frontFiles, rootFolder, sortIndex, updatedOf } from './emit.js'
import { compareArticles, dayOf, monthOfDay } from './months.js'
import { updateMonths } from './month-update.js'
import { EditionFiles } from './edition-files.js'
import { assignPermalinks } from './permalinks.js'
import { isArticleFile, sourcesOf } from './sources.js'
import { updateDirectory } from './update-directory.js'
import type { EditionOptions, EditionResult, LatestEdition } from './build-edition.js'
import type { Source } from './sources.js'
import type { DirEntry } from './directory.js'
import type { ArticleRecord, DayEntry, DayRecord, Retired, VersionRecord } from './edition-json.js'
import type { EmitContext } from './emit.js'
import type { Change } from '../store/changes.js'
import type { Repo } from '../store/repo.js'
import type { Block } from '../unixfs/build-small-dir.js'
import type { Blockstore } from 'interface-blockstore'

export interface IncrementalInput {
  /** The edition this one follows. */
  previous: string
  /** The repo's latest-edition record, if any. */
  latest: LatestEdition | undefined
  /**
   * What changed: the repo's change log (its articles are the repo's), or a manifest (every article)
   * with the bundles this repo published since its latest edition (the changed ones; a CI runner
   * publishes what changed, then makes the edition).
   */
  changes: { kind: 'log', log: { changes: Change[], last: number } } | { kind: 'manifest', sources: Source[], published: Set<string>, last: number }
  /** Return the latest edition when nothing changed (no previous edition was named). @default true */
  mayBeUnchanged?: boolean
  optionsFingerprint: string
  ctx: EmitContext
  date?: string
  /** The repo's blocks, else (verified) fetched. */
  source: Pick<Blockstore, 'get'>
}

/** A previous article the changes name: its records, and whether an unchanged article of the repo still holds it. */
interface PrevArticle { record: ArticleRecord, earlier: VersionRecord[], claimed: boolean }

const byPath = (a: { path: string }, b: { path: string }): number => a.path < b.path ? -1 : a.path > b.path ? 1 : 0

/**
 * The next edition from the latest one and the change log (changes.ts): only
 * the changed articles are read, only their months, pages and HAMT paths made
 * again, so its cost follows the change, not the archive. It is the edition
 * the full build makes of the same articles (the same CID: tested), or
 * undefined when the change cannot be taken in this way (the full build then
 * runs): the latest edition is not held whole here, or was made by another
 * layout or profile, or a change falls under the rule for articles published
 * before versions were recorded.
 */
export async function incrementalEdition (repo: Repo, input: IncrementalInput, options: EditionOptions): Promise<EditionResult | undefined> {
  const { latest, changes, ctx } = input
  const profile = ctx.profile
  const prevCid = input.previous
  const pin = getPin(repo, CID.parse(prevCid))
  // held whole here: its unchanged parts need no check when the new edition is pinned
  const heldHere = pin != null && pin.type === 'recursive' && pin.metadata.partial !== true
  const mayBeUnchanged = input.mayBeUnchanged !== false && latest?.cid === prevCid
  const last = changes.kind === 'log' ? changes.log.last : changes.last
  const unchanged = async (): Promise<EditionResult> => {
    if (latest!.changes !== last) { await writeLatest(repo, { ...latest!, changes: last }, options); await repo.flush(options) }
    return { cid: CID.parse(prevCid), previous: latest!.previous, articles: latest!.articles, corrected: latest!.corrected, unchanged: true, incremental: true }
  }
  let so: { sources: Source[], involved: Set<string> } | undefined
  let changedPathsForClaims: Set<string> | undefined
  if (changes.kind === 'log') {
    // the repo's own articles: the log names what changed, and the repo's at-index where the previous edition has them
    if (!heldHere) return undefined
    if (changes.log.changes.length === 0 && mayBeUnchanged) return await unchanged()
    const changedPaths = new Set<string>()
    const changedCids = new Set<string>()
    for (const c of changes.log.changes) { for (const p of c.paths) changedPaths.add(p); for (const x of c.cids) changedCids.add(x) }
    so = await sourcesOf(repo, changedPaths, changedCids, options)
    if (so == null) return undefined
    changedPathsForClaims = changedPaths
  } else {
    const changed = changes.sources.filter(s => changes.published.has(s.current))
    so = { sources: changed, involved: new Set(changed.flatMap(s => [s.current, ...s.earlier])) }
  }
  const index = await readEditionIndex(input.source, prevCid, options)
  if (!isDayIndex(index) || index.profile !== profile.name || index.options !== input.optionsFingerprint || typeof index.articlesHash !== 'string') return undefined

  // the previous edition's months (their lists of days) and days (a Set of each one's paths beside it), each read once
  const prevFiles = new EditionFiles(input.source, prevCid)
  const prevLists = new Map<string, DayEntry[] | null>()
  const prevDaysOf = async (month: string): Promise<DayEntry[] | null> => {
    if (!prevLists.has(month)) prevLists.set(month, index.months.some(m => m.month === month) ? await readMonthDays(prevFiles, month, options) : null)
    return prevLists.get(month)!
  }
  const prevDays = new Map<string, { record: DayRecord, paths: Set<string> } | null>()
  const prevDay = async (day: string): Promise<{ record: DayRecord, paths: Set<string> } | null> => {
    if (!prevDays.has(day)) {
      const record = (await prevDaysOf(monthOfDay(day)))?.some(d => d.day === day) === true ? await readDay(prevFiles, day, options) : null
      prevDays.set(day, record == null ? null : { record, paths: new Set([...record.articles.map(a => a.path), ...record.retired.map(r => r.path)]) })
    }
    return prevDays.get(day)!
  }

  // the previous entries (articles and retired paths) that hold a CID of the changed articles: found by the at-index, checked in their days
  const involved = new Set(so.involved)
  for (const s of so.sources) for (const c of [s.current, ...s.earlier]) involved.add(c)
  // where to look: the paths the at-index names (this repo made the previous edition), and the days of
  // the versions' dates (a runner's repo knows the versions it published); a miss is caught below (the sum check)
  const lookIn = new Set<string>()
  for (const c of involved) {
    for (const p of await pathsOf(repo, c)) lookIn.add(dayOf(p))
    // (a version this repo never read, an earlier one a runner's manifest names: its metadata, fetched and verified)
    const date = (await getArticle(repo.datastore, c, options))?.date ?? (await cachedSummary(repo, c, options))?.date ??
      (changes.kind === 'manifest' ? (await bundleSummary(repo, c, c, { ...options, source: input.source }).catch(() => undefined))?.date : undefined)
    if (date !== undefined) lookIn.add(dayOf(`articles/${date ?? 'undated'}-`))
  }
  const prevArticles: PrevArticle[] = []
  const prevRetired: Retired[] = []
  for (const day of lookIn) {
    const m = (await prevDay(day))?.record
    if (m == null) continue
    for (const a of m.articles) {
      const earlier = m.corrections[a.path] ?? []
      if (involved.has(a.cid) || earlier.some(e => involved.has(e.cid))) prevArticles.push({ record: a, earlier, claimed: false })
    }
    for (const r of m.retired) if (r.cids.some(c => involved.has(c))) prevRetired.push(r)
  }
  // an entry whose current version is the current version of an article the changes do not touch stays as it is
  const affected = new Set(so.sources.flatMap(s => [s.current, ...s.earlier]))
  const changedSources = new Set(so.sources)
  const unchangedCurrent = changes.kind === 'manifest' ? new Set(changes.sources.filter(s => !changedSources.has(s)).map(s => s.current)) : undefined
  for (const e of prevArticles) {
    const claimed = unchangedCurrent != null ? unchangedCurrent.has(e.record.cid) : await heldUnchanged(repo, e.record.cid, affected, changedPathsForClaims!, options)
    if (claimed === undefined) return undefined
    e.claimed = claimed
  }
  prevArticles.sort((a, b) => compareArticles(a.record, b.record))
  prevRetired.sort(byPath)

  // the same articles as the latest edition: nothing is made
  const leaving = prevArticles.filter(e => !e.claimed)
  const articlesHash = hashSources(so.sources, BigInt('0x' + index.articlesHash), leaving.map(e => ({ current: e.record.cid, earlier: e.earlier.map(x => x.cid) })))
  // a manifest's articles must be the previous edition's but for the changed ones (their sums agree): else a
  // change was not published here, or an article left the manifest, and the full build takes them in
  if (changes.kind === 'manifest' && articlesHash !== hashSources(changes.sources)) return undefined
  const fingerprint = combine(input.optionsFingerprint, articlesHash)
  if (mayBeUnchanged && fingerprint === latest?.fingerprint) return await unchanged()

  options.onProgress?.(new CustomProgressEvent('edition:articles', { total: so.sources.length }))
  const made = await makeRecords(repo, input.source, so.sources, {
    articles: prevArticles.map(e => e.record),
    corrections: Object.fromEntries(prevArticles.map(e => [e.record.path, e.earlier])),
    retired: prevRetired
  }, prevCid, profile, options, async known => {
    // the days where a new article's path could be taken (`<base>`, `<base>-<n>`): read before the rule runs
    for (const s of so.sources) await prevDay(dayOf(`articles/${baseName(known.get(s.current)!)}`))
    return assignPermalinks(so.sources.map(s => ({ current: s.current, earlier: s.earlier, base: baseName(known.get(s.current)!) })), {
      articles: prevArticles.map(e => ({ path: e.record.path, cids: [e.record.cid, ...e.earlier.map(x => x.cid).reverse()], claimed: e.claimed })),
      retired: prevRetired,
      used: p => prevDays.get(dayOf(p))?.paths.has(p) === true
    })
  })
  const { records } = made
  const blocks: Block[] = [...made.blocks]

  // the days the change touches, patched
  const touched = new Map<string, DayRecord>()
  const patch = async (day: string): Promise<DayRecord> => {
    let d = touched.get(day)
    if (d == null) {
      const p = (await prevDay(day))?.record
      d = p == null ? { day, articles: [], corrections: {}, retired: [] } : { day, articles: [...p.articles], corrections: { ...p.corrections }, retired: [...p.retired] }
      touched.set(day, d)
    }
    return d
  }
  for (const e of leaving) {
    const d = await patch(dayOf(e.record.path))
    d.articles = d.articles.filter(a => a.path !== e.record.path)
    delete d.corrections[e.record.path]
  }
  for (const r of prevRetired) {
    const d = await patch(dayOf(r.path))
    d.retired = d.retired.filter(x => x.path !== r.path)
  }
  for (const r of made.permalinks.retired) (await patch(dayOf(r.path))).retired.push(r)
  for (const a of made.articles) {
    const d = await patch(dayOf(a.path))
    d.articles.push({ ...records.get(a.page)!, summary: a.summary })
    if (a.earlier.length > 0) d.corrections[a.path] = a.earlier.map(e => records.get(e.page)!)
  }
  for (const d of touched.values()) { d.articles.sort(compareArticles); d.retired.sort(byPath) }

  // the months of the touched days: their lists of days, folders of records and pages (the untouched days' sections kept from the previous page)
  const get = async (cid: CID): Promise<Uint8Array> => await readAll(input.source.get(cid, options))
  const mc = await updateMonths(touched, { entries: index.months, files: prevFiles, daysOf: prevDaysOf, get }, ctx, blocks, options)
  if (mc == null) return undefined
  const months = sortIndex([...mc.entries.values()])
  const updated = updatedOf(months, input.date)
  if (updated == null) throw new InvalidArgumentError(NO_DATE)
  const articles = months.reduce((n, m) => n + m.articles, 0)
  const corrected = months.reduce((n, m) => n + m.corrected, 0)

  // the front page and feeds (the newest days read as needed)
  const front = await frontFiles(months, async m => mc.lists.get(m) ?? (await prevDaysOf(m))!, async d => touched.get(d) ?? (await prevDay(d))!.record, updated, ctx, options)
  blocks.push(...front.blocks)

  // the folders, updated along the changed names' paths
  const update = async (name: string, changes: Map<string, DirEntry | null>, size: number | undefined, empty: boolean): Promise<{ entry: DirEntry | null, size: number }> => {
    if (empty) return { entry: null, size: directorySize([], profile) }
    const before = await prevFiles.entry(name, options)
    const sets = [...changes.values()].filter((e): e is DirEntry => e != null)
    const dir = before == null
      ? { ...buildDirectory(sets, profile), size: directorySize(sets, profile) }
      : await updateDirectory(get, before, [...changes].map(([n, entry]) => ({ name: n, entry })), profile, { ...options, size })
    blocks.push(...dir.blocks)
    return { entry: { name, cid: dir.cid, tsize: dir.tsize }, size: dir.size }
  }
  const articleChanges = new Map<string, DirEntry | null>()
  for (const e of leaving) for (const x of articleEntries(e.record)) articleChanges.set(x.name, null)
  for (const a of made.articles) for (const x of articleEntries(records.get(a.page)!)) articleChanges.set(x.name, x)
  const correctionChanges = new Map<string, DirEntry | null>()
  for (const e of leaving) if (e.earlier.length > 0) correctionChanges.set(e.record.path.slice('articles/'.length), null)
  for (const a of made.articles) {
    if (a.earlier.length === 0) continue
    const folder = correctionsFolder(a.path, a.earlier.map(e => records.get(e.page)!), profile)
    blocks.push(...folder.blocks)
    correctionChanges.set(a.path.slice('articles/'.length), { name: a.path.slice('articles/'.length), cid: folder.cid, tsize: folder.tsize })
  }
  const articlesDir = await update('articles', articleChanges, index.sizes.articles, articles === 0)
  const correctionsDir = await update('corrections', correctionChanges, index.sizes.corrections, corrected === 0)
  const pageDir = await update('page', mc.pages, undefined, false)
  const editionDir = await update('edition', mc.folders, undefined, false)
  const rootDir = await rootFolder({
    front: front.entries,
    articles: articlesDir.entry,
    corrections: correctionsDir.entry,
    page: pageDir.entry,
    edition: editionDir.entry,
    index: { previous: prevCid, updated, articles, corrected, months, sizes: { articles: articlesDir.size, corrections: correctionsDir.size }, options: input.optionsFingerprint, articlesHash }
  }, ctx)
  blocks.push(...rootDir.blocks)

  // every link of a new block that is not a new block is the previous edition's (pinned here whole) or a bundle (pinned)
  const fresh = new Set(blocks.map(b => multihashKey(b.cid)))
  await commitEdition(repo, {
    blocks,
    bundles: [...made.summaries.keys()].map(made.cidOf),
    cid: rootDir.cid,
    // the at-index gains what this edition changed: the changed articles and the paths it retired (the rest is there)
    records: [{ articles: made.articles.map(a => ({ ...records.get(a.page)!, summary: a.summary })), corrections: Object.fromEntries(made.articles.map(a => [a.path, a.earlier.map(e => records.get(e.page)!)])), retired: made.permalinks.retired }],
    record: { cid: rootDir.cid.toString(), previous: prevCid, fingerprint, options: input.optionsFingerprint, articlesHash, articles, corrected, layout: RECORDS_LAYOUT, changes: last, from: changes.kind === 'log' ? 'repo' : 'manifest' },
    latest,
    // (a repo that does not hold the previous edition whole, a runner's, checks every link, and pins partially)
    completeBelow: heldHere ? cid => !fresh.has(multihashKey(cid)) : undefined
  }, options)
  return { cid: rootDir.cid, previous: prevCid, articles, corrected, unchanged: false, incremental: true }
}

/**
 * Whether the previous article whose current version is `cid` is held, as it was, by an
 * article the changes do not touch; undefined when the repo's rule for it needs a full read.
 */
async function heldUnchanged (repo: Repo, cid: string, affected: Set<string>, changedPaths: Set<string>, options: EditionOptions): Promise<boolean | undefined> {
  if (affected.has(cid)) return false
  const r = await getArticle(repo.datastore, cid, options)
  if (r == null || changedPaths.has(r.path)) return false
  const versions = await getVersions(repo.datastore, r.path, options)
  if (!versions.includes(cid)) return isArticleFile(r.path) ? undefined : true
  let current: string | undefined
  for (const c of versions) if ((await getArticle(repo.datastore, c, options))?.path === r.path) current = c
  return current === cid
}
