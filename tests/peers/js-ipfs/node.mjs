// A js-ipfs 0.66 node for the tests, offline (no libp2p at all: no traffic leaves the process
// but its two HTTP servers on 127.0.0.1), serving the Kubo RPC API and the HTTP gateway.
// Prints {"api":"http://127.0.0.1:…","gateway":"http://127.0.0.1:…"} once ready; stops on
// SIGTERM or after LIMIT_MS. It sits beside the peer's own node_modules, which it imports.
import { create } from 'ipfs-core'
import { HttpApi } from 'ipfs-http-server'
import { HttpGateway } from 'ipfs-http-gateway'

const [repoDir] = process.argv.slice(2)

const limit = setTimeout(() => process.exit(0), Number(process.env.LIMIT_MS ?? 120_000))
const ipfs = await create({
  repo: repoDir,
  offline: true,
  preload: { enabled: false },
  silent: true,
  config: {
    Addresses: { API: '/ip4/127.0.0.1/tcp/0', Gateway: '/ip4/127.0.0.1/tcp/0', Swarm: [], Delegates: [] },
    Bootstrap: [],
    Discovery: { MDNS: { Enabled: false }, webRTCStar: { Enabled: false } }
  }
})
const api = new HttpApi(ipfs)
await api.start()
const gateway = new HttpGateway(ipfs)
await gateway.start()
const url = (server) => `http://127.0.0.1:${server.info.port}`
process.stdout.write(JSON.stringify({ api: url(api._apiServers[0]), gateway: url(gateway._gatewayServers[0]) }) + '\n')
const stop = async () => { clearTimeout(limit); await gateway.stop(); await api.stop(); await ipfs.stop(); process.exit(0) }
process.on('SIGTERM', () => { void stop() })
process.on('SIGINT', () => { void stop() })
