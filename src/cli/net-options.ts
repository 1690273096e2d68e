import type { NetOptions } from '../net/node.js'
import type { Argv } from 'yargs'

/** The network options of online commands (`serve`, `get --peer/--online`); `hidden`: accepted and ignored (see {@link ignoredNetOptions}). */
export function netOptions (y: Argv, hidden = false): Argv {
  const opts = (o: Record<string, unknown>): any => hidden ? { ...o, hidden: true } : o
  return y
    .option('net', opts({ type: 'string', choices: ['public', 'local'], describe: 'public (default): the IPFS network; local: loopback only, no bootstrap, routing, mDNS or UPnP' }))
    .option('listen', opts({ type: 'string', array: true, describe: 'libp2p listen multiaddr (repeatable; port 0 allowed)' }))
    .option('bootstrap', opts({ type: 'string', array: true, describe: 'bootstrap peer multiaddr (repeatable; --no-bootstrap for none)' }))
    .option('dht', opts({ type: 'boolean', describe: 'the Amino DHT for content and peer routing (default on with --net public)' }))
    .option('delegated-routing', opts({ type: 'boolean', describe: 'delegated routing over HTTP (default on with --net public)' }))
    .option('mdns', opts({ type: 'boolean', describe: 'mDNS discovery on the local network (default on with --net public)' }))
    .option('upnp', opts({ type: 'boolean', describe: 'UPnP port mapping (default on with --net public)' }))
    .option('config', opts({ type: 'string', describe: 'JSON file with the same settings (net, listen, bootstrap, dht, delegatedRouting, mdns, upnp); flags win' }))
}

/**
 * The network options on a command that never goes online: accepted and ignored,
 * not shown in its help, so that one CI script can pass the same options (and
 * `--delegates`/`--no-delegates`) to every command.
 */
export function ignoredNetOptions (y: Argv): Argv {
  return netOptions(y, true).option('delegates', { type: 'boolean', hidden: true })
}

/** The network options from a config file (if any) with flags over them. */
export async function resolveNetOptions (args: any, defaultNet: NetOptions['net'] = 'public'): Promise<NetOptions> {
  const { readNetConfig } = await import('../net/net-config.js')
  const base: NetOptions = args.config != null ? await readNetConfig(args.config) : {}
  const out: NetOptions = { ...base }
  if (args.net != null) out.net = args.net
  if (args.listen != null) out.listen = args.listen
  // yargs turns --no-bootstrap into `false`, or `[false]` for an array option
  const bootstrap = Array.isArray(args.bootstrap) ? args.bootstrap : args.bootstrap != null ? [args.bootstrap] : undefined
  if (bootstrap != null && bootstrap.length > 0 && bootstrap.every((b: unknown) => b === false || b === 'false')) out.bootstrap = []
  else if (bootstrap != null) out.bootstrap = bootstrap.map(String)
  for (const k of ['dht', 'delegatedRouting', 'mdns', 'upnp'] as const) if (typeof args[k] === 'boolean') out[k] = args[k]
  out.net ??= defaultNet
  return out
}
