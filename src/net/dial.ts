import { multiaddr } from '@multiformats/multiaddr'
import { InvalidArgumentError, NotFoundError } from '../errors.js'
import type { AbortOptions } from 'abort-error'

/** Dials each peer multiaddr (with `/p2p/<peerId>`); a malformed one is a usage error, an unreachable one NotFoundError. */
export async function dialPeers (libp2p: any, peers: string[], options: AbortOptions = {}): Promise<void> {
  for (const p of peers) {
    let ma
    try { ma = multiaddr(p) } catch { throw new InvalidArgumentError(`--peer "${p}" is not a multiaddr`) }
    try {
      await libp2p.dial(ma, { signal: options.signal })
    } catch (err: any) {
      if (err?.name === 'AbortError') throw err
      throw new NotFoundError(`cannot reach peer ${p}: ${err?.message ?? err}`, { cause: err })
    }
  }
}
