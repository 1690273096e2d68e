import { setTimeout as sleep } from 'node:timers/promises'
import { RemotePinError } from '../../errors.js'
import { maskSecret } from './mask.js'
import type { AbortOptions } from 'abort-error'

/** A pin request's state, as the Pinning Service API names them. */
export type PinState = 'queued' | 'pinning' | 'pinned' | 'failed'

/** The Pinning Service API's PinStatus object. */
export interface PinStatus {
  requestid: string
  status: PinState
  created: string
  pin: { cid: string, name?: string, origins?: string[], meta?: Record<string, string> }
  delegates: string[]
  info?: Record<string, string>
}

export interface PinningClientInit {
  /** The service's endpoint, e.g. https://api.pinata.cloud/psa */
  endpoint: string
  /** The access token (Bearer). */
  token: string
  /** Attempts for a 5xx or 429 answer or a dropped connection. @default 4 */
  attempts?: number
  /** First backoff, doubled each retry. @default 200 ms */
  backoffMs?: number
  /** Results asked for per page when listing. @default 1000 (the API's maximum) */
  pageSize?: number
}

/**
 * A client of the IPFS Pinning Service API (POST /pins, GET /pins and
 * /pins/{requestid}, DELETE /pins/{requestid}). 5xx and 429 answers and dropped
 * connections are retried with exponential backoff. Errors name the service and
 * the reason it gave, and never contain the token.
 */
export class PinningClient {
  private readonly endpoint: string
  private readonly token: string
  private readonly attempts: number
  private readonly backoffMs: number
  private readonly pageSize: number

  constructor (init: PinningClientInit) {
    this.endpoint = init.endpoint.replace(/\/+$/, '')
    this.token = init.token
    this.attempts = init.attempts ?? 4
    this.backoffMs = init.backoffMs ?? 200
    this.pageSize = init.pageSize ?? 1000
  }

  /** Hides the token in anything the service sent, in case it echoes it (exactly, lower-cased or cut short). */
  mask (text: string): string {
    return maskSecret(text, this.token)
  }

  /**
   * One API call. A 5xx or 429 answer or a dropped connection is tried again, after
   * the service's Retry-After when it sends one, else an exponential backoff, but
   * only when the call can be repeated safely: a POST that may have reached the
   * service is not sent again here (see {@link add}).
   */
  private async request (method: string, path: string, body: unknown, options: AbortOptions, attempts = this.attempts): Promise<any> {
    let lastError: unknown
    let retryAfterMs: number | undefined
    for (let attempt = 0; attempt < attempts; attempt++) {
      options.signal?.throwIfAborted()
      if (attempt > 0) await sleep(retryAfterMs ?? this.backoffMs * 2 ** (attempt - 1), undefined, { signal: options.signal })
      retryAfterMs = undefined
      let res: Response
      try {
        res = await fetch(this.endpoint + path, {
          method,
          headers: { authorization: `Bearer ${this.token}`, accept: 'application/json', ...(body != null ? { 'content-type': 'application/json' } : {}) },
          body: body != null ? JSON.stringify(body) : undefined,
          signal: options.signal
        })
      } catch (err: any) {
        if (err?.name === 'AbortError' || options.signal?.aborted === true) throw err
        const code = err?.cause?.code ?? err?.cause?.errors?.find((e: any) => e?.code != null)?.code
        lastError = new RetryableError(`the pinning service at ${this.endpoint} cannot be reached: ${this.mask(String(code ?? err?.cause?.message ?? err?.message ?? err))}`, undefined, { cause: err })
        continue
      }
      const text = await res.text()
      if (res.status >= 500 || res.status === 429) {
        retryAfterMs = retryAfter(res.headers.get('retry-after'))
        lastError = new RetryableError(`the pinning service at ${this.endpoint} answered ${res.status}${reasonOf(text, t => this.mask(t))}`, retryAfterMs)
        continue
      }
      if (res.status === 401 || res.status === 403) {
        throw new RemotePinError(`the pinning service at ${this.endpoint} refused the access token (${res.status}); check the token`)
      }
      if (res.status === 404) return undefined
      if (res.status >= 400) {
        throw new RemotePinError(`the pinning service at ${this.endpoint} refused ${method} ${path.split('?')[0]} (${res.status})${reasonOf(text, t => this.mask(t))}`)
      }
      try {
        return text === '' ? undefined : JSON.parse(text)
      } catch {
        throw new RemotePinError(`the pinning service at ${this.endpoint} sent something that is not JSON`)
      }
    }
    throw lastError
  }

