import { CID } from 'multiformats/cid'
import { PublishError } from '../../errors.js'
import type { ErrorCode } from '../../errors.js'
import type { ArticleMetadata } from '../article/bundle.js'
import type { CidProfileName } from '../unixfs/profiles.js'
import type { BuiltArticle } from './build-article.js'
import type { GatewayStyle } from '../link.js'

/** What the main thread asks a build worker. */
export interface BuildRequest {
  id: number
  paths: string[]
  profile: CidProfileName
  maxBytes?: number
  gateway?: string
  linkTemplate?: string
  gatewayStyle?: GatewayStyle
  /** Send each article's source bytes back (only `--write-link` needs them). */
  withSource?: boolean
}

const NO_SOURCE = new Uint8Array(0)

/**
 * One article as it crosses from the worker: each block's CID as bytes, once;
 * the root and the files as indexes into the blocks (they are among them); the
 * source only when asked for. Every byte sent is copied once more on the main
 * thread, which is the busier one.
 */
export type WireResult =
  | { ok: true, path: string, blocks: Array<[Uint8Array, Uint8Array]>, root: number, files: Array<[string, number, number]>, metadata: ArticleMetadata, warnings: string[], source?: Uint8Array, stat: BuiltArticle['stat'], record: BuiltArticle['record'], encoded: BuiltArticle['encoded'] }
  | { ok: false, path: string, error: { name: string, code: ErrorCode, message: string } }

/** An article for the wire (on the worker). */
export function toWire (a: BuiltArticle, withSource: boolean): WireResult {
  const index = new Map<string, number>()
  const blocks = a.blocks.map((b, i): [Uint8Array, Uint8Array] => { index.set(b.cid.toString(), i); return [b.cid.bytes, b.bytes] })
  const at = (cid: CID): number => {
    const i = index.get(cid.toString())
    if (i == null) throw new Error(`${a.path}: block ${cid} of the bundle was not built`)
    return i
  }
  return {
    ok: true,
    path: a.path,
    blocks,
    root: at(a.root),
    files: a.files.map(f => [f.name, at(f.cid), f.bytes]),
    metadata: a.metadata,
    warnings: a.warnings,
    source: withSource ? a.source : undefined,
    stat: a.stat,
    record: a.record,
    encoded: a.encoded
  }
}

/** Back to a BuiltArticle or a PublishError (on the main thread). */
export function fromWire (r: WireResult): BuiltArticle | PublishError {
  if (!r.ok) return new PublishError(r.error.message, r.error.name, r.error.code)
  const blocks = r.blocks.map(([cid, bytes]) => ({ cid: CID.decode(cid), bytes }))
  return {
    path: r.path,
    root: blocks[r.root].cid,
    blocks,
    files: r.files.map(([name, i, bytes]) => ({ name, cid: blocks[i].cid, bytes })),
    metadata: r.metadata,
    warnings: r.warnings,
    source: r.source ?? NO_SOURCE,
    stat: r.stat,
    record: r.record,
    encoded: r.encoded
  }
}
