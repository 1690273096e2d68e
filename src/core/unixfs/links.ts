import * as dagPb from '@ipld/dag-pb'
import * as raw from 'multiformats/codecs/raw'
import { VerificationError } from '../../errors.js'
import type { CID } from 'multiformats/cid'

/** The CIDs a block links to (dag-pb and raw; identity CIDs carry their block). */
export function blockLinks (cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code === raw.code) return []
  if (cid.code === dagPb.code) {
    try {
      return dagPb.decode(bytes).Links.map(l => l.Hash)
    } catch (err: any) {
      throw new VerificationError(`block ${cid} is not valid dag-pb: ${err.message}`)
    }
  }
  throw new VerificationError(`block ${cid} has codec 0x${cid.code.toString(16)}, which ipfs-publish does not walk`)
}
