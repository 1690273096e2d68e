export { parseCid } from '../cid.js'
import { exporter } from 'ipfs-unixfs-exporter'
import { NotFoundError, PublishError, VerificationError } from '../../errors.js'
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
  if (NOT_UNIXFS.has(e?.name)) return new VerificationError(`${cid} is not a valid UnixFS DAG: ${e.message}`, { cause: err })
  return err
}

/** What ipfs-unixfs-exporter throws for blocks that hashed right but are not a UnixFS DAG it can read. */
const NOT_UNIXFS = new Set(['NotUnixFSError', 'OverReadError', 'UnderReadError', 'NoResolverError'])

/** True for an error of {@link toReadError} that says the content is not valid UnixFS (its blocks matched their hashes: the content's fault, not the copy's). */
export function isNotUnixFS (err: unknown): boolean {
  return err instanceof VerificationError && NOT_UNIXFS.has((err.cause as Error | undefined)?.name ?? '')
}

/** Resolves a CID to its UnixFS entry, every block it reads verified. */
export async function resolveEntry (cid: CID, blockstore: Pick<Blockstore, 'get'>, options: AbortOptions = {}): Promise<UnixFSEntry> {
  try {
    return await exporter(cid, blockstore, options)
  } catch (err) {
    throw toReadError(err, cid)
  }
}

/**
 * Resolves a path inside a CID (`<cid>/<name>/…`) to its entry, one name at a
 * time, every block verified. A path that goes on past a file is NotFoundError
 * ("no such path, <cid>/… is a file"), as a missing name is, whether the file is
 * one block or many (ipfs-unixfs-exporter, given the whole path, reads the root
 * of a file of several blocks as a damaged folder).
 */
export async function resolvePath (cid: CID, segments: string[], blockstore: Pick<Blockstore, 'get'>, options: AbortOptions = {}): Promise<UnixFSEntry> {
  const shown = [cid.toString(), ...segments].join('/')
  let entry = await resolveEntry(cid, blockstore, options)
  for (let i = 0; i < segments.length; i++) {
    const here = [cid.toString(), ...segments.slice(0, i)].join('/')
    if (entry.type === 'object') {
      // a path inside dag-cbor or dag-json is the exporter's to follow
      return await exporterOrNotFound(`${entry.cid}/${segments.slice(i).join('/')}`, `${shown}: no such path in ${here}`)
    }
    if (entry.type !== 'directory') {
      const what = entry.type === 'file' && entry.unixfs.type === 'symlink' ? 'a symlink (not followed)' : 'a file'
      throw new NotFoundError(`${shown}: no such path, ${here} is ${what}`)
    }
    entry = await exporterOrNotFound(`${entry.cid}/${segments[i]}`, `${shown}: no such path, ${here} has no entry ${JSON.stringify(segments[i])}`)
  }
  return entry

  async function exporterOrNotFound (path: string, message: string): Promise<UnixFSEntry> {
    try {
      return await exporter(path, blockstore, options)
    } catch (err: any) {
      // the exporter's NotFoundError is a name missing from a folder; ours (a block not in the store) passes through
      if (!(err instanceof PublishError) && (err?.name === 'NotFoundError' || err?.code === 'ERR_NOT_FOUND')) throw new NotFoundError(message)
      throw toReadError(err, cid)
    }
  }
}
