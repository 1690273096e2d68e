import { pathsOf } from './at-index.js'
import { isMonthIndex, readEditionIndex, readMonth } from './edition-json.js'
import { monthOf } from './months.js'
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
      if (isMonthIndex(index)) {
        // the months where this repo's editions put the CID (at-index.ts), checked against each month's record
        const months = new Set((await pathsOf(repo, text)).map(monthOf))
        for (const month of months) {
          if (!index.months.some(m => m.month === month)) continue
          const m = await readMonth(repo.blockstore, pin.cid.toString(), month, options)
          if (m.articles.some(a => a.cid === text) || Object.values(m.corrections).some(list => list.some(e => e.cid === text))) named = true
        }
      } else {
        named = (index.articles ?? []).some((a: any) => a?.cid === text) ||
          Object.values(index.corrections ?? {}).some((list: any) => Array.isArray(list) && list.some((e: any) => e?.cid === text))
      }
    } catch (err: any) {
      if (err?.name === 'AbortError') throw err
      continue // not an edition of this layout, or damaged: verify --all reports it
    }
    if (named) out.push(pin.cid.toString())
  }
  return out
}
