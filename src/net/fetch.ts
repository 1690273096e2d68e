import { NotFoundError, VerificationError } from '../errors.js'
import { getToPath } from '../core/read/get.js'
import { VerifyingBlockstore } from '../core/store/verifying-blockstore.js'
import { withNetwork } from './node.js'
import { withGateways } from './gateways.js'
import { dialPeers } from './dial.js'
import type { NetOptions } from './node.js'
import type { Context } from '../cli/context.js'
import type { GetResult } from '../core/read/get.js'
import type { Helia } from '@helia/interface'
import type { CID } from 'multiformats/cid'

export interface FetchOptions {
  peers: string[]
  online: boolean
  net: NetOptions
  gateways: string[]
  timeoutMs?: number
  /** Called after each block is read (fetched or local): blocks and bytes so far. */
  onBlock?: (progress: { blocks: number, bytes: number }) => void
}

/** Every message in an error and the errors it aggregates or wraps, flattened. */
function describeErrors (err: any, depth = 0): string {
  if (err == null || depth > 5) return ''
  const inner: any[] = [...(err.errors ?? []), ...(err.cause != null ? [err.cause] : [])]
  return [String(err.message ?? ''), String(err.name ?? ''), ...inner.map(e => describeErrors(e, depth + 1))].join(' ')
}

/** Why a network fetch failed, as our error: bytes that did not verify are exit 4, nothing found exit 3. */
function fetchError (err: any, cid: CID, timedOut: boolean, rejected: Set<string>): unknown {
  if (rejected.size > 0) return new VerificationError(`${cid}: block ${[...rejected][0]} from the gateway did not match its CID`, { cause: err })
  if (timedOut) return new NotFoundError(`timed out fetching ${cid}`, { cause: err })
  if (err?.code != null && /^ERR_/.test(err.code) && err.name !== 'AbortError') return err
  const text = describeErrors(err)
  if (/hash|digest|verif|did not match|mismatch/i.test(text)) return new VerificationError(`${cid}: a block from the network did not match its CID`, { cause: err })
  if (err?.name === 'AbortError') return err
  return new NotFoundError(`${cid}: could not fetch it from the network (${err?.message ?? err})`, { cause: err })
}

/**
 * Fetches a CID's DAG from peers (bitswap) or trustless gateways into the repo,
 * each block verified by Helia as it arrives and again as it is read, then
 * writes it out exactly as a local `get` does.
 */
export async function fetchToPath (ctx: Context, cid: CID, output: string, options: FetchOptions): Promise<GetResult> {
  const withNet = options.peers.length > 0 || options.online
  const rejected = new Set<string>()
  const repo = await ctx.repo({
    configure: (helia: Helia) => {
      let h = helia
      if (withNet) h = withNetwork(h, options.net)
      if (options.gateways.length > 0) h = withGateways(h, options.gateways, rejected)
      return h
    }
  })
  const timeout = options.timeoutMs != null ? AbortSignal.timeout(options.timeoutMs) : undefined
  const signal = timeout != null ? AbortSignal.any([ctx.signal, timeout]) : ctx.signal
  try {
    if (options.peers.length > 0) await dialPeers((repo.helia as any).libp2p, options.peers, { signal })
    const helia = repo.helia
    // reads go through Helia's networked blockstore (it fetches and checks missing blocks) and are hashed again here
    const progress = { blocks: 0, bytes: 0 }
    const networked = new VerifyingBlockstore({
      get: async function * (c: CID, o?: any) {
        for await (const chunk of helia.blockstore.get(c, { ...o, signal })) {
          progress.bytes += chunk.byteLength
          yield chunk
        }
        progress.blocks++
        options.onBlock?.(progress)
      },
      has: async (c: CID) => helia.blockstore.has(c)
    } as any)
    return await getToPath(cid, output, networked, { signal })
  } catch (err) {
    // interrupted (SIGINT/SIGTERM): whatever Helia wrapped the abort in, it is an abort
    if (ctx.signal.aborted) throw Object.assign(new Error('interrupted'), { name: 'AbortError', cause: err })
    throw fetchError(err, cid, timeout?.aborted === true, rejected)
  }
}
