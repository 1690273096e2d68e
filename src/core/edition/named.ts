import { catCid } from '../read/cat.js'
import { readAll } from '../read-all.js'
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
    let edition: any
    try {
      edition = JSON.parse(new TextDecoder().decode(await readAll(catCid(`${pin.cid}/edition.json`, repo.blockstore, options))))
    } catch (err: any) {
      if (err?.name === 'AbortError') throw err
      continue // not an edition of this layout, or damaged: verify --all reports it
    }
    const named = (edition.articles ?? []).some((a: any) => a?.cid === text) ||
      Object.values(edition.corrections ?? {}).some((list: any) => Array.isArray(list) && list.some((e: any) => e?.cid === text))
    if (named) out.push(pin.cid.toString())
  }
  return out
}
