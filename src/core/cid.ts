import { CID } from 'multiformats/cid'
import { InvalidCidError } from '../errors.js'

/** Parses a CID given by a user (also `/ipfs/<cid>` and `ipfs://<cid>`); InvalidCidError if it is not one. */
export function parseCid (input: string | CID): CID {
  if (typeof input !== 'string') return input
  const s = input.trim().replace(/^ipfs:\/\//, '').replace(/^\/ipfs\//, '').replace(/\/+$/, '')
  try {
    const cid = CID.parse(s)
    if (cid.multihash == null) throw new Error('no multihash')
    return cid
  } catch {
    throw new InvalidCidError(`"${input}" is not a valid CID`)
  }
}
