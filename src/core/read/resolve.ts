export { parseCid } from '../cid.js'
import { exporter } from 'ipfs-unixfs-exporter'
import { PublishError, VerificationError } from '../../errors.js'
import type { Blockstore } from 'interface-blockstore'
import type { AbortOptions } from 'abort-error'
import type { UnixFSEntry } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'

/** Maps what the exporter throws to our errors; ours pass through. */
export function toReadError (err: unknown, cid: CID): unknown {
  if (err instanceof PublishError) {
    // name the CID asked for as well as the block at fault
    const root = cid.toString()
    if ((err.code === 'ERR_VERIFICATION_FAILED' || err.code === 'ERR_NOT_FOUND') && !err.message.includes(root)) {
      const Ctor = err.constructor as new (message: string, options?: { cause?: unknown }) => PublishError
      return new Ctor(`${root}: ${err.message}`, { cause: err })
    }
    return err
  }
  if ((err as Error)?.name === 'AbortError') return err
  const e = err as Error
  switch (e?.name) {
    case 'NotUnixFSError':
    case 'OverReadError':
    case 'UnderReadError':
    case 'NoResolverError':
      return new VerificationError(`${cid} is not a valid UnixFS DAG: ${e.message}`, { cause: err })
    default:
      return err
  }
}

/** Resolves a CID to its UnixFS entry, every block it reads verified. */
export async function resolveEntry (cid: CID, blockstore: Pick<Blockstore, 'get'>, options: AbortOptions = {}): Promise<UnixFSEntry> {
  try {
    return await exporter(cid, blockstore, options)
  } catch (err) {
    throw toReadError(err, cid)
  }
}
