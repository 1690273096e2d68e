import { setTimeout as sleep } from 'node:timers/promises'
import type { Repo } from '../core/store/repo.js'
import type { AbortOptions } from 'abort-error'
import type { CID } from 'multiformats/cid'

export interface WatchPinsOptions extends AbortOptions {
  /** How often the repo's commit counter is read, in ms. @default 250 */
  intervalMs?: number
}

/**
 * Calls `onPin` once for every pinned root of the repo, then again for each root
 * that any process pins later, until `signal` aborts: `serve` announces what
 * `publish` runs in other processes add. Cheap while nothing changes: it reads
 * the repo's commit counter, and lists the pins only when that moved.
 */
export async function watchPins (repo: Repo, onPin: (cid: CID) => Promise<void> | void, options: WatchPinsOptions = {}): Promise<void> {
  const seen = new Set<string>()
  let generation = -1
  while (options.signal?.aborted !== true) {
    const now = repo.generation()
    if (now !== generation) {
      generation = now
      for await (const pin of repo.helia.pins.ls({ signal: options.signal })) {
        const key = pin.cid.toV1().toString()
        if (seen.has(key)) continue
        seen.add(key)
        await onPin(pin.cid)
      }
    }
    await sleep(options.intervalMs ?? 250, undefined, { signal: options.signal }).catch(() => {})
  }
}
