import { base36 } from 'multiformats/bases/base36'
import type { CID } from 'multiformats/cid'

/**
 * The datastore key under which Helia's pinning API records a pin of `cid`
 * (`/pin/<CIDv1 in base36>`, helia/src/pins.ts). Knowing it lets a republish ask
 * "is this root pinned?" with one read instead of decoding a CID per article;
 * tests/core/store/pin-key.test.ts checks it against the record Helia's `pins.add`
 * writes and the pins `pins.ls` lists, so a change of Helia's layout fails there.
 */
export function pinKeyOf (cid: CID): string {
  return `/pin/${(cid.version === 0 ? cid.toV1() : cid).toString(base36)}`
}
