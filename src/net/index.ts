/**
 * @packageDocumentation
 *
 * Networking for ipfs-publish, as a separate entry (`ipfs-publish/net`) so that
 * offline users never load libp2p: the node's libp2p settings, the HTTP gateway,
 * and the Pinning Service API client.
 *
 * @example Serve a repo over libp2p (loopback only) and HTTP
 *
 * ```ts
 * import { openRepo } from 'ipfs-publish'
 * import { withNetwork, startGateway } from 'ipfs-publish/net'
 *
 * const repo = await openRepo('.ipfs-publish', { configure: helia => withNetwork(helia, { net: 'local' }) })
 * const gateway = await startGateway(repo, { listen: '127.0.0.1:0' })
 * ```
 */
export { withNetwork, libp2pOptions, hasContentRouting, readNetConfig } from './node.js'
export type { NetMode, NetOptions } from './node.js'
export { startGateway } from './gateway.js'
export type { Gateway, GatewayOptions, GatewayStore } from './gateway.js'
export { withGateways } from './gateways.js'
export { dialPeers } from './dial.js'
export { networkFetch } from './fetch.js'
export type { FetchSources, FetchOptions, NetworkFetch } from './fetch.js'
export { PinningClient } from './pinning/client.js'
export type { PinState, PinStatus, PinningClientInit } from './pinning/client.js'
export { pinRemote } from './pinning/remote-pin.js'
export type { RemotePinOptions, RemotePinProgressEvents } from './pinning/remote-pin.js'
