import { catCid } from '../read/cat.js'
import { readAll } from '../read-all.js'
import type { Repo } from '../store/repo.js'
import type { AbortOptions } from 'abort-error'
import type { CID } from 'multiformats/cid'

/** The metadata of an edition's pin: how the editions among the pins are told apart. */
export const EDITION_PIN = { source: 'ipfs-publish', kind: 'edition' }

/** Whether a pin's metadata marks an edition. */
export function isEditionPin (metadata: Record<string, unknown> | undefined): boolean {
  return metadata?.kind === EDITION_PIN.kind
}

/** The pinned editions (by their pin's metadata) whose edition.json names `cid` as an article or an earlier version of one. */
export async function editionsNaming (repo: Repo, cid: CID, options: AbortOptions = {}): Promise<string[]> {
  const text = cid.toString()
  const out: string[] = []
  for await (const pin of repo.helia.pins.ls(options)) {
    if (!isEditionPin(pin.metadata) || pin.cid.equals(cid)) continue
    const edition = JSON.parse(new TextDecoder().decode(await readAll(catCid(`${pin.cid}/edition.json`, repo.blockstore, options))))
    const named = (edition.articles ?? []).some((a: any) => a?.cid === text) ||
      Object.values(edition.corrections ?? {}).some((list: any) => Array.isArray(list) && list.some((e: any) => e?.cid === text))
    if (named) out.push(pin.cid.toString())
  }
  return out
}
