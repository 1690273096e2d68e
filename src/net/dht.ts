import { IPNSEntry, ipnsSelector, ipnsValidator } from '@helia/ipns'
import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'

/** The keychain part the IPNS validator uses: reading the public key a record or name carries. */
const keys = { loadPublicKeyFromProtobuf: (buf: Uint8Array) => publicKeyFromProtobuf(buf) } as any

/**
 * A DHT of the peers on this machine (`--net local --dht`): the LAN protocol,
 * server mode, no bootstrap (its peers are those dialled with `--peer` and
 * those that dial in, on loopback only), and the IPNS validator and selector,
 * so that it carries signed names and refuses a record with a bad signature or
 * a lower sequence number.
 */
export function localDhtServices (): Record<string, any> {
  return {
    ping: ping(),
    dht: kadDHT({
      protocol: '/ipfs/lan/kad/1.0.0',
      clientMode: false,
      peerInfoMapper: passthroughMapper,
      allowQueryWithZeroPeers: true,
      ...ipnsRecordRules()
    })
  }
}

/** The Amino DHT of Helia's public defaults, able to carry IPNS records (Helia's default DHT has no IPNS validator, so it would refuse to put one). */
export function publicDht (): any {
  return kadDHT(ipnsRecordRules())
}

/** The DHT's rules for `/ipns/` records: the IPNS validator (signature, expiry) and selector (highest sequence number, then longest validity). */
function ipnsRecordRules (): { validators: Record<string, any>, selectors: Record<string, any> } {
  return {
    validators: { ipns: async (key: Uint8Array, value: Uint8Array) => { await ipnsValidator(key, value, keys) } },
    selectors: { ipns: (key: Uint8Array, records: Uint8Array[]) => ipnsSelector(key, records.map(r => IPNSEntry.decode(r))) }
  }
}
