import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasContentRouting, libp2pOptions, readNetConfig } from '../../src/net/node.js'
import { resolveNetOptions } from '../../src/cli/net-options.js'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'
import { serve } from '../helpers/serve.js'

// These build libp2p configurations only: nothing here starts a node on the public network.
describe('network configuration', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { tmp = await tempDir() })
  afterAll(async () => { await tmp.cleanup() })

  it('local: loopback listen addresses, no discovery, no routing services, dials only loopback', () => {
    const o: any = libp2pOptions({ net: 'local' })
    expect(o.addresses.listen).toEqual(['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'])
    expect(o.peerDiscovery).toEqual([])
    expect(Object.keys(o.services)).toEqual(['identify'])
    expect(o.connectionGater.denyDialMultiaddr({ toString: () => '/ip4/203.0.113.7/tcp/4001' })).toBe(true)
    expect(o.connectionGater.denyDialMultiaddr({ toString: () => '/ip4/127.0.0.1/tcp/4001' })).toBe(false)
    expect(hasContentRouting({ net: 'local' })).toBe(false)
  })

  it('local refuses non-loopback listen addresses and public-network switches', () => {
    expect(() => libp2pOptions({ net: 'local', listen: ['/ip4/0.0.0.0/tcp/0'] })).toThrow(/loopback/)
    expect(() => libp2pOptions({ net: 'local', mdns: true })).toThrow(/--mdns/)
    expect(() => libp2pOptions({ net: 'local', bootstrap: ['/dnsaddr/bootstrap.libp2p.io'] })).toThrow(/--bootstrap/)
  })

  it('public: Helia\'s defaults, with each part switchable', () => {
    const all: any = libp2pOptions({ net: 'public' })
    expect(all.peerDiscovery).toHaveLength(2)
    expect(all.services).toHaveProperty('dht')
    expect(all.services).toHaveProperty('upnp')
    expect(all.services).toHaveProperty('delegatedContentRouting')
    expect(hasContentRouting({ net: 'public' })).toBe(true)
    const none: any = libp2pOptions({ net: 'public', bootstrap: [], mdns: false, dht: false, delegatedRouting: false, upnp: false })
    expect(none.peerDiscovery).toEqual([])
    for (const s of ['dht', 'upnp', 'delegatedContentRouting', 'delegatedPeerRouting']) expect(none.services).not.toHaveProperty(s)
    expect(hasContentRouting({ net: 'public', dht: false, delegatedRouting: false })).toBe(false)
    const own: any = libp2pOptions({ net: 'public', bootstrap: ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWAdL6dcZAPspVGAwzZYHMBR3hBaBtjyb5yjenckf7QfH9'], mdns: false })
    expect(own.peerDiscovery).toHaveLength(1)
    expect(() => libp2pOptions({ net: 'public', bootstrap: ['nonsense'] })).toThrow(/not a multiaddr/)
  })

  it('a config file sets the same things; flags win over it', async () => {
    const file = join(tmp.path, 'net.json')
    await writeFile(file, JSON.stringify({ net: 'public', mdns: false, upnp: false, bootstrap: [] }))
    expect(await readNetConfig(file)).toEqual({ net: 'public', mdns: false, upnp: false, bootstrap: [] })
    expect(await resolveNetOptions({ config: file, net: 'local', mdns: undefined })).toMatchObject({ net: 'local', mdns: false })
    await writeFile(join(tmp.path, 'bad.json'), JSON.stringify({ nett: 'local' }))
    await expect(readNetConfig(join(tmp.path, 'bad.json'))).rejects.toThrow(/unknown key "nett"/)
    await expect(readNetConfig(join(tmp.path, 'none.json'))).rejects.toThrow(/no such file/)
  })

  it('serve --config with {"net": "local"} runs on loopback', async () => {
    const file = join(tmp.path, 'local.json')
    await writeFile(file, JSON.stringify({ net: 'local' }))
    const repo = join(tmp.path, 'repo')
    await cli(['--repo', repo, 'publish', SAMPLE, '-q'])
    const s = await serve(repo, ['--config', file])
    try {
      for (const m of s.multiaddrs) expect(m).toMatch(/^\/ip4\/127\.0\.0\.1\//)
    } finally {
      await s.stop()
    }
  })

  it('--no-bootstrap means no bootstrap peers, with --net public or local (as yargs parses it)', async () => {
    expect(await resolveNetOptions({ bootstrap: [false] })).toMatchObject({ net: 'public', bootstrap: [] })
    expect(await resolveNetOptions({ bootstrap: false, net: 'local' })).toMatchObject({ net: 'local', bootstrap: [] })
    expect(await resolveNetOptions({ bootstrap: ['/ip4/127.0.0.1/tcp/4001'] })).toMatchObject({ bootstrap: ['/ip4/127.0.0.1/tcp/4001'] })
    expect(() => libp2pOptions({ net: 'local', bootstrap: [] })).not.toThrow()
    const repo = join(tmp.path, 'repo-nb')
    const s = await serve(repo, ['--no-bootstrap'])
    try {
      for (const m of s.multiaddrs) expect(m).toMatch(/^\/ip4\/127\.0\.0\.1\//)
    } finally {
      await s.stop()
    }
  })
})
