import { fsError } from '../fs/fs-error.js'
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { VerificationError } from '../../errors.js'
import { buildBundle } from '../article/bundle.js'
import { buildDirDag } from '../unixfs/bundle-dag.js'
import { getProfile } from '../unixfs/profiles.js'
import { parseCid } from './resolve.js'
import type { CidProfileName } from '../unixfs/profiles.js'
import type { AbortOptions } from 'abort-error'
import type { CID } from 'multiformats/cid'

export interface VerifyFileOptions extends AbortOptions {
  /** The profile to build with; by default inferred from the CID (v0 → unixfs-v0-2015, v1 → unixfs-v1-2025). */
  cidProfile?: CidProfileName
  maxBytes?: number
}

/**
 * Checks that the article at `path` publishes to `cid`, offline and without a
 * repo. Throws VerificationError naming both CIDs when it does not.
 */
export async function verifyArticleFile (cidInput: CID | string, path: string, options: VerifyFileOptions = {}): Promise<{ cid: CID, path: string }> {
  const cid = parseCid(cidInput)
  const profile = getProfile(options.cidProfile ?? (cid.version === 0 ? 'unixfs-v0-2015' : 'unixfs-v1-2025'))
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err: any) {
    throw fsError(err, path)
  }
  const bundle = buildBundle(bytes, basename(path), { maxBytes: options.maxBytes })
  const dag = await buildDirDag(bundle.files, profile, options)
  if (!dag.root.equals(cid)) {
    throw new VerificationError(`${path} publishes to ${dag.root} (${profile.name}), not ${cid}`)
  }
  return { cid, path }
}
