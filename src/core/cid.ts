import { bases } from 'multiformats/basics'
import { CID } from 'multiformats/cid'
import { InvalidCidError } from '../errors.js'

/**
 * A CID from its text in any multibase, as Kubo reads one (`BAFY…` and `bafy…` are
 * the same CID); CIDv0 as `Qm…`. Throws multiformats' error when it is not one.
 */
export function parseCidText (text: string): CID {
  const c = text[0]
  if (c === 'b' || c === 'z' || c === 'Q' || c === 'k' || c == null) return CID.parse(text)
  const prefix = String.fromCodePoint(text.codePointAt(0) ?? 0)
  const base = Object.values(bases).find(b => b.prefix === prefix)
  if (base == null) throw new Error(`unknown multibase prefix "${prefix}"`)
  return CID.parse(text, base.decoder)
}

/** Parses a CID given by a user (also `/ipfs/<cid>` and `ipfs://<cid>`); InvalidCidError if it is not one. */
export function parseCid (input: string | CID): CID {
  if (typeof input !== 'string') {
    // a CID made by another copy of multiformats (the caller's) becomes one of ours: some
    // readers (ipfs-unixfs-exporter) accept only their own copy's CIDs
    const cid = CID.asCID(input)
    if (cid == null) throw new InvalidCidError(`${String(input)} is not a CID`)
    return cid
  }
  const s = input.trim().replace(/^ipfs:\/\//, '').replace(/^\/ipfs\//, '').replace(/\/+$/, '')
  try {
    const cid = parseCidText(s)
    if (cid.multihash == null) throw new Error('no multihash')
    return cid
  } catch {
    throw new InvalidCidError(`"${input}" is not a valid CID`)
  }
}

/** An IPFS path as a user gives it: `<cid>[/name…]`, also `/ipfs/<cid>/…` and `ipfs://<cid>/…`. */
export interface IpfsPath { cid: CID, segments: string[] }

/**
 * Parses an IPFS path (a CID, then names inside its DAG). A `.` or `..` segment
 * is refused: names are looked up in the DAG, never resolved against each other.
 */
export function parseIpfsPath (input: string): IpfsPath {
  const s = input.trim().replace(/^ipfs:\/\//, '').replace(/^\/ipfs\//, '')
  const [first, ...rest] = s.split('/')
  const cid = parseCid(first)
  const segments = rest.filter(seg => seg !== '')
  for (const seg of segments) {
    if (seg === '.' || seg === '..') throw new InvalidCidError(`"${input}": a path inside a CID may not contain . or .. segments`)
  }
  return { cid, segments }
}
