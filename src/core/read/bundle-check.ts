import { BUNDLE_FILES } from '../article/bundle-files.js'
import { createHash } from 'node:crypto'
import { VerificationError } from '../../errors.js'
import { METADATA_SCHEMA } from '../article/bundle.js'
import { resolveEntry } from './resolve.js'
import { readAll } from '../read-all.js'
import type { ArticleMetadata } from '../article/bundle.js'
import type { Blockstore } from 'interface-blockstore'
import type { AbortOptions } from 'abort-error'
import type { UnixFSDirectory, UnixFSDirectoryEntry } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'

/** Largest metadata.json read when checking a bundle. */
export const MAX_METADATA_BYTES = 1024 * 1024

/**
 * Reads a directory's `metadata.json` and returns it when it is ours (schema
 * `ipfs-publish/article-metadata@…`), or undefined for any other directory.
 */
export function parseBundleMetadata (bytes: Uint8Array, root: CID): ArticleMetadata | undefined {
  if (bytes.byteLength > MAX_METADATA_BYTES) return undefined
  let data: any
  try {
    data = JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    return undefined
  }
  if (typeof data?.schema !== 'string' || !data.schema.startsWith('ipfs-publish/article-metadata@')) return undefined
  if (data.schema !== METADATA_SCHEMA) {
    throw new VerificationError(`${root}: metadata.json has schema ${data.schema}, which this version cannot check`)
  }
  const f = data.file
  if (typeof f?.name !== 'string' || typeof f?.bytes !== 'number' || typeof f?.sha256 !== 'string') {
    throw new VerificationError(`${root}: metadata.json has no valid "file" entry (name, bytes, sha256)`)
  }
  return data as ArticleMetadata
}

/** Incrementally hashes an article's bytes and checks them against its bundle's metadata. */
export class ArticleChecker {
  private readonly hash = createHash('sha256')
  private bytes = 0
  constructor (readonly metadata: ArticleMetadata, readonly root: CID) {}

  update (chunk: Uint8Array): void {
    this.hash.update(chunk)
    this.bytes += chunk.byteLength
  }

  /** Throws VerificationError naming the bundle when size or sha256 differ. */
  check (): void {
    const { name, bytes, sha256 } = this.metadata.file
    if (this.bytes !== bytes) {
      throw new VerificationError(`${this.root}: ${name} is ${this.bytes} bytes but metadata.json says ${bytes}`)
    }
    const actual = this.hash.digest('hex')
    if (actual !== sha256) {
      throw new VerificationError(`${this.root}: ${name} has sha256 ${actual} but metadata.json says ${sha256}`)
    }
  }
}

/** Reads the bundle metadata of a directory entry, or undefined if it is not one of our bundles. */
export async function loadBundle (dir: UnixFSDirectory, blockstore: Pick<Blockstore, 'get'>, options: AbortOptions = {}): Promise<ArticleMetadata | undefined> {
  let meta: UnixFSDirectoryEntry | undefined
  let count = 0
  for await (const e of dir.entries(options)) {
    if (++count > 64) return undefined
    if (e.name === BUNDLE_FILES.metadata) meta = e
  }
  if (meta == null) return undefined
  const entry = await resolveEntry(meta.cid, blockstore, options)
  if (entry.type !== 'file' && entry.type !== 'raw') return undefined
  if (entry.size > BigInt(MAX_METADATA_BYTES)) return undefined
  return parseBundleMetadata(await readAll(entry.content(options)), dir.cid)
}
