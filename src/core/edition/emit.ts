import { CID } from 'multiformats/cid'
import { buildLink } from '../link.js'
import { packageVersion } from '../package-version.js'
import { buildDirectory } from './directory.js'
import { dayEntry, EDITION_SCHEMA, encodeDay, encodeJson, encodeMonthDays, monthEntry, sortDays } from './edition-json.js'
import { buildFile } from './file-dag.js'
import { byMonth, compareMonths, dayFileName, MONTH_FILE } from './months.js'
import { monthPageBytes, renderAtom, renderDaySection, renderJsonFeed, renderPage } from './render.js'
import type { BuiltDir, DirEntry } from './directory.js'
import type { ArticleRecord, DayEntry, DayRecord, EditionIndex, MonthEntry, VersionRecord } from './edition-json.js'
import type { EditionArticle } from './render.js'
import type { GatewayStyle } from '../link.js'
import type { Block } from '../unixfs/build-small-dir.js'
import type { CidProfile } from '../unixfs/profiles.js'
import type { AbortOptions } from 'abort-error'

/** What every file of an edition is made with. */
export interface EmitContext {
  profile: CidProfile
  title: string
  feedId: string
  feedSize: number
  pageSize: number
  link: { gateway?: string, linkTemplate?: string, gatewayStyle?: GatewayStyle }
}

const encoder = new TextEncoder()

/** An article as the pages and feeds show it, from its records. */
export function shown (r: ArticleRecord, earlier: VersionRecord[], link: EmitContext['link']): EditionArticle {
  const name = r.path.slice('articles/'.length)
  return {
    path: r.path,
    cid: r.cid,
    title: r.title,
    date: r.date,
    categories: r.categories,
    file: r.file.name,
    bytes: r.file.bytes,
    link: buildLink({ cid: CID.parse(r.cid), file: r.file.name, slug: r.slug }, link.gateway, link.linkTemplate, link.gatewayStyle),
    page: r.page,
    summary: r.summary ?? null,
    earlier: earlier.map((e, i) => ({ cid: e.cid, date: e.date, path: `corrections/${name}/${i + 1}`, page: `corrections/${name}/${i + 1}.html` }))
  }
}

/** The entries of `articles/`: each article's folder (a link to its bundle) and its page beside it. */
export function articleEntries (r: VersionRecord): DirEntry[] {
  const name = r.path.slice('articles/'.length)
  return [{ name, cid: CID.parse(r.cid), tsize: r.tsize }, { name: `${name}.html`, cid: CID.parse(r.pageCid), tsize: r.pageTsize }]
}

/** The folder `corrections/<name>/` of a corrected article: each earlier version (`<n>`, its bundle) and its page (`<n>.html`). */
export function correctionsFolder (path: string, earlier: VersionRecord[], profile: CidProfile): BuiltDir {
  return buildDirectory(earlier.flatMap((e, i) => [
    { name: String(i + 1), cid: CID.parse(e.cid), tsize: e.tsize },
    { name: `${i + 1}.html`, cid: CID.parse(e.pageCid), tsize: e.pageTsize }
  ]), profile)
}

/** A file of the edition: its entry and blocks. */
async function file (name: string, bytes: Uint8Array, profile: CidProfile, blocks: Block[]): Promise<DirEntry> {
  const f = await buildFile(bytes, profile)
  blocks.push(...f.blocks)
  return { name, cid: f.cid, tsize: f.tsize }
}

/** A day's record file (`<dd>.json` in its month's folder). */
export async function dayRecordFile (d: DayRecord, ctx: EmitContext, blocks: Block[]): Promise<DirEntry> {
  return await file(dayFileName(d.day), encodeDay(d), ctx.profile, blocks)
}

/** A month's list of its days (`month.json` in its folder), newest first. */
export async function monthDaysFile (month: string, days: DayEntry[], ctx: EmitContext, blocks: Block[]): Promise<DirEntry> {
  return await file(MONTH_FILE, encodeMonthDays(month, days), ctx.profile, blocks)
}

/** A day's section of its month's page (its bytes); undefined for a day of no article (only its retired paths are kept). */
export function daySection (d: DayRecord, ctx: EmitContext): Uint8Array | undefined {
  if (d.articles.length === 0) return undefined
  return encoder.encode(renderDaySection(d.day, d.articles.map(a => shown(a, d.corrections[a.path] ?? [], ctx.link))))
}

/** A month's page (`<month>.html`) of its days' sections, newest first; null when it has none. */
export async function monthPageFile (month: string, sections: Uint8Array[], ctx: EmitContext, blocks: Block[]): Promise<DirEntry | null> {
  if (sections.length === 0) return null
  return await file(`${month}.html`, monthPageBytes(sections, { title: ctx.title, month }), ctx.profile, blocks)
}

