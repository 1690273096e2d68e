import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight, libp2pDefaults } from '@helia/libp2p'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { InvalidArgumentError } from '../errors.js'
import type { Helia } from '@helia/interface'
import type { Libp2pOptions } from 'libp2p'

/** Which network an online command joins. */
export type NetMode = 'local' | 'public'

export interface NetOptions {
  /**
   * `local`: listen on 127.0.0.1 only, no bootstrap peers, no content routing (no DHT, no delegated
   * routing), no mDNS, no UPnP: nothing leaves the machine but dials to peers named with `--peer`.
   * `public`: Helia's libp2p defaults, for a publisher on the public network.
   * @default 'public'
   */
  net?: NetMode
  /** Listen addresses (port 0 allowed); default for `local`: TCP and WebSockets on 127.0.0.1, random ports. */
  listen?: string[]
}

/** The libp2p options of a mode. Tests and benchmarks use `local`, the product's own loopback configuration. */
export function libp2pOptions (options: NetOptions = {}): Libp2pOptions {
  const listen = options.listen ?? []
  for (const addr of listen) {
    try { multiaddr(addr) } catch { throw new InvalidArgumentError(`--listen "${addr}" is not a multiaddr (try /ip4/127.0.0.1/tcp/0)`) }
  }
  if ((options.net ?? 'public') === 'public') {
    const defaults = libp2pDefaults() as unknown as Libp2pOptions
    if (listen.length > 0) defaults.addresses = { ...defaults.addresses, listen }
    return defaults
  }
  for (const addr of listen) {
    if (!/^\/ip4\/127\.|^\/ip6\/::1\//.test(addr)) throw new InvalidArgumentError(`--net local listens on loopback only; "${addr}" is not a loopback address`)
  }
  return {
    addresses: { listen: listen.length > 0 ? listen : ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'] },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    // peers on this machine are the only ones a local node dials
    connectionGater: { denyDialMultiaddr: (ma: any) => !/^\/ip4\/127\.|^\/ip6\/::1\//.test(ma.toString()) },
    services: { identify: identify() }
  } as Libp2pOptions
}

/** Adds libp2p and bitswap to a Helia node that has not started yet. */
export function withNetwork (helia: Helia, options: NetOptions = {}): Helia {
  return withBitswap(withLibp2pLight(helia as any, libp2pOptions(options)) as any) as unknown as Helia
}
