import { mkdir, open, readdir, rename, rm, rmdir, stat, symlink } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { CustomProgressEvent } from 'progress-events'
import { InvalidArgumentError, UnsafePathError } from '../../errors.js'
import { syncDir, tempPathFor } from '../fs/atomic-write.js'
import { ArticleChecker, loadBundle } from './bundle-check.js'
import { parseCid, resolveEntry, toReadError } from './resolve.js'
import { assertSafeName } from './safe-name.js'
import type { Blockstore } from 'interface-blockstore'
import type { AbortOptions } from 'abort-error'
import type { UnixFSEntry } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'
import type { ProgressEvent, ProgressOptions } from 'progress-events'
import { fileContent } from './file-content.js'

export type GetProgressEvents =
  | ProgressEvent<'article:get:file', { path: string, bytes: number }>

export interface GetOptions extends AbortOptions, ProgressOptions<GetProgressEvents> {}

export interface GetResult {
  cid: CID
  /** Where the content was written. */
  output: string
  files: number
  bytes: number
  /** True when the CID is an ipfs-publish bundle whose metadata was checked. */
  bundle: boolean
}

type Readable = Pick<Blockstore, 'get'>

/** Deeper folder trees are refused: no file system takes paths that long (Linux: 4096 bytes). */
export const MAX_TREE_DEPTH = 1024

/** Streams a file entry's content into a new file at `path` (which must not exist); returns its byte count. */
async function writeFileEntry (entry: UnixFSEntry, blockstore: Readable, path: string, options: GetOptions, onChunk?: (c: Uint8Array) => void): Promise<number> {
  if (entry.type !== 'file' && entry.type !== 'raw' && entry.type !== 'identity') {
    throw new InvalidArgumentError(`${entry.cid} is not a file`)
  }
  const fh = await open(path, 'wx', 0o644)
  let bytes = 0
  try {
    // pulled one block at a time (fileContent): the file's size does not set the memory used
    for await (const chunk of fileContent(entry.cid, blockstore, { signal: options.signal })) {
      onChunk?.(chunk)
      bytes += chunk.byteLength
      await fh.write(chunk)
    }
    await fh.sync()
  } finally {
    await fh.close()
  }
  options.onProgress?.(new CustomProgressEvent('article:get:file', { path, bytes }))
  return bytes
}

/**
 * Writes the content of a CID to `output`: a UnixFS folder tree (or a file, for
 * a file CID), as `ipfs get -o` does. Every block is verified against its CID on
 * the way; for an ipfs-publish bundle, the article's size and sha256 are checked
 * against `metadata.json`. Entry names that are not one safe path segment are
 * refused. Everything is written under a temporary name beside `output` and moved
 * into place only once all of it has verified: on any error nothing is left.
 */
export async function getToPath (cidInput: CID | string, output: string, blockstore: Readable, options: GetOptions = {}): Promise<GetResult> {
  const cid = parseCid(cidInput)
  const target = resolve(output)
  const read = { signal: options.signal }
  const root = await resolveEntry(cid, blockstore, read)
  const existing = await stat(target).catch(() => undefined)
  if (existing != null && root.type === 'directory' && !existing.isDirectory()) {
    throw new InvalidArgumentError(`${output} exists and is not a folder`)
  }
  if (existing?.isDirectory() === true && root.type !== 'directory') {
    throw new InvalidArgumentError(`${output} is a folder; give the file's path with -o`)
  }
  await mkdir(dirname(target), { recursive: true })
  const staging = tempPathFor(target)
  const result: GetResult = { cid, output: target, files: 0, bytes: 0, bundle: false }
  try {
    if (root.type === 'directory') {
      await mkdir(staging)
      const metadata = await loadBundle(root, blockstore, read)
      const checker = metadata != null ? new ArticleChecker(metadata, cid) : undefined
      result.bundle = checker != null
      // iterative walk: a DAG nested thousands of levels deep cannot overflow the stack
      const stack: Array<{ entry: UnixFSEntry, dir: string, depth: number }> = [{ entry: root, dir: staging, depth: 0 }]
      while (stack.length > 0) {
        options.signal?.throwIfAborted()
        const { entry, dir, depth } = stack.pop()!
        if (entry.type !== 'directory') continue
        if (depth >= MAX_TREE_DEPTH) throw new UnsafePathError(`${cid}: the folder tree is deeper than ${MAX_TREE_DEPTH} levels; refusing to write it`)
        const seen = new Set<string>()
        for await (const child of entry.entries(read)) {
          assertSafeName(child.name, entry.path)
          if (seen.has(child.name)) throw new UnsafePathError(`${entry.path} holds two entries named ${JSON.stringify(child.name)}; refusing to write them`)
          seen.add(child.name)
          const path = join(dir, child.name)
          const childEntry = await resolveEntry(child.cid, blockstore, read)
          if (childEntry.type === 'directory') {
            await mkdir(path)
            stack.push({ entry: childEntry, dir: path, depth: depth + 1 })
          } else if (childEntry.type === 'file' && childEntry.unixfs.type === 'symlink') {
            await symlink(new TextDecoder().decode(childEntry.unixfs.data ?? new Uint8Array()), path)
          } else {
            const check = depth === 0 && checker != null && child.name === checker.metadata.file.name ? checker : undefined
            result.bytes += await writeFileEntry(childEntry, blockstore, path, options, check != null ? c => { check.update(c) } : undefined)
            result.files++
          }
        }
      }
      checker?.check()
    } else {
      result.bytes = await writeFileEntry(root, blockstore, staging, options)
      result.files = 1
    }
    await moveIntoPlace(staging, target)
  } catch (err) {
    await rm(staging, { recursive: true, force: true })
    throw toReadError(err, cid)
  }
  return result
}

/** Renames a verified staging file or folder to its target; an existing folder target receives the staged entries. */
async function moveIntoPlace (staging: string, target: string): Promise<void> {
  const existing = await stat(target).catch(() => undefined)
  if (existing?.isDirectory() === true) {
    const entries = await readdir(target)
    if (entries.length === 0) {
      await rmdir(target)
    } else {
      for (const name of await readdir(staging)) {
        await rm(join(target, name), { recursive: true, force: true })
        await rename(join(staging, name), join(target, name))
      }
      await rmdir(staging)
      await syncDir(target)
      return
    }
  }
  await rename(staging, target)
  await syncDir(dirname(target))
}
