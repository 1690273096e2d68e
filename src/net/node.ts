import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight, libp2pDefaults } from '@helia/libp2p'
import { bootstrap } from '@libp2p/bootstrap'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { InvalidArgumentError } from '../errors.js'
import { isLoopbackMultiaddr } from './loopback.js'
import { localDhtServices as localDht, publicDht } from './dht.js'
import type { Helia } from '@helia/interface'
import type { Libp2pOptions } from 'libp2p'

/**
 * Which network an online command joins. `peers` (what `get --peer` uses unless
 * `--net` or `--online` says otherwise): dial the named peers and nothing else: no
 * listening, no bootstrap, no routing, no mDNS, no UPnP.
 */
export type NetMode = 'local' | 'public' | 'peers'

export interface NetOptions {
  /** Bootstrap peer multiaddrs (`public` only); empty: none. @default Helia's public bootstrap list */
  bootstrap?: string[]
  /** The Amino DHT for content and peer routing (`public`); with `local`, a DHT of the peers on this machine only (dht.ts). @default true for `public`, false for `local` */
  dht?: boolean
  /** Delegated routing over HTTP (`public` only). @default true */
  delegatedRouting?: boolean
  /** mDNS discovery on the local network (`public` only). @default true */
  mdns?: boolean
  /** UPnP port mapping on the router (`public` only). @default true */
  upnp?: boolean
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
    const defaults = libp2pDefaults() as any
    if (listen.length > 0) defaults.addresses = { ...defaults.addresses, listen }
    // Helia's defaults list [mdns, bootstrap] in that order
    const [mdnsDiscovery, defaultBootstrap] = defaults.peerDiscovery
    const discovery = []
    if (options.mdns !== false) discovery.push(mdnsDiscovery)
    if (options.bootstrap == null) discovery.push(defaultBootstrap)
    else if (options.bootstrap.length > 0) {
      for (const b of options.bootstrap) {
        try { multiaddr(b) } catch { throw new InvalidArgumentError(`--bootstrap "${b}" is not a multiaddr`) }
      }
      discovery.push(bootstrap({ list: options.bootstrap }))
    }
    defaults.peerDiscovery = discovery
    if (options.dht === false) delete defaults.services.dht
    else defaults.services.dht = publicDht()
    if (options.delegatedRouting === false) { delete defaults.services.delegatedPeerRouting; delete defaults.services.delegatedContentRouting }
    if (options.upnp === false) delete defaults.services.upnp
    return defaults as Libp2pOptions
  }
  if (options.net === 'peers') {
    for (const [flag, on] of [['--bootstrap', (options.bootstrap?.length ?? 0) > 0], ['--dht', options.dht === true], ['--delegated-routing', options.delegatedRouting === true], ['--mdns', options.mdns === true], ['--upnp', options.upnp === true]] as const) {
      if (on) throw new InvalidArgumentError(`${flag}: with --peer alone only the named peers are dialled; add --online or --net public to use the network`)
    }
    return {
      addresses: { listen },
      transports: [tcp(), webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      peerDiscovery: [],
      services: { identify: identify() }
    } as Libp2pOptions
  }
  for (const [flag, on] of [['--bootstrap', (options.bootstrap?.length ?? 0) > 0], ['--delegated-routing', options.delegatedRouting === true], ['--mdns', options.mdns === true], ['--upnp', options.upnp === true]] as const) {
    if (on) throw new InvalidArgumentError(`${flag} does not go with --net local, which stays on loopback`)
  }
  for (const addr of listen) {
    if (!isLoopbackMultiaddr(addr)) throw new InvalidArgumentError(`--net local listens on loopback only; "${addr}" is not a loopback address`)
  }
  return {
    addresses: { listen: listen.length > 0 ? listen : ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'] },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    // peers on this machine are the only ones a local node dials
    connectionGater: { denyDialMultiaddr: (ma: any) => !isLoopbackMultiaddr(ma.toString()) },
    // --dht: a DHT of the peers on this machine (dht.ts), for IPNS between local nodes
    services: { identify: identify(), ...(options.dht === true ? localDht() : {}) }
  } as Libp2pOptions
}

/** Adds libp2p and bitswap to a Helia node that has not started yet. */
export function withNetwork (helia: Helia, options: NetOptions = {}): Helia {
  return withBitswap(withLibp2pLight(helia as any, libp2pOptions(options)) as any) as unknown as Helia
}

/** Whether a configuration announces and finds content through routing (the DHT or delegated routing). */
export function hasContentRouting (options: NetOptions): boolean {
  return (options.net ?? 'public') === 'public' && (options.dht !== false || options.delegatedRouting !== false)
}

export { readNetConfig } from './net-config.js'
