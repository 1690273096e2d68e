import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import type { CidProfile } from './profiles.js'
import type { ImporterOptions } from 'ipfs-unixfs-importer'

/**
 * The importer options that build a profile's DAG. Every parameter is given
 * explicitly: `@helia/unixfs` passes its own defaults (CIDv1, raw leaves, 1 MiB
 * chunks, 1024 links) over the importer's `profile` option, so naming only the
 * profile would silently give v1 CIDs for `unixfs-v0-2015`.
 */
export function importerOptions (profile: CidProfile): ImporterOptions {
  return {
    cidVersion: profile.cidVersion,
    rawLeaves: profile.rawLeaves,
    leafType: 'file',
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: profile.chunkSize }),
    layout: balanced({ maxChildrenPerNode: profile.maxLinksPerNode }),
    shardSplitThresholdBytes: profile.hamtThresholdBytes,
    shardSplitStrategy: profile.hamtSizeEstimation,
    shardFanoutBits: Math.log2(profile.hamtFanout),
    fieldOrder: 'links-first',
    wrapWithDirectory: false
  }
}
