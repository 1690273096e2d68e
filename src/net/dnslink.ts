import { Resolver } from 'node:dns/promises'
import { dns, RecordType } from '@multiformats/dns'
import { dnsOverHttps } from '@multiformats/dns/resolvers'
import { InvalidArgumentError, NotFoundError } from '../errors.js'
import type { DNSResolver } from '@multiformats/dns/resolvers'
import type { AbortOptions } from 'abort-error'

export interface DnsLinkOptions extends AbortOptions {
  /** A DNS-over-HTTPS URL, or a DNS server as `host:port` / an IP address; default: the system resolver. */
  resolver?: string
  /** `--net local`: no DNS server off this machine is asked, so a lookup needs `resolver` (checked to be on loopback by the CLI); without one it is refused. */
  local?: boolean
}

/** Whether a `/ipns/` segment is a domain name (DNSLink) rather than a key's name. */
export function isDomain (text: string): boolean {
  return text.includes('.') && /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]\.?$/i.test(text)
}

/** A resolver that asks one DNS server (`host:port`, `[v6]:port` or an IP) over UDP/TCP, with node's resolver. */
function serverResolver (server: string): DNSResolver {
  return async (fqdn, options = {}) => {
    const r = new Resolver({ timeout: 5_000, tries: 2 })
    r.setServers([server])
    const abort = (): void => { r.cancel() }
    options.signal?.addEventListener('abort', abort)
    try {
      const txt = await r.resolveTxt(fqdn).catch((err: any) => {
        if (err.code === 'ENODATA' || err.code === 'ENOTFOUND') return []
        throw err
      })
      return {
        Status: 0, TC: false, RD: true, RA: true, AD: false, CD: false,
        Question: [{ name: fqdn, type: RecordType.TXT }],
        Answer: txt.map(parts => ({ name: fqdn, type: RecordType.TXT, TTL: 60, data: parts.join('') }))
      }
    } finally {
      options.signal?.removeEventListener('abort', abort)
    }
  }
}

function resolverFor (resolver?: string): ReturnType<typeof dns> {
  if (resolver == null) return dns()
  if (/^https:\/\//.test(resolver)) return dns({ resolvers: { '.': dnsOverHttps(resolver) } })
  if (/^(\[[0-9a-f:]+\]|[0-9.]+)(:\d+)?$|^[0-9a-f:]+$/i.test(resolver)) return dns({ resolvers: { '.': serverResolver(resolver) } })
  throw new InvalidArgumentError(`--dns-resolver "${resolver}": give a DNS-over-HTTPS URL (https://…) or a DNS server as an IP address with an optional :port`)
}

/**
 * The DNSLink of a domain: the `dnslink=` TXT record at `_dnslink.<domain>` (the
 * first in byte order when there are several), as `/ipfs/…` or `/ipns/…`.
 */
export async function resolveDnsLink (domain: string, options: DnsLinkOptions = {}): Promise<{ value: string, ttl: number }> {
  const name = domain.replace(/\.$/, '')
  if (options.local === true && options.resolver == null) throw new InvalidArgumentError(`--net local asks no DNS server off this machine: resolving ${name} needs --dns-resolver <a DNS server on loopback>`)
  let answers: Array<{ data: string, TTL: number }>
  try {
    const res = await resolverFor(options.resolver).query(`_dnslink.${name}`, { types: [RecordType.TXT], signal: options.signal })
    // the system resolver's answers name the type ("TXT"), DNS over HTTPS gives its number (16)
    answers = (res.Answer ?? []).filter(a => a.type === RecordType.TXT || String(a.type) === 'TXT')
  } catch (err: any) {
    if (err?.name === 'InvalidArgumentError') throw err
    options.signal?.throwIfAborted()
    throw new NotFoundError(`DNSLink of ${name}: the DNS query failed (${err.code ?? err.message})`)
  }
  const links = answers
    .map(a => ({ text: a.data.replace(/^"|"$/g, ''), ttl: a.TTL }))
    .filter(a => a.text.startsWith('dnslink='))
    .map(a => ({ value: a.text.slice('dnslink='.length).trim(), ttl: a.ttl }))
    .filter(a => /^\/(ipfs|ipns)\/[^/]+/.test(a.value))
    .sort((a, b) => a.value < b.value ? -1 : a.value > b.value ? 1 : 0)
  if (links.length === 0) throw new NotFoundError(`${name} has no DNSLink (no "dnslink=/ipfs/…" or "dnslink=/ipns/…" TXT record at _dnslink.${name})`)
  return { value: links[0].value, ttl: links[0].ttl ?? 60 }
}
