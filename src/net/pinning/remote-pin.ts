import PQueue from 'p-queue'
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
  let existing: PinStatus | undefined
  for await (const s of client.list({ cid: [cid], status: ['queued', 'pinning', 'pinned'] }, options)) { existing = s; break }
  const status = await requestPin(client, cid, existing, options)
  return await waitPinned(client, cid, status, options)
}

/**
 * The requests the service already holds for `cids` (queued, pinning or pinned;
 * not failed), asked in batches of 10 CIDs (the API's limit of its `cid` filter):
 * one `GET /pins?cid=…` per 10 articles, not one per article. A pinned request
 * wins over a pending one of the same CID.
 */
export async function existingPins (client: PinningClient, cids: string[], options: AbortOptions = {}): Promise<Map<string, PinStatus>> {
  const found = new Map<string, PinStatus>()
  const rank = (s: PinStatus): number => s.status === 'pinned' ? 2 : s.status === 'pinning' ? 1 : 0
  for (let i = 0; i < cids.length; i += 10) {
    for await (const s of client.list({ cid: cids.slice(i, i + 10), status: ['queued', 'pinning', 'pinned'] }, options)) {
      const cid = String(s.pin?.cid)
      const had = found.get(cid)
      if (had == null || rank(s) > rank(had)) found.set(cid, s)
    }
  }
  return found
}

/** The request for `cid`: the one the service holds (`existing`), else a new `POST /pins`; reports its status and dials the delegates. */
export async function requestPin (client: PinningClient, cid: string, existing: PinStatus | undefined, options: RemotePinOptions = {}): Promise<PinStatus> {
  const status = existing ?? await client.add({ cid, name: options.name, origins: options.origins }, options)
  if (status == null) throw new RemotePinError(`the pinning service returned no status for ${cid}`)
  options.onProgress?.(new CustomProgressEvent('article:pin-remote:status', { cid, status: status.status }))
  if (status.delegates?.length > 0) await options.onDelegates?.(status.delegates)
  return status
}

/**
 * Polls a request until the service reports `pinned` (or `failed`: a
 * RemotePinError with its reason); `background` returns at once. Each poll goes
 * through `options.limit` when given, so that many waits share a bounded number
 * of requests in flight.
 */
export async function waitPinned (client: PinningClient, cid: string, status: PinStatus, options: RemotePinOptions & { limit?: <T>(fn: () => Promise<T>) => Promise<T> } = {}): Promise<PinStatus> {
  const limit = options.limit ?? (async <T>(fn: () => Promise<T>): Promise<T> => await fn())
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
    const next = await limit(async () => await client.status(status.requestid, options))
    if (next == null) throw new RemotePinError(`the pinning service lost the request for ${cid}`)
    if (next.status !== status.status) options.onProgress?.(new CustomProgressEvent('article:pin-remote:status', { cid, status: next.status }))
    status = next
  }
}

/** Runs at most `n` of the functions given at once, the others queued in order (p-queue). */
export function limiter (n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  const queue = new PQueue({ concurrency: n })
  return async <T>(fn: () => Promise<T>): Promise<T> => await queue.add(fn) as T
}
