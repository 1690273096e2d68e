import { IpnsError, NotFoundError } from '../errors.js'
import { getRecord, parseName } from '../core/ipns/names.js'
import { isDomain, resolveDnsLink } from './dnslink.js'
import type { Repo } from '../core/store/repo.js'
import type { AbortOptions } from 'abort-error'

export interface ResolveIpnsOptions extends AbortOptions {
  /** DNS for DNSLink names (see dnslink.ts); default: the system resolver. */
  dnsResolver?: string
  /** `--net local`: DNSLink only through `dnsResolver` (see dnslink.ts). */
  local?: boolean
  /** Trustless gateways to ask for a key name's record the repo does not hold. */
  gateways?: string[]
}

export interface ResolvedIpns {
  /** The `/ipfs/<cid>[/…]` path the name (and the rest of the path) points to. */
  path: string
  /** How long the answer may be cached, in seconds. */
  ttl: number
  /** The signed record, when the (first) name is a key's name. */
  record?: Uint8Array
}

const MAX_HOPS = 32

/**
 * Resolves `/ipns/<name>[/…]`: a key's name through its signed record (the
 * repo's, or a gateway's, validated), a domain through DNSLink; a value that is
 * itself an `/ipns/` path is followed, up to 32 steps.
 */
export async function resolveIpnsPath (repo: Repo, input: string, options: ResolveIpnsOptions = {}): Promise<ResolvedIpns> {
  let path = input.replace(/^ipns:\/\//, '/ipns/')
  if (!path.startsWith('/ipns/')) path = `/ipns/${path}`
  let ttl = Infinity
  let first: Uint8Array | undefined
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    if (path.startsWith('/ipfs/')) return { path, ttl: Number.isFinite(ttl) ? ttl : 60, record: first }
    if (!path.startsWith('/ipns/')) throw new IpnsError(`a name points to "${path}", which is not an /ipfs/ or /ipns/ path`)
    const [label, ...rest] = path.slice('/ipns/'.length).split('/')
    const tail = rest.length > 0 ? '/' + rest.join('/') : ''
    if (isDomain(label)) {
      const link = await resolveDnsLink(label, { resolver: options.dnsResolver, local: options.local, signal: options.signal })
      ttl = Math.min(ttl, link.ttl)
      path = link.value.replace(/\/+$/, '') + tail
      continue
    }
    const { name } = parseName(label)
    let record = await getRecord(repo, name, options).catch(() => undefined)
    if (record == null && (options.gateways?.length ?? 0) > 0) {
      const { newestFrom } = await import('./ipns-fetch.js')
      record = await newestFrom(options.gateways!, name, options)
    }
    if (record == null) throw new NotFoundError(`no valid record of /ipns/${name} here${(options.gateways?.length ?? 0) > 0 ? ' or on the gateways given' : ''}`)
    if (hop === 0) first = record.bytes
    ttl = Math.min(ttl, Math.max(1, Math.floor(record.ttl / 1000)))
    path = record.value + tail
  }
  throw new IpnsError(`${input}: more than ${MAX_HOPS} names lead from one to the next`)
}