  /**
   * Asks the service to pin. POST /pins is not idempotent: one that failed with a
   * 5xx answer or a dropped connection may still have created a request, so before
   * posting again the CID (and name) is looked up, and a request found is used.
   */
  async add (pin: PinStatus['pin'], options: AbortOptions = {}): Promise<PinStatus> {
    let lastError: unknown
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      if (attempt > 0) {
        await sleep((lastError as RetryableError).retryAfterMs ?? this.backoffMs * 2 ** (attempt - 1), undefined, { signal: options.signal })
        for await (const existing of this.list({ cid: [pin.cid], name: pin.name }, options)) return existing
      }
      try {
        return await this.request('POST', '/pins', pin, options, 1)
      } catch (err) {
        if (!(err instanceof RetryableError)) throw err
        lastError = err
      }
    }
    throw lastError
  }

  async status (requestid: string, options: AbortOptions = {}): Promise<PinStatus | undefined> {
    return this.request('GET', `/pins/${encodeURIComponent(requestid)}`, undefined, options)
  }

  async remove (requestid: string, options: AbortOptions = {}): Promise<void> {
    await this.request('DELETE', `/pins/${encodeURIComponent(requestid)}`, undefined, options)
  }

  /**
   * Every pin request matching the filters, following the API's pagination to
   * the end: while a page comes back full, the next one starts `before` its
   * oldest entry (services list newest first) or `after` its newest (some list
   * oldest first); entries are de-duplicated by request id.
   */
  async * list (filter: { cid?: string[], status?: PinState[], name?: string } = {}, options: AbortOptions = {}): AsyncGenerator<PinStatus> {
    const seen = new Set<string>()
    let cursor: { before?: string, after?: string } = {}
    for (;;) {
      const q = new URLSearchParams()
      if (filter.cid != null && filter.cid.length > 0) q.set('cid', filter.cid.join(','))
      q.set('status', (filter.status ?? ['queued', 'pinning', 'pinned', 'failed']).join(','))
      if (filter.name != null) q.set('name', filter.name)
      if (cursor.before != null) q.set('before', cursor.before)
      if (cursor.after != null) q.set('after', cursor.after)
      q.set('limit', String(this.pageSize))
      const page = await this.request('GET', `/pins?${q.toString()}`, undefined, options) as { count: number, results: PinStatus[] } | undefined
      const results = page?.results ?? []
      const fresh = results.filter(r => !seen.has(r.requestid))
      for (const r of fresh) { seen.add(r.requestid); yield r }
      if (results.length < this.pageSize || fresh.length === 0) return
      const times = results.map(r => r.created)
      const newestFirst = times[0] >= times[times.length - 1]
      cursor = newestFirst ? { before: [...times].sort()[0] } : { after: [...times].sort().at(-1) }
    }
  }
}

/** A failure worth another try (a 5xx or 429 answer, a dropped connection), with the wait the service asked for. */
class RetryableError extends RemotePinError {
  constructor (message: string, readonly retryAfterMs?: number, options?: { cause?: unknown }) { super(message, options) }
}

/** Retry-After as milliseconds to wait (seconds, or an HTTP date), at most a minute; undefined when absent or unreadable. */
function retryAfter (header: string | null): number | undefined {
  if (header == null || header.trim() === '') return undefined
  const seconds = Number(header)
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now()
  if (!Number.isFinite(ms)) return undefined
  return Math.min(Math.max(0, ms), 60_000)
}

function reasonOf (text: string, mask: (t: string) => string): string {
  try {
    const e = JSON.parse(text)?.error
    if (e?.reason != null) return `: ${mask(String(e.reason))}${e.details != null ? ` (${mask(String(e.details))})` : ''}`
  } catch {}
  return ''
}
