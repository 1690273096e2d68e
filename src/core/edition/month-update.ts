import { buildDirectory } from './directory.js'
import { dayEntry, monthEntry, sortDays } from './edition-json.js'
import { dayRecordFile, daySection, monthDaysFile, monthPageFile } from './emit.js'
import { byMonth, dayFileName, MONTH_FILE } from './months.js'
import { daySections } from './render.js'
import { updateDirectory } from './update-directory.js'
import type { DirEntry } from './directory.js'
import type { EditionFiles } from './edition-files.js'
import type { DayEntry, DayRecord, MonthEntry } from './edition-json.js'
import type { EmitContext } from './emit.js'
import type { GetBlock } from './update-directory.js'
import type { Block } from '../unixfs/build-small-dir.js'
import type { AbortOptions } from 'abort-error'

/** What the touched days change of their months: the index's entries, each month's list of days, and the entries of `edition/` (folders) and `page/` (pages); null for one that goes. */
export interface MonthChanges {
  entries: Map<string, MonthEntry>
  lists: Map<string, DayEntry[]>
  folders: Map<string, DirEntry | null>
  pages: Map<string, DirEntry | null>
}

export interface PreviousMonths {
  /** The previous edition's entries in its index. */
  entries: MonthEntry[]
  /** Its files (folders read once). */
  files: EditionFiles
  /** A month's list of days in it (null: no such month). */
  daysOf: (month: string) => Promise<DayEntry[] | null>
  get: GetBlock
}

/**
 * The months of the touched days (their new records given), made again from
 * the previous edition: each one's day records (the touched ones written),
 * list of days and folder (updated by name), and page, whose untouched days'
 * sections are the previous page's bytes (daySections: exactly the page they
 * make, else undefined: the caller builds whole). New blocks go to `blocks`.
 */
export async function updateMonths (touched: Map<string, DayRecord>, prev: PreviousMonths, ctx: EmitContext, blocks: Block[], options: AbortOptions): Promise<MonthChanges | undefined> {
  const out: MonthChanges = { entries: new Map(prev.entries.map(m => [m.month, m])), lists: new Map(), folders: new Map(), pages: new Map() }
  for (const [month, days] of byMonth(touched.values())) {
    options.signal?.throwIfAborted()
    const before = await prev.daysOf(month)
    const list = new Map<string, DayEntry>((before ?? []).map(d => [d.day, d]))
    const files = new Map<string, DirEntry | null>()
    for (const d of days) {
      if (d.articles.length + d.retired.length === 0) { list.delete(d.day); files.set(dayFileName(d.day), null); continue }
      list.set(d.day, dayEntry(d))
      files.set(dayFileName(d.day), await dayRecordFile(d, ctx, blocks))
    }
    const sorted = sortDays([...list.values()])
    out.lists.set(month, sorted)
    if (sorted.length === 0) {
      out.entries.delete(month)
      out.folders.set(month, null)
      out.pages.set(`${month}.html`, null)
      continue
    }
    out.entries.set(month, monthEntry(month, sorted))
    files.set(MONTH_FILE, await monthDaysFile(month, sorted, ctx, blocks))
    const folder = before == null
      ? buildDirectory([...files.values()].filter((e): e is DirEntry => e != null), ctx.profile)
      : await updateDirectory(prev.get, await prev.files.resolve(`edition/${month}`, options), [...files].map(([name, entry]) => ({ name, entry })), ctx.profile, options)
    blocks.push(...folder.blocks)
    out.folders.set(month, { name: month, cid: folder.cid, tsize: folder.tsize })
    // the page: the sections of the untouched days are the previous page's, as it wrote them
    let kept: Map<string, Uint8Array> | undefined = new Map()
    if (before?.some(d => d.articles > 0 && !touched.has(d.day)) === true) {
      kept = daySections(await prev.files.read(`page/${month}.html`, options), { title: ctx.title, month })
      if (kept == null) return undefined
    }
    const sections: Uint8Array[] = []
    for (const d of sorted) {
      if (d.articles === 0) continue
      const section = touched.has(d.day) ? daySection(touched.get(d.day)!, ctx) : kept.get(d.day)
      if (section == null) return undefined
      sections.push(section)
    }
    out.pages.set(`${month}.html`, await monthPageFile(month, sections, ctx, blocks))
  }
  return out
}
