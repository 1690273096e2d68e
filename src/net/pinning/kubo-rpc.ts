import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { RemotePinError } from '../../errors.js'
import { maskSecret } from './mask.js'
import type { AbortOptions } from 'abort-error'

export interface KuboRpcClientInit {
  /** The RPC API's base URL, e.g. `http://127.0.0.1:5001` (an IPFS Cluster's Kubo proxy: its proxy URL). */
  endpoint: string
  /** Sent as `Authorization: Bearer …` when given (Kubo's API.Authorizations, or a proxy in front). */
  token?: string
}

/**
 * The part of the Kubo RPC API that pins by upload: `dag/import` takes a CAR
 * (its roots not pinned there: `pin-roots=false`), `pin/add` pins the root, `pin/ls`
 * confirms. Two calls where Kubo alone needs one, for IPFS Cluster: its Kubo proxy
 * turns `pin/add` into a cluster-wide pin (with the cluster's replication factors)
 * but passes `dag/import` to one Kubo node, which would pin there only. The node does not have to reach this one: the
 * blocks travel in the request, so a runner behind NAT that is gone a minute later
 * is no obstacle. The CAR is streamed, never held in memory.
 */
export class KuboRpcClient {
  readonly endpoint: string
  private readonly token: string

  constructor (init: KuboRpcClientInit) {
    this.endpoint = init.endpoint.replace(/\/+$/, '')
    this.token = init.token ?? ''
  }

  mask (text: string): string {
    return this.token === '' ? text : maskSecret(text, this.token)
  }

  private headers (extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.token !== '' ? { authorization: `Bearer ${this.token}` } : {}), ...extra }
  }

  private async call (path: string, init: RequestInit & { duplex?: 'half' }, options: AbortOptions): Promise<string> {
    let res: Response
    try {
      res = await fetch(`${this.endpoint}/api/v0/${path}`, { ...init, signal: options.signal })
    } catch (err: any) {
      if (err?.name === 'AbortError' || options.signal?.aborted === true) throw err
      throw new RemotePinError(`the Kubo RPC API at ${this.endpoint} cannot be reached (${this.mask(String(err?.cause?.code ?? err?.cause?.message ?? err?.message))})`, { cause: err })
    }
    const text = await res.text()
    if (res.status === 401 || res.status === 403) throw Object.assign(new RemotePinError(`the Kubo RPC API at ${this.endpoint} refused the access token (${res.status})`), { refusedToken: true })
    if (!res.ok) {
      let message = text.slice(0, 300)
      try { message = JSON.parse(text).Message ?? message } catch {}
      throw new RemotePinError(`the Kubo RPC API at ${this.endpoint} failed ${path.split('?')[0]} (${res.status}): ${this.mask(String(message).trim())}`)
    }
    return text
  }

  /**
   * Uploads a CAR (`POST /api/v0/dag/import`) as one multipart file, streamed from
   * `car`; its roots are pinned there only with `pinRoots: true` (pin them with
   * {@link pinAdd} otherwise). Returns the roots the node reports (Kubo reports
   * them only when it pins them); with `stats: true`, `blocks` is the number of
   * blocks the node says it imported (undefined when it did not say).
   */
  async dagImport (car: AsyncIterable<Uint8Array>, options: AbortOptions & { pinRoots?: boolean, stats?: boolean } = {}): Promise<string[] & { blocks?: number }> {
    // a node that refuses the token answers before it reads the body and closes the connection: the
    // upload would then fail as a broken pipe (EPIPE), hiding the reason. One small call first says it.
    await this.checkToken(options)
    const boundary = `ipfs-publish-${randomBytes(12).toString('hex')}`
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="articles.car"\r\nContent-Type: application/vnd.ipld.car\r\n\r\n`)
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
    // pulled as the request is sent: the CAR is never held whole
    const body = Readable.toWeb(Readable.from((async function * () { yield head; yield * car; yield tail })(), { objectMode: false })) as unknown as ReadableStream<Uint8Array>
    const text = await this.call(`dag/import?pin-roots=${options.pinRoots === true}${options.stats === true ? '&stats=true' : ''}`, { method: 'POST', headers: this.headers({ 'content-type': `multipart/form-data; boundary=${boundary}` }), body, duplex: 'half' }, options)
    const roots: string[] & { blocks?: number } = []
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue
      let entry: any
      try { entry = JSON.parse(line) } catch { throw new RemotePinError(`the Kubo RPC API at ${this.endpoint} answered dag/import with something that is not JSON`) }
      if (typeof entry?.Stats?.BlockCount === 'number') roots.blocks = entry.Stats.BlockCount
      if (entry?.Root == null) continue
      const cid = entry.Root.Cid?.['/'] ?? entry.Root.Cid
      if (typeof entry.Root.PinErrorMsg === 'string' && entry.Root.PinErrorMsg !== '') throw new RemotePinError(`the Kubo RPC API at ${this.endpoint} imported ${cid} but did not pin it: ${this.mask(entry.Root.PinErrorMsg)}`)
      if (typeof cid === 'string') roots.push(cid)
    }
    return roots
  }

  /**
   * Pins `cid` recursively there (`POST /api/v0/pin/add`; the blocks already
   * imported). Through an IPFS Cluster proxy this is a cluster pin.
   */
  async pinAdd (cid: string, options: AbortOptions = {}): Promise<void> {
    const text = await this.call(`pin/add?arg=${encodeURIComponent(cid)}&recursive=true`, { method: 'POST', headers: this.headers() }, options)
    let pins: unknown
    try { pins = JSON.parse(text.trim().split('\n').pop() ?? '')?.Pins } catch {}
    if (!Array.isArray(pins)) throw new RemotePinError(`the Kubo RPC API at ${this.endpoint} answered pin/add with something that is not its JSON`)
  }

  /** Refuses (once per client) a token the node does not take, with a small call (`version`); any other answer lets the upload say more. */
  private tokenChecked?: Promise<void>
  private async checkToken (options: AbortOptions): Promise<void> {
    // bounded: a node that does not answer it is left for the upload to judge
    const signal = options.signal != null ? AbortSignal.any([options.signal, AbortSignal.timeout(15_000)]) : AbortSignal.timeout(15_000)
    this.tokenChecked ??= this.call('version', { method: 'POST', headers: this.headers() }, { signal }).then(() => {}, (err: any) => {
      options.signal?.throwIfAborted()
      if (err?.refusedToken === true) throw err
    })
    await this.tokenChecked
  }

  /** Whether `cid` is pinned recursively there (`POST /api/v0/pin/ls`). */
  async isPinned (cid: string, options: AbortOptions = {}): Promise<boolean> {
    let text: string
    try {
      text = await this.call(`pin/ls?arg=${encodeURIComponent(cid)}&type=recursive`, { method: 'POST', headers: this.headers() }, options)
    } catch (err: any) {
      if (err instanceof RemotePinError && /not pinned/i.test(err.message)) return false
      throw err
    }
    const keys = Object.keys(JSON.parse(text)?.Keys ?? {})
    return keys.length > 0
  }
}
