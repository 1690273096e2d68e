import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { createHeliaLight } from 'helia'
import { NotFoundError, VerificationError } from '../errors.js'
import { verifyBlock } from '../core/store/verifying-blockstore.js'
import { verifyCid } from '../core/read/verify.js'
import { dialPeers } from './dial.js'
import { withNetwork } from './node.js'
import type { NetOptions } from './node.js'
import type { Blockstore } from 'interface-blockstore'
import type { AbortOptions } from 'abort-error'
import type { CID } from 'multiformats/cid'

/** The largest block a source may send: the block limit that IPFS implementations share (Kubo's bitswap and gateways). */
export const MAX_BLOCK_BYTES = 2 * 1024 * 1024

/** What one source gave. */
export interface SourceReport {
  source: string
  /** ok: every block verified and the bundle matches; mismatch: wrong bytes; unreachable: no answer, or not there (yet). */
  status: 'ok' | 'mismatch' | 'unreachable'
  seconds: number
  /** Attempts made (more than one with `retryForMs`). */
  attempts: number
  blocks?: number
  reason?: string
}

export interface VerifyFromOptions extends AbortOptions {
  /** Give up one attempt at a source after this long. @default 60 s */
  timeoutMs?: number
  /** Try an unreachable source again (with backoff) until this long has passed since the first attempt. @default 0 */
  retryForMs?: number
  /** The network options for peer sources. @default dial the named peer only */
  net?: NetOptions
}

/**
 * Fetches `cid`'s whole DAG from one source on its own (nothing comes from the
 * local store or from another source), verifies every block against its CID and
 * the 2 MiB block limit, and checks a bundle's article against its
 * `metadata.json`. A source is a trustless gateway URL (blocks requested with
 * `?format=raw`) or a peer multiaddr (bitswap). Never throws for what a source
 * does: the report says ok, mismatch or unreachable.
 */
export async function verifyFrom (cid: CID, source: string, options: VerifyFromOptions = {}): Promise<SourceReport> {
  const started = performance.now()
  const deadline = started + (options.retryForMs ?? 0)
  let attempts = 0
  let wait = 500
  for (;;) {
    attempts++
    const report = await attempt(cid, source, options)
    const seconds = Math.round((performance.now() - started) / 10) / 100
    if (report.status !== 'unreachable' || performance.now() + wait > deadline || options.signal?.aborted === true) return { ...report, source, seconds, attempts }
    await new Promise(resolve => setTimeout(resolve, wait))
    wait = Math.min(wait * 2, 10_000)
  }
}

async function attempt (cid: CID, source: string, options: VerifyFromOptions): Promise<Omit<SourceReport, 'source' | 'seconds' | 'attempts'>> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 60_000)
  const signal = options.signal != null ? AbortSignal.any([options.signal, timeout]) : timeout
  let close = async (): Promise<void> => {}
  try {
    let blocks: Pick<Blockstore, 'get'>
    if (/^https?:\/\//i.test(source)) {
      blocks = gatewaySource(source)
    } else {
      const node = await peerSource(source, options.net ?? { net: 'peers' }, signal)
      blocks = node.blocks
      close = node.close
    }
    // each block once (the walk and the bundle check read some twice), verified and bounded as it arrives
    const result = await verifyCid(cid, checked(blocks), { signal })
    return { status: 'ok', blocks: result.blocks }
  } catch (err: any) {
    if (options.signal?.aborted === true) throw err
    if (err instanceof VerificationError || err?.code === 'ERR_VERIFICATION_FAILED' || err?.name === 'InvalidMultihashError') return { status: 'mismatch', reason: err.message }
    const reason = timeout.aborted ? `no answer within ${((options.timeoutMs ?? 60_000) / 1000).toFixed(0)} s` : String(err?.message ?? err)
    return { status: 'unreachable', reason }
  } finally {
    await close().catch(() => {})
  }
}

/** A source's blocks, each fetched once, checked against the block limit and its CID before use. */
export function checked (source: Pick<Blockstore, 'get'>): Pick<Blockstore, 'get'> {
  const seen = new Map<string, Promise<Uint8Array>>()
  return {
    async * get (cid: CID, options?: AbortOptions) {
      const key = cid.toString()
      let bytes = seen.get(key)
      if (bytes == null) {
        bytes = (async () => {
          const parts: Uint8Array[] = []
          let size = 0
          for await (const part of source.get(cid, options)) {
            size += part.byteLength
            if (size > MAX_BLOCK_BYTES) throw new VerificationError(`block ${cid} is larger than the ${MAX_BLOCK_BYTES / 1024 / 1024} MiB block limit`)
            parts.push(part)
          }
          const whole = parts.length === 1 ? parts[0] : Buffer.concat(parts)
          verifyBlock(cid, whole)
          return whole
        })()
        seen.set(key, bytes)
      }
      yield await bytes
    }
  } as unknown as Pick<Blockstore, 'get'>
}

/** Blocks from a trustless gateway: `GET /ipfs/<cid>?format=raw`, read no further than the block limit. */
export function gatewaySource (gateway: string): Pick<Blockstore, 'get'> {
  const base = gateway.replace(/\/+$/, '')
  return {
    async * get (cid: CID, options?: AbortOptions) {
      let res: Response
      try {
        res = await fetch(`${base}/ipfs/${cid}?format=raw`, { headers: { accept: 'application/vnd.ipld.raw' }, signal: options?.signal, redirect: 'follow' })
      } catch (err: any) {
        if (err?.name === 'AbortError' || options?.signal?.aborted === true) throw err
        throw new NotFoundError(`${gateway} cannot be reached (${err?.cause?.code ?? err?.cause?.message ?? err?.message})`, { cause: err })
      }
      if (res.status === 404 || res.status === 410) { await res.body?.cancel(); throw new NotFoundError(`${gateway} does not have block ${cid} (${res.status})`) }
      if (!res.ok) { await res.body?.cancel(); throw new NotFoundError(`${gateway} answered ${res.status} for block ${cid}`) }
      const type = res.headers.get('content-type') ?? ''
      if (!type.startsWith('application/vnd.ipld.raw')) { await res.body?.cancel(); throw new VerificationError(`${gateway} is not a trustless gateway: it answered ${type === '' ? 'no content type' : type} for block ${cid}`) }
      let size = 0
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength
        if (size > MAX_BLOCK_BYTES) throw new VerificationError(`block ${cid} from ${gateway} is larger than the ${MAX_BLOCK_BYTES / 1024 / 1024} MiB block limit`)
        yield chunk
      }
    }
  } as unknown as Pick<Blockstore, 'get'>
}

/** Blocks from one peer over bitswap, through a node of its own with an empty memory store. */
async function peerSource (peer: string, net: NetOptions, signal: AbortSignal): Promise<{ blocks: Pick<Blockstore, 'get'>, close(): Promise<void> }> {
  const helia: any = withNetwork(createHeliaLight({ blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() }) as any, net)
  await helia.start()
  try {
    await dialPeers(helia.libp2p, [peer], { signal })
  } catch (err) {
    await helia.stop().catch(() => {})
    throw err
  }
  return {
    blocks: { get: (cid: CID, o?: AbortOptions) => helia.blockstore.get(cid, o) } as unknown as Pick<Blockstore, 'get'>,
    close: async () => { await helia.stop() }
  }
}
