import { code as RAW } from 'multiformats/codecs/raw'
import { NotFoundError, VerificationError } from '../errors.js'
import { getToPath } from '../core/read/get.js'
import { VerifyingBlockstore } from '../core/store/verifying-blockstore.js'
import { withNetwork } from './node.js'
import { withGateways } from './gateways.js'
import { dialPeers } from './dial.js'
import type { NetOptions } from './node.js'
import type { Repo } from '../core/store/repo.js'
import type { GetResult } from '../core/read/get.js'
import type { Helia } from '@helia/interface'
import type { CID } from 'multiformats/cid'

/** Where to fetch from. */
export interface FetchSources {
  /** Peers to dial and fetch from over bitswap. */
  peers: string[]
  /** Also find providers through content routing. */
  online: boolean
  net: NetOptions
  /** Trustless HTTP gateways. */
  gateways: string[]
}

export interface FetchOptions {
  /** Aborting it interrupts the fetch (an AbortError). */
  signal?: AbortSignal
  /** Give up after this long: NotFoundError naming the CID. */
  timeoutMs?: number
  /** Called after each block is read (fetched or local): blocks and bytes so far. */
  onBlock?: (progress: { blocks: number, bytes: number }) => void
}

/** A network fetch: `configure` adds what the sources need to a repo's Helia before it starts; `toPath` fetches into that repo and writes out. */
export interface NetworkFetch {
  configure(helia: Helia): Helia
  toPath(repo: Repo, cid: CID, output: string, options?: FetchOptions): Promise<GetResult>
}

/** The names of an error and of the errors it aggregates or wraps. */
function errorNames (err: any, depth = 0): string[] {
  if (err == null || depth > 5) return []
  const inner: any[] = [...(err.errors ?? []), ...(err.cause != null ? [err.cause] : [])]
  return [String(err.name ?? ''), ...inner.flatMap(e => errorNames(e, depth + 1))]
}

/** The errors that say a block's bytes did not hash to its CID: Helia's (libp2p's InvalidMultihashError) and ours. */
const MISMATCH = new Set(['InvalidMultihashError', 'VerificationError'])

/** Why a network fetch failed, as our error: bytes that did not verify are exit 4, nothing found exit 3. */
function fetchError (err: any, cid: CID, timedOut: boolean, rejected: Set<string>): unknown {
  if (rejected.size > 0) return new VerificationError(`${cid}: block ${[...rejected][0]} from the gateway did not match its CID`, { cause: err })
  if (timedOut) return new NotFoundError(`timed out fetching ${cid}`, { cause: err })
  if (err?.code != null && /^ERR_/.test(err.code) && err.name !== 'AbortError') return err
  if (errorNames(err).some(name => MISMATCH.has(name))) return new VerificationError(`${cid}: a block from the network did not match its CID`, { cause: err })
  if (err?.name === 'AbortError') return err
  return new NotFoundError(`${cid}: could not fetch it from the network (${err?.message ?? err})`, { cause: err })
}

/**
 * Fetches a CID's DAG from peers (bitswap) or trustless gateways into the repo,
 * each block verified by Helia as it arrives and again as it is read, then
 * writes it out exactly as a local `get` does.
 */
export function networkFetch (sources: FetchSources): NetworkFetch {
  const rejected = new Set<string>()
  return {
    configure (helia) {
      let h = helia
      if (sources.peers.length > 0 || sources.online) h = withNetwork(h, sources.net)
      if (sources.gateways.length > 0) h = withGateways(h, sources.gateways, rejected)
      return h
    },
    async toPath (repo, cid, output, options = {}) {
      const timeout = options.timeoutMs != null ? AbortSignal.timeout(options.timeoutMs) : undefined
      const signals = [options.signal, timeout].filter((s): s is AbortSignal => s != null)
      const signal = signals.length > 0 ? AbortSignal.any(signals) : undefined
      try {
        if (sources.peers.length > 0) await dialPeers((repo.helia as any).libp2p, sources.peers, { signal })
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
        // fetch the DAG into the repo first, several blocks at a time (getToPath then reads one
        // block at a time, which over the network would be one round trip per block)
        await fetchDag(cid, networked, { signal })
        return await getToPath(cid, output, networked, { signal })
      } catch (err) {
        // interrupted: whatever Helia wrapped the abort in, it is an abort
        if (options.signal?.aborted === true) throw Object.assign(new Error('interrupted'), { name: 'AbortError', cause: err })
        throw fetchError(err, cid, timeout?.aborted === true, rejected)
      }
    }
  }
}

/** Reads every block of a DAG through `blockstore` (which stores what it fetches), up to `concurrency` at once, keeping only the CIDs still to read. */
async function fetchDag (root: CID, blockstore: { get: (cid: CID, options?: any) => AsyncIterable<Uint8Array> }, options: { signal?: AbortSignal, concurrency?: number } = {}): Promise<void> {
  const { blockLinks } = await import('../core/unixfs/links.js')
  const { readAll } = await import('../core/read-all.js')
  const todo: CID[] = [root]
  const seen = new Set<string>([root.toString()])
  let running = 0
  let failure: unknown
  await new Promise<void>((resolve, reject) => {
    const next = (): void => {
      if (failure != null) return
      if (todo.length === 0 && running === 0) { resolve(); return }
      while (running < (options.concurrency ?? 16) && todo.length > 0) {
        const cid = todo.pop()!
        running++
        readAll(blockstore.get(cid, { signal: options.signal })).then(bytes => {
          if (cid.code !== RAW) for (const link of blockLinks(cid, bytes)) if (!seen.has(link.toString())) { seen.add(link.toString()); todo.push(link) }
          running--
          next()
        }, err => { failure = err; reject(err) })
      }
    }
    next()
  })
}
