import { pathsOf } from './at-index.js'
import { EditionFiles } from './edition-files.js'
import { isDayIndex, readDay, readEditionContent, readEditionIndex } from './edition-json.js'
import { dayOf, monthOfDay } from './months.js'
import { listPins } from '../store/pins.js'
import type { Repo } from '../store/repo.js'
import type { AbortOptions } from 'abort-error'
import type { CID } from 'multiformats/cid'

/** The metadata of an edition's pin (an ordinary recursive pin: this only tells `pin ls` and `pin rm` what it is). */
export const EDITION_PIN = { source: 'ipfs-publish', kind: 'edition' }

/** The pinned editions whose edition.json names `cid` as an article or an earlier version of one: their pins hold its blocks. */
export async function editionsNaming (repo: Repo, cid: CID, options: AbortOptions = {}): Promise<string[]> {
  const text = cid.toString()
  const out: string[] = []
  for await (const pin of listPins(repo, options)) {
    if (pin.metadata?.kind !== EDITION_PIN.kind || pin.type !== 'recursive' || pin.cid.equals(cid)) continue
    let named = false
    try {
      const index = await readEditionIndex(repo.blockstore, pin.cid.toString(), options)
      if (isDayIndex(index)) {
        // the days where this repo's editions put the CID (at-index.ts), checked against each day's record
        const days = new Set((await pathsOf(repo, text)).map(dayOf))
        const files = new EditionFiles(repo.blockstore, pin.cid.toString())
        for (const day of days) {
          if (!index.months.some(m => m.month === monthOfDay(day))) continue
          let d
          try { d = await readDay(files, day, options) } catch (err: any) { if (err?.name === 'NotFoundError') continue; throw err }
          if (d.articles.some(a => a.cid === text) || Object.values(d.corrections).some(list => list.some(e => e.cid === text))) named = true
        }
      } else {
        // an edition of an earlier layout: read whole
        const content = await readEditionContent(repo.blockstore, pin.cid.toString(), options)
        named = content.articles.some(a => a.cid === text) || Object.values(content.corrections).some(list => list.some(e => e.cid === text))
      }
    } catch (err: any) {
      if (err?.name === 'AbortError') throw err
      continue // not an edition of this layout, or damaged: verify --all reports it
    }
    if (named) out.push(pin.cid.toString())
  }
  return out
}
