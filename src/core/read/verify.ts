import { CustomProgressEvent } from 'progress-events'
import { VerificationError } from '../../errors.js'
import { readAll, walkDag } from '../unixfs/walk.js'
import { ArticleChecker, loadBundle } from './bundle-check.js'
import { parseCid, resolveEntry, toReadError } from './resolve.js'
import type { Blockstore } from 'interface-blockstore'
import type { AbortOptions } from 'abort-error'
import type { CID } from 'multiformats/cid'
import type { ProgressEvent, ProgressOptions } from 'progress-events'

export type VerifyProgressEvents =
  | ProgressEvent<'article:verify:block', { cid: CID, blocks: number, bytes: number }>

export interface VerifyOptions extends AbortOptions, ProgressOptions<VerifyProgressEvents> {}

export interface VerifyResult {
  cid: CID
  blocks: number
  bytes: number
  /** True when the CID is an ipfs-publish bundle and its metadata matched its article. */
  bundle: boolean
}

/**
 * Hashes every block reachable from a CID again (the blockstore given must
 * verify on read, as the repo's does) and, for an ipfs-publish bundle, checks the
 * article against `metadata.json`. Throws VerificationError or NotFoundError
 * naming the first bad or missing block.
 */
export async function verifyCid (cidInput: CID | string, blockstore: Pick<Blockstore, 'get'>, options: VerifyOptions = {}): Promise<VerifyResult> {
  const cid = parseCid(cidInput)
  const result: VerifyResult = { cid, blocks: 0, bytes: 0, bundle: false }
  const read = { signal: options.signal }
  try {
    for await (const { cid: next, bytes } of walkDag(cid, async c => readAll(blockstore.get(c, read)), read)) {
      result.blocks++
      result.bytes += bytes!.byteLength
      options.onProgress?.(new CustomProgressEvent('article:verify:block', { cid: next, blocks: result.blocks, bytes: result.bytes }))
    }
    const root = await resolveEntry(cid, blockstore, read)
    if (root.type === 'directory') {
      const metadata = await loadBundle(root, blockstore, read)
      if (metadata != null) {
        const checker = new ArticleChecker(metadata, cid)
        for await (const e of root.entries(read)) {
          if (e.name !== metadata.file.name) continue
          const article = await resolveEntry(e.cid, blockstore, read)
          if (article.type === 'directory' || article.type === 'object') throw new VerificationError(`${cid}: ${e.name} is not a file`)
          for await (const chunk of article.content(read)) checker.update(chunk)
        }
        checker.check()
        result.bundle = true
      }
    }
  } catch (err) {
    throw toReadError(err, cid)
  }
  return result
}
