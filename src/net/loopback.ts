/**
 * What `--net local` may reach: addresses on this machine only. Pure string tests
 * (no DNS: a host name other than `localhost` is not loopback, since looking it up
 * would already leave the machine); loaded by the CLI without the network stack.
 */
import { InvalidArgumentError } from '../errors.js'

/** Whether a host (a name or an IP literal, with or without brackets) is this machine's loopback. */
export function isLoopbackHost (host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase().replace(/^::ffff:(?=\d+\.)/, '')
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::1' || h === '0:0:0:0:0:0:0:1' || h === 'localhost'
}

/** Whether a URL's host is loopback (false for what is not a URL). */
export function isLoopbackUrl (url: string): boolean {
  try { return isLoopbackHost(new URL(url).hostname) } catch { return false }
}

/** Whether a multiaddr starts with a loopback IP (`/ip4/127.…`, `/ip6/::1`); a `/dns…` address is not. */
export function isLoopbackMultiaddr (addr: string): boolean {
  return /^\/ip4\/127\.\d{1,3}\.\d{1,3}\.\d{1,3}(\/|$)|^\/ip6\/::1(\/|$)/.test(addr)
}

/** Whether `host:port`, `[v6]:port` or a bare IP names a loopback address. */
export function isLoopbackHostPort (text: string): boolean {
  const m = /^\[([^\]]+)\](?::\d+)?$|^([^:]+)(?::\d+)?$/.exec(text)
  const host = m != null ? (m[1] ?? m[2]) : text
  return isLoopbackHost(host)
}

/** Splits a listen address `host:port` (`[v6]:port`), the port 0 to 65535; InvalidArgumentError naming `flag` otherwise. */
export function splitListen (listen: string, flag: string): { host: string, port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(listen)
  if (m == null || Number(m[2]) > 65535) throw new InvalidArgumentError(`${flag} "${listen}" is not host:port (a port from 0 to 65535)`)
  return { host: m[1], port: Number(m[2]) }
}
