import { trustlessGatewayBlockBroker } from '@helia/trustless-gateway-client'
import { multiaddr } from '@multiformats/multiaddr'
import { InvalidArgumentError } from '../errors.js'
import type { Helia } from '@helia/interface'
import type { CID } from 'multiformats/cid'

/** An http(s) URL as the multiaddr Helia's routing hands around (`/ip4/127.0.0.1/tcp/8080/http`). */
export function urlToMultiaddr (url: string): ReturnType<typeof multiaddr> {
  let u: URL
  try { u = new URL(url) } catch { throw new InvalidArgumentError(`--gateway-url "${url}" is not a URL`) }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidArgumentError(`--gateway-url "${url}" must be http or https`)
  const host = u.hostname.replace(/^\[|\]$/g, '')
  const proto = /^\d+\.\d+\.\d+\.\d+$/.test(host) ? 'ip4' : host.includes(':') ? 'ip6' : 'dns'
  const port = u.port !== '' ? u.port : u.protocol === 'https:' ? '443' : '80'
  return multiaddr(`/${proto}/${host}/tcp/${port}/${u.protocol === 'https:' ? 'https' : 'http'}`)
}

/**
 * Fetches blocks from the given trustless gateways with Helia's trustless-gateway
 * block broker (raw block requests, each block hashed and checked before use):
 * a router that names the gateways as providers of every CID. CIDs whose bytes
 * from a gateway failed verification are added to `rejected`.
 */
export function withGateways (helia: Helia, urls: string[], rejected: Set<string> = new Set()): Helia {
  const addrs = urls.map(urlToMultiaddr)
  helia.addRouter({
    name: 'gateway-urls',
    async * findProviders (_cid: CID) {
      for (const [i, ma] of addrs.entries()) {
        yield { id: { toString: () => urls[i], equals: (o: any) => o?.toString() === urls[i] } as any, multiaddrs: [ma], router: 'gateway-urls' } as any
      }
    }
  } as any)
  const factory = trustlessGatewayBlockBroker({ allowInsecure: true, allowLocal: true }) as any
  // the broker reports only "unable to fetch" when a gateway's bytes fail their hash: note
  // those CIDs, so that a lying gateway is told apart from an absent block
  helia.addBlockBroker((components: any) => {
    const broker = factory(components)
    return {
      name: broker.name,
      createSession: broker.createSession?.bind(broker),
      retrieve: async (cid: CID, options: any = {}) => broker.retrieve(cid, {
        ...options,
        validateFn: async (block: Uint8Array) => {
          try {
            await options.validateFn?.(block)
          } catch (err) {
            rejected.add(cid.toString())
            throw err
          }
        }
      })
    }
  })
  return helia
}
