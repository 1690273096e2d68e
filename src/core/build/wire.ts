import { CID } from 'multiformats/cid'
import { PublishError } from '../../errors.js'
import type { ErrorCode } from '../../errors.js'
import type { ArticleMetadata } from '../article/bundle.js'
import type { CidProfileName } from '../unixfs/profiles.js'
import type { BuiltArticle } from './build-article.js'

/** What the main thread asks a build worker. */
export interface BuildRequest { id: number, paths: string[], profile: CidProfileName, maxBytes?: number, gateway?: string, linkTemplate?: string }

/** One article as it crosses from the worker: CIDs as bytes, errors as plain fields. */
export type WireResult =
  | { ok: true, path: string, root: Uint8Array, blocks: Array<[Uint8Array, Uint8Array]>, files: Array<[string, Uint8Array, number]>, metadata: ArticleMetadata, warnings: string[], source: Uint8Array, stat: BuiltArticle['stat'], record: BuiltArticle['record'], encoded: BuiltArticle['encoded'] }
  | { ok: false, path: string, error: { name: string, code: ErrorCode, message: string } }

/** Back to a BuiltArticle or a PublishError. */
export function fromWire (r: WireResult): BuiltArticle | PublishError {
  if (!r.ok) return new PublishError(r.error.message, r.error.name, r.error.code)
  return {
    path: r.path,
    root: CID.decode(r.root),
    blocks: r.blocks.map(([cid, bytes]) => ({ cid: CID.decode(cid), bytes })),
    files: r.files.map(([name, cid, bytes]) => ({ name, cid: CID.decode(cid), bytes })),
    metadata: r.metadata,
    warnings: r.warnings,
    source: r.source,
    stat: r.stat,
    record: r.record,
    encoded: r.encoded
  }
}
