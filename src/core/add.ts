import { fsError } from './fs/fs-error.js'
import { createReadStream } from 'node:fs'
import { lstat, readdir, readlink } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { BlackHoleBlockstore } from 'blockstore-core/black-hole'
import { unixfs } from '@helia/unixfs'
import { CustomProgressEvent } from 'progress-events'
import { InvalidArgumentError } from '../errors.js'
import { pinRoot } from './store/pins.js'
import { importerOptions } from './unixfs/importer-options.js'
import { getProfile } from './unixfs/profiles.js'
import type { Repo } from './store/repo.js'
import type { CidProfileName } from './unixfs/profiles.js'
import type { ImportCandidate, ImporterOptions } from 'ipfs-unixfs-importer'
import type { AbortOptions } from 'abort-error'
import type { CID } from 'multiformats/cid'
import type { ProgressEvent, ProgressOptions } from 'progress-events'
import { collectYoung } from './collect-young.js'

export type AddProgressEvents =
  | ProgressEvent<'article:add:bytes', { bytes: number, path: string }>

export interface AddOptions extends AbortOptions, ProgressOptions<AddProgressEvents> {
  /** @default 'unixfs-v1-2025' */
  cidProfile?: CidProfileName
  /** Compute the CID only; store and pin nothing. */
  onlyHash?: boolean
  /** Include files and folders whose names start with a dot (Kubo's `--hidden`). @default false */
  hidden?: boolean
  /** Pin the root. @default true */
  pin?: boolean
  /** The folder a relative path is taken from (errors name the path as given). @default process.cwd() */
  cwd?: string
  /**
   * Keep memory flat on large files: a young-generation collection every 16 MiB
   * read frees the chunks already stored (see collectYoung). It turns on V8's
   * `--expose-gc` in this process, so a library leaves it to the application; the
   * CLI sets it. @default false
   */
  collectChunks?: boolean
}

export interface AddResult {
  path: string
  cid: CID
  /** Bytes of file content added. */
  bytes: number
}

const GC_EVERY_BYTES = 16 * 1024 * 1024

/**
 * Walks a file or folder into importer candidates, as `ipfs add -r` does: files
 * are streamed, symlinks are kept as UnixFS symlinks (not followed), empty
 * folders are kept, hidden entries are skipped unless `hidden` is set. Names are
 * visited in sorted order; the DAG does not depend on it (directory links are
 * sorted), but progress and errors do.
 */
async function * candidates (root: string, name: string, options: AddOptions, counter: { bytes: number }): AsyncGenerator<ImportCandidate> {
  const st = await lstat(root)
  if (st.isSymbolicLink()) {
    yield { path: name, link: await readlink(root) } as any
  } else if (st.isDirectory()) {
    const entries = (await readdir(root)).sort()
    const visible = entries.filter(e => options.hidden === true || !e.startsWith('.'))
    if (visible.length === 0) yield { path: name }
    for (const entry of visible) {
      options.signal?.throwIfAborted()
      yield * candidates(join(root, entry), `${name}/${entry}`, options, counter)
    }
  } else if (st.isFile()) {
    const path = root
    yield {
      path: name,
      content: (async function * () {
        let sinceGc = 0
        for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024, signal: options.signal })) {
          counter.bytes += chunk.length
          sinceGc += chunk.length
          if (sinceGc >= GC_EVERY_BYTES && options.collectChunks === true) { sinceGc = 0; collectYoung() }
          options.onProgress?.(new CustomProgressEvent('article:add:bytes', { bytes: counter.bytes, path }))
          yield chunk as Uint8Array
        }
      })()
    }
  }
}

/**
 * Adds a stream of bytes (standard input) as one UnixFS file, as `ipfs add` of
 * stdin does: the root is the file itself, not wrapped in a folder. Pinned unless
 * `onlyHash` or `pin: false`.
 */
export async function addStream (content: AsyncIterable<Uint8Array>, repo: Repo | undefined, options: AddOptions = {}): Promise<AddResult> {
  const profile = getProfile(options.cidProfile)
  const onlyHash = options.onlyHash === true || repo == null
  const blockstore = onlyHash ? new BlackHoleBlockstore() : repo.blockstore
  const counter = { bytes: 0 }
  const fs = unixfs({ blockstore })
  const counted = (async function * () {
    let sinceGc = 0
    for await (const chunk of content) {
      options.signal?.throwIfAborted()
      counter.bytes += chunk.byteLength
      sinceGc += chunk.byteLength
      if (sinceGc >= GC_EVERY_BYTES && options.collectChunks === true) { sinceGc = 0; collectYoung() }
      options.onProgress?.(new CustomProgressEvent('article:add:bytes', { bytes: counter.bytes, path: '-' }))
      yield chunk
    }
  })()
  const root = await fs.addByteStream(counted, { ...importerOptions(profile), blockWriteConcurrency: 4, signal: options.signal } as ImporterOptions as any)
  if (!onlyHash && options.pin !== false) {
    await pinRoot(repo, root, { source: 'ipfs-publish add' }, options)
  }
  if (!onlyHash) await repo.flush()
  return { path: '-', cid: root, bytes: counter.bytes }
}

/**
 * Adds a file or folder as plain UnixFS, as `ipfs add -Q -r` does, streaming:
 * memory does not grow with the file's size. The root is pinned unless
 * `onlyHash` or `pin: false`. Pass `repo` undefined with `onlyHash`.
 */
export async function addPath (path: string, repo: Repo | undefined, options: AddOptions = {}): Promise<AddResult> {
  const profile = getProfile(options.cidProfile)
  const full = resolve(options.cwd ?? '.', path)
  try {
    await lstat(full)
  } catch (err: any) {
    throw fsError(err, path)
  }
  const onlyHash = options.onlyHash === true || repo == null
  const blockstore = onlyHash ? new BlackHoleBlockstore() : repo.blockstore
  const counter = { bytes: 0 }
  // a top-level name keeps the importer from wrapping, and lets a folder be the root
  const name = basename(full) === '' ? 'root' : basename(full)
  let root: CID | undefined
  // @helia/unixfs spreads its own defaults (CIDv1, raw leaves, 1 MiB, 1024 links) under ours:
  // every profile parameter is given, so the profile decides, not those defaults
  const fs = unixfs({ blockstore })
  for await (const entry of fs.addAll(candidates(full, name, options, counter) as any, { ...importerOptions(profile), blockWriteConcurrency: 4, signal: options.signal } as ImporterOptions as any)) {
    if (entry.path === name) root = entry.cid
  }
  if (root == null) throw new InvalidArgumentError(`${path}: nothing to add`)
  if (!onlyHash && options.pin !== false) {
    await pinRoot(repo, root, { source: 'ipfs-publish add' }, options)
  }
  if (!onlyHash) await repo.flush()
  return { path, cid: root, bytes: counter.bytes }
}
