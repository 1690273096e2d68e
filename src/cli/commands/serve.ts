import { netOptions, resolveNetOptions } from '../net-options.js'
import type { Context } from '../context.js'
import type { Argv } from 'yargs'

export const command = 'serve'
export const describe = 'Run the node online until SIGINT/SIGTERM: serve the store over libp2p (bitswap) and an HTTP gateway'

export const builder = (y: Argv) => netOptions(y).option('delegates', { type: 'boolean', hidden: true })
  .option('gateway-listen', { type: 'string', default: '127.0.0.1:8080', describe: 'HTTP gateway host:port (port 0 allowed)' })
  .option('peer', { type: 'string', array: true, describe: 'multiaddr of a peer to dial at start (repeatable)' })
  .option('dns-resolver', { type: 'string', describe: 'DNS for /ipns/<domain> (DNSLink): a DNS-over-HTTPS URL or a DNS server (IP[:port]); default: the system resolver' })
  .option('rpc-listen', { type: 'string', describe: 'also serve the Kubo RPC API subset that CAR uploads use (dag/import, pin/add, pin/ls, version, id) on host:port (port 0 allowed); token from $IPFS_PUBLISH_RPC_TOKEN, required off loopback' })
  .option('rpc-max-body', { type: 'number', hidden: true, describe: 'the largest request body the RPC API takes, in bytes (default 8 GiB)' })
  .option('ipns-max-names', { type: 'number', default: 1000, hidden: true, describe: 'the most names of others whose records the repo keeps (gateway PUTs, the routing)' })
  .option('accept-name', { type: 'string', array: true, describe: 'an IPNS name whose records anyone may PUT to the gateway, besides this repo\'s keys and the names it holds a record of (repeatable; others need the token)' })
  .option('ipns-interval', { type: 'number', default: 1000, hidden: true, describe: 'ms between checks of the repo for new IPNS records' })
  .option('ipns-refresh-before', { type: 'string', default: '24h', hidden: true, describe: 'sign a record of this repo\'s keys again when less validity than this is left' })

interface ServeArgs { gatewayListen: string, rpcListen?: string, rpcMaxBody?: number, ipnsMaxNames: number, acceptName?: string[], peer?: string[], dnsResolver?: string, ipnsInterval: number, ipnsRefreshBefore: string }

