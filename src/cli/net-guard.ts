import { InvalidArgumentError } from '../errors.js'
import { isLoopbackHostPort, isLoopbackMultiaddr, isLoopbackUrl } from '../net/loopback.js'

/**
 * `--net local` stays on this machine. This is its one guard: every option of any
 * command that names an address to contact (or, for serve, to listen on) is checked
 * here, after parsing and before the command's handler runs, so a refused address
 * means that nothing was read, published, written or sent. Addresses known only
 * later (a pinning service added by name, delegates a service names, a DNS
 * lookup) go through {@link refuseOffMachine} where they are found.
 */

/** How an option's value names an address. */
type Kind = 'url' | 'multiaddr' | 'source' | 'dns' | 'hostport'

/** Every option that names an address, by its parsed (camel-case) key. */
const ADDRESS_OPTIONS: Array<[key: string, flag: string, kind: Kind]> = [
  ['serviceUrl', '--service-url', 'url'],
  ['pinRemoteUrl', '--pin-remote-url', 'url'],
  ['putTo', '--put-to', 'url'],
  ['resolveFrom', '--resolve-from', 'url'],
  ['gatewayUrl', '--gateway-url', 'url'],
  ['from', '--from', 'source'],
  ['verifyFrom', '--verify-from', 'source'],
  ['peer', '--peer', 'multiaddr'],
  ['listen', '--listen', 'multiaddr'],
  ['dnsResolver', '--dns-resolver', 'dns'],
  ['gatewayListen', '--gateway-listen', 'hostport'],
  ['rpcListen', '--rpc-listen', 'hostport']
]

/** Whether a value of an option of this kind is on this machine. */
function onMachine (value: string, kind: Kind): boolean {
  switch (kind) {
    case 'url': return isLoopbackUrl(value)
    case 'multiaddr': return isLoopbackMultiaddr(value)
    case 'source': return /^https?:\/\//i.test(value) ? isLoopbackUrl(value) : isLoopbackMultiaddr(value)
    case 'dns': return /^https:\/\//i.test(value) ? isLoopbackUrl(value) : isLoopbackHostPort(value)
    case 'hostport': return isLoopbackHostPort(value)
  }
}

/** A value as a message shows it: a URL by its origin (a URL may carry a user and a token). */
function shown (value: string): string {
  try {
    const u = new URL(value)
    if (u.protocol === 'http:' || u.protocol === 'https:') return u.origin
  } catch {}
  return value
}

/** Throws a usage error when `local` and `value` (given with `flag`) is not on this machine. */
export function refuseOffMachine (local: boolean, flag: string, value: string, kind: Kind = 'url'): void {
  if (local && !onMachine(value, kind)) throw new InvalidArgumentError(`--net local stays on this machine: ${flag} ${shown(value)} is not a loopback address`)
}

/**
 * The middleware: under `--net local` (the flag, or `"net": "local"` in `--config`,
 * which is then set on the arguments so that commands see one value), every
 * address option given is checked.
 */
export async function guardLocalNet (args: Record<string, any>): Promise<void> {
  if (args.net == null && typeof args.config === 'string') {
    const { readNetConfig } = await import('../net/net-config.js')
    const net = (await readNetConfig(args.config)).net
    if (net != null) args.net = net
  }
  if (args.net !== 'local') return
  for (const [key, flag, kind] of ADDRESS_OPTIONS) {
    const v = args[key]
    for (const value of v == null ? [] : Array.isArray(v) ? v : [v]) {
      if (typeof value === 'string') refuseOffMachine(true, flag, value, kind)
    }
  }
}