/** What the edition holds of every month: its page (`page/<month>.html`, null for none) and folder (`edition/<month>/`), its days and its entry in the index. */
export interface MonthFiles { pages: Map<string, DirEntry | null>, folders: Map<string, DirEntry>, days: Map<string, DayEntry[]>, index: MonthEntry[], blocks: Block[] }

/** The files of every month of a whole edition, from its days' records. */
export async function monthFiles (days: Iterable<DayRecord>, ctx: EmitContext, options: AbortOptions): Promise<MonthFiles> {
  const out: MonthFiles = { pages: new Map(), folders: new Map(), days: new Map(), index: [], blocks: [] }
  for (const [month, list] of byMonth(days)) {
    options.signal?.throwIfAborted()
    const sorted = sortDays(list)
    const entries = sorted.map(dayEntry)
    const files: DirEntry[] = []
    for (const d of sorted) files.push(await dayRecordFile(d, ctx, out.blocks))
    files.push(await monthDaysFile(month, entries, ctx, out.blocks))
    const folder = buildDirectory(files, ctx.profile)
    out.blocks.push(...folder.blocks)
    out.folders.set(month, { name: month, cid: folder.cid, tsize: folder.tsize })
    out.pages.set(month, await monthPageFile(month, sorted.map(d => daySection(d, ctx)).filter((x): x is Uint8Array => x != null), ctx, out.blocks))
    out.days.set(month, entries)
    out.index.push(monthEntry(month, entries))
  }
  return out
}

/** The edition's date: the newest article's, or the given date when later (render.ts editionDate); null when neither. */
export function updatedOf (index: MonthEntry[], date: string | undefined): string | null {
  let max = date ?? null
  for (const m of index) if (m.newest != null && (max == null || m.newest > max)) max = m.newest
  return max
}

/**
 * The front page and the feeds: the newest articles, read day by day from the
 * newest (`daysOf` a month, newest first; `dayRecord`) until there are enough.
 */
export async function frontFiles (index: MonthEntry[], daysOf: (month: string) => Promise<DayEntry[]>, dayRecord: (day: string) => Promise<DayRecord>, updated: string, ctx: EmitContext, options: AbortOptions): Promise<{ entries: DirEntry[], blocks: Block[] }> {
  const want = Math.max(ctx.pageSize, ctx.feedSize)
  const newest: EditionArticle[] = []
  for (const m of index) {
    if (newest.length >= want) break
    if (m.articles === 0) continue
    for (const d of await daysOf(m.month)) {
      if (newest.length >= want) break
      if (d.articles === 0) continue
      options.signal?.throwIfAborted()
      const record = await dayRecord(d.day)
      for (const a of record.articles.slice(0, want - newest.length)) newest.push(shown(a, record.corrections[a.path] ?? [], ctx.link))
    }
  }
  const blocks: Block[] = []
  const feed = newest.slice(0, ctx.feedSize)
  const entries = [
    await file('index.html', encoder.encode(renderPage(newest.slice(0, ctx.pageSize), { title: ctx.title, months: index })), ctx.profile, blocks),
    await file('feed.xml', encoder.encode(renderAtom(feed, { title: ctx.title, id: ctx.feedId, updated })), ctx.profile, blocks),
    await file('feed.json', encoder.encode(renderJsonFeed(feed, { title: ctx.title, id: ctx.feedId, updated })), ctx.profile, blocks)
  ]
  return { entries, blocks }
}

/** The months of the index, newest first, undated last. */
export function sortIndex (index: MonthEntry[]): MonthEntry[] {
  return [...index].sort((a, b) => compareMonths(a.month, b.month))
}

export interface RootParts {
  front: DirEntry[]
  articles: DirEntry | null
  corrections: DirEntry | null
  page: DirEntry | null
  edition: DirEntry | null
  index: Omit<EditionIndex, 'schema' | 'generator' | 'profile' | 'title'>
}

/** The edition's root folder: the front files, the folders, and edition.json (the index). */
export async function rootFolder (parts: RootParts, ctx: EmitContext): Promise<BuiltDir> {
  const blocks: Block[] = []
  const json = await file('edition.json', encodeJson({
    schema: EDITION_SCHEMA,
    title: ctx.title,
    generator: { name: 'ipfs-publish', version: packageVersion() },
    profile: ctx.profile.name,
    ...parts.index
  }), ctx.profile, blocks)
  const named = (e: DirEntry | null, name: string): DirEntry[] => e == null ? [] : [{ ...e, name }]
  const root = buildDirectory([
    ...parts.front,
    ...named(parts.articles, 'articles'),
    ...named(parts.corrections, 'corrections'),
    ...named(parts.page, 'page'),
    ...named(parts.edition, 'edition'),
    json
  ], ctx.profile)
  return { cid: root.cid, tsize: root.tsize, blocks: [...blocks, ...root.blocks] }
}
