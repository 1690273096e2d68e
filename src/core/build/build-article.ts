import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { PublishError, InvalidArticleError } from '../../errors.js'
import { buildBundle } from '../article/bundle.js'
import { buildDirDag } from '../unixfs/bundle-dag.js'
import type { ArticleMetadata } from '../article/bundle.js'
import type { Block } from '../unixfs/build-small-dir.js'
import type { CidProfile } from '../unixfs/profiles.js'
import type { AbortOptions } from 'abort-error'
import type { CID } from 'multiformats/cid'

/** An article read, bundled and hashed: everything publishing needs except the link and the store. */
export interface BuiltArticle {
  path: string
  root: CID
  blocks: Block[]
  files: Array<{ name: string, cid: CID, bytes: number }>
  metadata: ArticleMetadata
  warnings: string[]
  /** The source bytes (for --write-link). */
  source: Uint8Array
}

/** Turns what reading or parsing threw into a PublishError naming the file. */
export function asArticleError (err: unknown, path: string): PublishError {
  if (err instanceof PublishError) return err
  const e = err as NodeJS.ErrnoException
  if (e?.code === 'ENOENT') return new InvalidArticleError(`${path}: no such file or directory`)
  if (e?.code === 'EISDIR') return new InvalidArticleError(`${path}: is a directory`)
  if (e?.code === 'EACCES') return new InvalidArticleError(`${path}: permission denied`)
  return new InvalidArticleError(`${path}: ${e?.message ?? String(err)}`, { cause: err })
}

/**
 * Reads an article and builds its bundle's DAG in memory (nothing is stored).
 * Articles are small: a synchronous read costs a tenth of a promise-based one.
 */
export async function buildArticle (path: string, profile: CidProfile, options: AbortOptions & { maxBytes?: number } = {}): Promise<BuiltArticle> {
  const source = readFileSync(path)
  const bundle = buildBundle(source, basename(path), { maxBytes: options.maxBytes })
  const dag = await buildDirDag(bundle.files, profile, options)
  return { path, root: dag.root, blocks: dag.blocks, files: dag.files, metadata: bundle.metadata, warnings: bundle.article.warnings, source }
}
