import { setTimeout as sleep } from 'node:timers/promises'
import { CustomProgressEvent } from 'progress-events'
import { RemotePinError } from '../../errors.js'
import type { PinningClient, PinState, PinStatus } from './client.js'
import type { AbortOptions } from 'abort-error'
import type { ProgressEvent, ProgressOptions } from 'progress-events'

export type RemotePinProgressEvents = ProgressEvent<'article:pin-remote:status', { cid: string, status: PinState }>

export interface RemotePinOptions extends AbortOptions, ProgressOptions<RemotePinProgressEvents> {
  /** The pin's name (an article's slug). */
  name?: string
  /** This node's addresses, so the service can fetch from it. */
  origins?: string[]
  /** Return once the request is queued. */
  background?: boolean
  /** Called with the delegates the service returns (the node dials them). */
  onDelegates?: (delegates: string[]) => Promise<void>
  /** First poll interval, doubled up to `maxPollMs`. @default 250 */
  pollMs?: number
  /** @default 2000 */
  maxPollMs?: number
}

/**
 * Asks a remote pinning service to pin `cid` and waits until it reports
 * `pinned` (polling with backoff), as Kubo's `ipfs pin remote add` does. A CID
 * the service already has a request for reuses that request. `failed` is a
 * RemotePinError with the service's reason; the signal bounds the wait.
 */
export async function pinRemote (client: PinningClient, cid: string, options: RemotePinOptions = {}): Promise<PinStatus> {
  let status: PinStatus | undefined
  for await (const existing of client.list({ cid: [cid], status: ['queued', 'pinning', 'pinned'] }, options)) {
    status = existing
    break
  }
  status ??= await client.add({ cid, name: options.name, origins: options.origins }, options)
  if (status == null) throw new RemotePinError(`the pinning service returned no status for ${cid}`)
  options.onProgress?.(new CustomProgressEvent('article:pin-remote:status', { cid, status: status.status }))
  if (status.delegates?.length > 0) await options.onDelegates?.(status.delegates)
  let wait = options.pollMs ?? 250
  for (;;) {
    if (status.status === 'pinned') return status
    if (status.status === 'failed') {
      const reason = status.info?.status_details ?? status.info?.reason ?? Object.values(status.info ?? {})[0] ?? 'no reason given'
      throw new RemotePinError(`the pinning service failed to pin ${cid}: ${client.mask(String(reason))}`)
    }
    if (options.background === true) return status
    await sleep(wait, undefined, { signal: options.signal })
    wait = Math.min(wait * 2, options.maxPollMs ?? 2000)
    const next = await client.status(status.requestid, options)
    if (next == null) throw new RemotePinError(`the pinning service lost the request for ${cid}`)
    if (next.status !== status.status) options.onProgress?.(new CustomProgressEvent('article:pin-remote:status', { cid, status: next.status }))
    status = next
  }
}
