import { CarWriter } from '@ipld/car/writer'
import { CustomProgressEvent } from 'progress-events'
import { InvalidArgumentError } from '../../errors.js'
import { parseCid } from '../cid.js'
import { toReadError } from '../read/resolve.js'
import { multihashKey, readAll, walkDag } from '../unixfs/walk.js'
import type { Blockstore } from 'interface-blockstore'
import type { AbortOptions } from 'abort-error'
import type { CID } from 'multiformats/cid'
import type { ProgressEvent, ProgressOptions } from 'progress-events'
import { streamed } from '../collect-young.js'

export type ExportProgressEvents =
  | ProgressEvent<'article:export:block', { cid: CID, blocks: number, bytes: number }>

export interface ExportOptions extends AbortOptions, ProgressOptions<ExportProgressEvents> {}

export interface ExportSummary { roots: CID[], blocks: number, bytes: number }

/**
 * Streams a CARv1 whose roots are `roots` and which holds every block of their
 * DAGs, depth first, each block once (identity blocks are inline in their CIDs
 * and not written). Blocks are read through `blockstore`, which verifies each
 * one. Memory does not grow with the archive: the CAR is yielded as it is made,
 * and the summary is the generator's return value.
 */
export async function * exportCar (rootsInput: Array<CID | string>, blockstore: Pick<Blockstore, 'get'>, options: ExportOptions = {}): AsyncGenerator<Uint8Array, ExportSummary> {
  if (rootsInput.length === 0) throw new InvalidArgumentError('name at least one CID to export (or `all`)')
  const roots = rootsInput.map(r => parseCid(r))
  const { writer, out } = CarWriter.create(roots)
  const summary: ExportSummary = { roots, blocks: 0, bytes: 0 }
  const producing = (async () => {
    try {
      const written = new Set<string>()
      for (const root of roots) {
        const read = async (cid: CID): Promise<Uint8Array> => {
          try {
            return await readAll(blockstore.get(cid, { signal: options.signal }))
          } catch (err) {
            throw toReadError(err, root)
          }
        }
        for await (const { cid, bytes } of walkDag(root, read, options)) {
          // each block once, even when roots share blocks
          if (written.has(multihashKey(cid))) continue
          written.add(multihashKey(cid))
          await writer.put({ cid, bytes: bytes! })
          summary.blocks++
          summary.bytes += bytes!.byteLength
          options.onProgress?.(new CustomProgressEvent('article:export:block', { cid, blocks: summary.blocks, bytes: summary.bytes }))
        }
      }
    } finally {
      await writer.close()
    }
  })()
  // errors from the producer reach the consumer once `out` ends
  producing.catch(() => {})
  for await (const chunk of out) { streamed(chunk.byteLength); yield chunk }
  await producing
  return summary
}