export async function handler (args: ServeArgs, ctx: Context): Promise<void> {
  const { splitListen } = await import('../../net/loopback.js')
  splitListen(args.gatewayListen, '--gateway-listen')
  // the access token of the RPC API and of IPNS PUTs on the gateway: from the environment only
  const token = ctx.env.IPFS_PUBLISH_RPC_TOKEN != null && ctx.env.IPFS_PUBLISH_RPC_TOKEN !== '' ? ctx.env.IPFS_PUBLISH_RPC_TOKEN : undefined
  if (args.rpcListen != null) {
    const { checkRpcListen } = await import('../../net/rpc-server.js')
    checkRpcListen(args.rpcListen, token)
  }
  const { parseName } = await import('../../core/ipns/names.js')
  for (const n of args.acceptName ?? []) parseName(n) // a malformed name fails now, as a usage error
  const net = await resolveNetOptions(args)
  const { withNetwork, libp2pOptions, hasContentRouting } = await import('../../net/node.js')
  libp2pOptions(net) // validates the settings before the repo opens
  // the public network is the default: say so before joining it, and how to stay here
  if (net.net === 'public' && (args as any).net == null) {
    const parts = [net.bootstrap?.length !== 0 && 'bootstrap peers', net.dht !== false && 'the DHT', net.delegatedRouting !== false && 'delegated routing', net.mdns !== false && 'mDNS', net.upnp !== false && 'UPnP'].filter(Boolean)
    ctx.notice(`serve joins the public IPFS network${parts.length > 0 ? ` (${parts.join(', ')})` : ''}; --net local keeps it on this machine`)
  }
  const repo = await ctx.repo({ configure: helia => withNetwork(helia, net), create: true, prefetchReads: true })
  const libp2p = (repo.helia as any).libp2p
  const { dialPeers } = await import('../../net/dial.js')
  await dialPeers(libp2p, args.peer ?? [], { signal: ctx.signal })
  // IPNS: the gateway's /ipns/, records put to the routing (the DHT: public, or --net local --dht), kept alive
  const { startNames } = await import('../../net/names-service.js')
  const { parseDuration } = await import('../parse-size.js')
  const names = startNames(repo, {
    routing: hasContentRouting(net) || (net.net === 'local' && net.dht === true),
    dnsResolver: args.dnsResolver,
    local: net.net === 'local',
    intervalMs: args.ipnsInterval,
    refreshBeforeMs: parseDuration(args.ipnsRefreshBefore, '--ipns-refresh-before'),
    signal: ctx.signal,
    warn: line => { if (!ctx.signal.aborted) ctx.warn(line) },
    onPut: name => { ctx.info(`put the record of /ipns/${name} to the routing`) },
    acceptNames: args.acceptName,
    maxNames: args.ipnsMaxNames,
    token
  })
  const { startGateway } = await import('../../net/gateway.js')
  const gateway = await startGateway(repo, { listen: args.gatewayListen, names: names.names })
  let rpc: Awaited<ReturnType<typeof import('../../net/rpc-server.js').startRpcServer>> | undefined
  if (args.rpcListen != null) {
    const { startRpcServer } = await import('../../net/rpc-server.js')
    const { publicKeyToProtobuf } = await import('@libp2p/crypto/keys')
    const { packageVersion } = await import('../../core/package-version.js')
    try {
      rpc = await startRpcServer(repo, {
        listen: args.rpcListen,
        token,
        peerId: libp2p.peerId.toString(),
        publicKey: Buffer.from(publicKeyToProtobuf(libp2p.peerId.publicKey)).toString('base64'),
        addresses: () => libp2p.getMultiaddrs().map(String),
        protocols: () => libp2p.getProtocols(),
        version: packageVersion(),
        maxBodyBytes: args.rpcMaxBody,
        log: line => { ctx.warn(line) }
      })
    } catch (err) {
      await gateway.close()
      throw err
    }
    if (token == null) ctx.notice(`the RPC API at ${rpc.url} takes no token: it listens on loopback only (set IPFS_PUBLISH_RPC_TOKEN to require one)`)
  }
  if (hasContentRouting(net)) {
    // announce the pinned roots to content routing, and then each root that a publish in
    // another process pins, in the background: failures are only logged
    const { watchPins } = await import('../../net/announce.js')
    void watchPins(repo, async (cid) => {
      await repo.helia.routing.provide(cid, { signal: ctx.signal }).catch((err: Error) => { if (!ctx.signal.aborted) ctx.warn(`could not announce ${cid}: ${err.message}`) })
    }, { signal: ctx.signal }).catch(() => {})
  }
  try {
    const ready = { peerId: libp2p.peerId.toString(), multiaddrs: libp2p.getMultiaddrs().map(String), gateway: gateway.url, ...(rpc != null ? { rpc: rpc.url } : {}) }
    if (ctx.json) await ctx.out(JSON.stringify(ready) + '\n')
    else await ctx.out(`peer ID  ${ready.peerId}\n${ready.multiaddrs.map((m: string) => `listen   ${m}\n`).join('')}gateway  ${ready.gateway}\n${rpc != null ? `rpc      ${rpc.url}\n` : ''}`)
    await new Promise<void>(resolve => {
      if (ctx.signal.aborted) resolve()
      ctx.signal.addEventListener('abort', () => resolve(), { once: true })
    })
    ctx.info('shutting down')
  } finally {
    await rpc?.close()
    await gateway.close()
    await names.done
  }
}
