import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { PublishError, InvalidArticleError } from '../../errors.js'
import { buildBundle, METADATA_SCHEMA } from '../article/bundle.js'
import { buildDirDag } from '../unixfs/bundle-dag.js'
import { buildLink } from '../link.js'
import { encodeStatEntry, statFields } from '../store/stat-cache.js'
import { pinKeyOf } from '../store/pin-key.js'
import type { ArticleMetadata } from '../article/bundle.js'
import type { ArticleRecord } from '../store/article-index.js'
import type { StatEntry } from '../store/stat-cache.js'
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
  /** The source file's size, inode and times as it was read (for the stat cache). */
  stat: StatEntry['stat']
  /** What the index keeps and `publish --json` prints: CIDs as strings, the link. */
  record: ArticleRecord
  /**
   * The index entry and the stat-cache entry, already encoded: on a worker thread
   * this work (CIDs to text, the link, JSON) is done off the main thread, which
   * only stores them.
   */
  encoded: { record: Uint8Array, statEntry: Uint8Array }
}

/** What building needs besides the path and the profile. */
export interface BuildOptions extends AbortOptions {
  maxBytes?: number
  /** For the link; see {@link buildLink}. */
  gateway?: string
  linkTemplate?: string
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
 * Reads an article and builds its bundle's DAG in memory (nothing is stored),
 * with its index record and stat-cache entry. Articles are small: a synchronous
 * read costs a tenth of a promise-based one. The file's stat is taken on the
 * open file before it is read, so the stat cache never pairs older bytes with a
 * newer stat.
 */
export async function buildArticle (path: string, profile: CidProfile, options: BuildOptions = {}): Promise<BuiltArticle> {
  const { source, stat } = readWithStat(path)
  const bundle = buildBundle(source, basename(path), { maxBytes: options.maxBytes })
  const dag = await buildDirDag(bundle.files, profile, options)
  const { metadata } = bundle
  const warnings = bundle.article.warnings
  const record: ArticleRecord = {
    path,
    cid: dag.root.toString(),
    link: buildLink({ cid: dag.root, file: dag.files[0].name, slug: metadata.slug }, options.gateway, options.linkTemplate),
    title: metadata.title,
    date: metadata.date,
    categories: metadata.categories,
    files: dag.files.map(f => ({ name: f.name, cid: f.cid.toString(), bytes: f.bytes }))
  }
  const statEntry: StatEntry = { stat, profile: profile.name, schema: METADATA_SCHEMA, recordedAt: Date.now(), record, metadata, warnings }
  return {
    path,
    root: dag.root,
    blocks: dag.blocks,
    files: dag.files,
    metadata,
    warnings,
    source,
    stat,
    record,
    encoded: { record: Buffer.from(JSON.stringify(record)), statEntry: encodeStatEntry(statEntry, pinKeyOf(dag.root)) }
  }
}

function readWithStat (path: string): { source: Buffer, stat: StatEntry['stat'] } {
  const fd = openSync(path, 'r')
  try {
    const st = fstatSync(fd, { bigint: true })
    return { source: readFileSync(fd), stat: statFields(st) } // a directory: EISDIR
  } finally {
    closeSync(fd)
  }
}
