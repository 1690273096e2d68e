import { fsError } from '../fs/fs-error.js'
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs'
import { DEFAULT_MAX_ARTICLE_BYTES } from '../defaults.js'
import { basename } from 'node:path'
import { PublishError, InvalidArticleError } from '../../errors.js'
import { buildBundle, METADATA_SCHEMA } from '../article/bundle.js'
import { buildDirDag } from '../unixfs/bundle-dag.js'
import { buildLink } from '../link.js'
import type { GatewayStyle } from '../link.js'
import { encodeStatEntry, statFields } from '../store/stat-cache.js'
import { pinKeyOf } from '../store/pins.js'
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
  /** The source file's size, inode and times as it was read (for the stat cache); null for bytes from standard input. */
  stat: StatEntry['stat'] | null
  /** What the index keeps and `publish --json` prints: CIDs as strings, the link. */
  record: ArticleRecord
  /**
   * The index entry and the stat-cache entry, already encoded: on a worker thread
   * this work (CIDs to text, the link, JSON) is done off the main thread, which
   * only stores them.
   */
  encoded: { record: Uint8Array, statEntry: Uint8Array | null }
}

/** What building needs besides the path and the profile. */
export interface BuildOptions extends AbortOptions {
  maxBytes?: number
  /** For the link; see {@link buildLink}. */
  gateway?: string
  linkTemplate?: string
  gatewayStyle?: GatewayStyle
}

/** Turns what reading or parsing threw into a PublishError naming the file. */
export function asArticleError (err: unknown, path: string): PublishError {
  if (err instanceof PublishError) return err
  const e = err as NodeJS.ErrnoException
  // a path that is not there, a folder, no permission: as for every file named (fs-error.ts)
  if (['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM'].includes(e?.code ?? '')) return fsError(err, path)
  // opened without blocking, a socket (or a FIFO or device with nothing behind it) answers ENXIO
  if (e?.code === 'ENXIO') return new InvalidArticleError(`${path}: a socket or device, not a regular file: refused`)
  // Node's message names the absolute path again (", open '/abs/…'"): the path is named once, as given
  const message = String(e?.message ?? err).replace(/, \w+ '[^']*'$/, '')
  return new InvalidArticleError(`${path}: ${message}`, { cause: err })
}

/**
 * Reads an article and builds its bundle's DAG in memory (nothing is stored),
 * with its index record and stat-cache entry. Articles are small: a synchronous
 * read costs a tenth of a promise-based one. The file's stat is taken on the
 * open file before it is read, so the stat cache never pairs older bytes with a
 * newer stat.
 */
export async function buildArticle (path: string, profile: CidProfile, options: BuildOptions = {}): Promise<BuiltArticle> {
  const { source, stat } = readWithStat(path, options.maxBytes ?? DEFAULT_MAX_ARTICLE_BYTES)
  return await buildArticleFrom(path, source, stat, profile, options)
}

/**
 * Builds an article from bytes already read: `path` names it (its file name is the
 * bundle's), `stat` is the file's as read, or null for bytes that came from no
 * file (standard input): those get no stat-cache entry.
 */
export async function buildArticleFrom (path: string, source: Uint8Array, stat: StatEntry['stat'] | null, profile: CidProfile, options: BuildOptions = {}): Promise<BuiltArticle> {
  const bundle = buildBundle(source, basename(path), { maxBytes: options.maxBytes })
  const dag = await buildDirDag(bundle.files, profile, options)
  const { metadata } = bundle
  const warnings = bundle.article.warnings
  const record: ArticleRecord = {
    path,
    cid: dag.root.toString(),
    link: buildLink({ cid: dag.root, file: dag.files[0].name, slug: metadata.slug }, options.gateway, options.linkTemplate, options.gatewayStyle),
    title: metadata.title,
    date: metadata.date,
    categories: metadata.categories,
    files: dag.files.map(f => ({ name: f.name, cid: f.cid.toString(), bytes: f.bytes }))
  }
  const statEntry: StatEntry | null = stat == null ? null : { stat, profile: profile.name, schema: METADATA_SCHEMA, recordedAt: Date.now(), record, metadata, warnings }
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
    encoded: { record: Buffer.from(JSON.stringify(record)), statEntry: statEntry == null ? null : encodeStatEntry(statEntry, pinKeyOf(dag.root)) }
  }
}

/** What kind of file a stat describes, for an error. */
function kindOf (st: { isFIFO(): boolean, isCharacterDevice(): boolean, isBlockDevice(): boolean, isSocket(): boolean, isDirectory(): boolean }): string {
  return st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : st.isDirectory() ? 'a directory' : 'not a regular file'
}

/**
 * Opens an article without blocking (a FIFO would otherwise hold open() for good),
 * refuses anything but a regular file before reading a byte, and reads at most
 * `maxBytes` + 1 bytes: a file over the limit costs no more memory than the limit.
 */
function readWithStat (path: string, maxBytes: number): { source: Buffer, stat: StatEntry['stat'] } {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  try {
    const st = fstatSync(fd, { bigint: true })
    if (!st.isFile()) {
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' })
      throw new InvalidArticleError(`${path}: ${kindOf(st)}, not a regular file: refused`)
    }
    if (st.size > BigInt(maxBytes)) throw new InvalidArticleError(`${path}: the file is ${st.size} bytes, over the article size limit of ${maxBytes} bytes (raise \`maxBytes\`, or add it as a plain file)`)
    const want = Math.min(Number(st.size), maxBytes) + 1
    const buf = Buffer.allocUnsafe(want)
    let got = 0
    for (let n; got < want && (n = readSync(fd, buf, got, want - got, null)) > 0;) got += n
    // grown past the limit since its stat: refused, having read no more than the limit
    if (got > maxBytes) throw new InvalidArticleError(`${path}: the file grew over the article size limit of ${maxBytes} bytes while it was read`)
    return { source: buf.subarray(0, got), stat: statFields(st) }
  } finally {
    closeSync(fd)
  }
}
