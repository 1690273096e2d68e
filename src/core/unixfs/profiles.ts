import { InvalidArgumentError } from '../../errors.js'
// every UnixFS node is encoded after a profile is chosen: the uint64 workaround is in place by then
import './uint64-fix.js'

/** The CID profiles of IPIP-499, as Kubo 0.40+ builds them. */
export type CidProfileName = 'unixfs-v1-2025' | 'unixfs-v0-2015'

/** Every parameter that decides a UnixFS DAG's CIDs. */
export interface CidProfile {
  name: CidProfileName
  cidVersion: 0 | 1
  rawLeaves: boolean
  chunkSize: number
  maxLinksPerNode: number
  /** A directory becomes a HAMT when its estimated size is greater than this. */
  hamtThresholdBytes: number
  /** How a directory's size is estimated: `links-bytes` sums name and CID lengths (legacy), `block-bytes` the serialized dag-pb size. */
  hamtSizeEstimation: 'links-bytes' | 'block-bytes'
  hamtFanout: number
}

/** The parameters of each profile (IPIP-499; Kubo's `test/cli/cid_profiles_test.go` is the reference). */
export const CID_PROFILES: Readonly<Record<CidProfileName, CidProfile>> = Object.freeze({
  'unixfs-v1-2025': {
    name: 'unixfs-v1-2025',
    cidVersion: 1,
    rawLeaves: true,
    chunkSize: 1_048_576,
    maxLinksPerNode: 1024,
    hamtThresholdBytes: 262_144,
    hamtSizeEstimation: 'block-bytes',
    hamtFanout: 256
  },
  'unixfs-v0-2015': {
    name: 'unixfs-v0-2015',
    cidVersion: 0,
    rawLeaves: false,
    chunkSize: 262_144,
    maxLinksPerNode: 174,
    hamtThresholdBytes: 262_144,
    hamtSizeEstimation: 'links-bytes',
    hamtFanout: 256
  }
})

/** The profile used when none is named. */
export const DEFAULT_CID_PROFILE: CidProfileName = 'unixfs-v1-2025'

/** Looks a profile up by name; throws InvalidArgumentError for an unknown one. */
export function getProfile (name: string = DEFAULT_CID_PROFILE): CidProfile {
  const profile = CID_PROFILES[name as CidProfileName]
  if (profile == null) {
    throw new InvalidArgumentError(`unknown CID profile "${name}" (choose ${Object.keys(CID_PROFILES).join(' or ')})`)
  }
  return profile
}
