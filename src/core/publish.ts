import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { CustomProgressEvent } from 'progress-events'
import { InvalidArticleError, PublishError } from '../errors.js'
import { buildBundle } from './article/bundle.js'
import { findArticles } from './find-articles.js'
import { writeLinkIntoSource } from './write-link.js'
import { buildLink } from './link.js'
import { putArticle } from './store/article-index.js'
import { recordOf } from './store/record.js'
import { buildDirDag } from './unixfs/bundle-dag.js'
import { blockKey, stackWalker } from './store/dag-walker.js'
import { getProfile } from './unixfs/profiles.js'
import type { ArticleMetadata } from './article/bundle.js'
import type { ArticleRecord } from './store/article-index.js'
import type { Repo } from './store/repo.js'
import type { CidProfileName } from './unixfs/profiles.js'
import type { AbortOptions } from 'abort-error'
import { CID } from 'multiformats/cid'
import type { ProgressEvent, ProgressOptions } from 'progress-events'

/** Progress events of {@link publishArticles}. */
export type PublishProgressEvents =
  | ProgressEvent<'article:publish:found', { total: number }>
  | ProgressEvent<'article:publish:done', { path: string, cid?: CID, done: number, total: number }>

export interface PublishOptions extends AbortOptions, ProgressOptions<PublishProgressEvents> {
  /** @default 'unixfs-v1-2025' */
  cidProfile?: CidProfileName
  /** Gateway for the link. @default 'https://dweb.link' */
  gateway?: string
  /** Link template; see {@link buildLink}. */
  linkTemplate?: string
  /** Compute CIDs only; store nothing, pin nothing, index nothing. */
  onlyHash?: boolean
  /** Replace the target of each source file's `[Download IPFS](…)` link with its link. */
  writeLink?: boolean
  /** Largest article accepted, in bytes. @default 16 MiB */
  maxBytes?: number
}

/** One article published. */
export interface PublishResult extends ArticleRecord {
  ok: true
  /** The bundle's root CID. */
  root: CID
  metadata: ArticleMetadata
  /** Notes on how the article was read (a missing date line, plain text, …). */
  warnings: string[]
  /** False when the repo held this bundle, pinned, already. */
  stored: boolean
  /** True when `writeLink` changed the source file. */
  linkWritten: boolean
}

/** One article that could not be published; the others go on. */
export interface PublishFailure {
  ok: false
  path: string
  error: PublishError
}

export type PublishOutcome = PublishResult | PublishFailure

const LINK_CHECK_CID = CID.parse('bafkqaaa')

/** How many articles are read, built and committed together. */
const GROUP = 128

function asPublishError (err: unknown, path: string): PublishError {
  if (err instanceof PublishError) return err
  const e = err as NodeJS.ErrnoException
  if (e?.code === 'EISDIR') return new InvalidArticleError(`${path}: is a directory`)
  if (e?.code === 'EACCES') return new InvalidArticleError(`${path}: permission denied`)
  return new InvalidArticleError(`${path}: ${e?.message ?? String(err)}`, { cause: err })
}

/**
 * Publishes articles: each path is an article file or a folder searched for
 * `*.txt` and `*.md`. For each article it builds the bundle, adds its blocks to
 * the repo, pins the root with Helia's pinning API and records it in the index,
 * then yields the result; a bad article yields a failure and the others go on.
 * Results are yielded only once their blocks, pin and index entry are committed
 * to disk. Pass `repo` undefined with `onlyHash`.
 */
export async function * publishArticles (paths: string[], repo: Repo | undefined, options: PublishOptions = {}): AsyncGenerator<PublishOutcome> {
  const profile = getProfile(options.cidProfile)
  // a bad gateway or template is a usage error for the whole run, not a per-article failure
  buildLink({ cid: LINK_CHECK_CID, file: 'article.txt', slug: 'check' }, options.gateway, options.linkTemplate)
  if (repo == null && options.onlyHash !== true) throw new InvalidArticleError('a repo is needed unless onlyHash is set')
  const sources = await findArticles(paths, options)
  const total = sources.length
  options.onProgress?.(new CustomProgressEvent('article:publish:found', { total }))
  const pinned = repo != null && options.onlyHash !== true ? await pinnedRoots(repo, options) : new Set<string>()
  let done = 0

  for (let start = 0; start < sources.length; start += GROUP) {
    options.signal?.throwIfAborted()
    const group = sources.slice(start, start + GROUP)
    // articles are small: synchronous reads cost a tenth of promise-based ones per file
    const bytes = group.map(s => {
      if (s.error != null) return undefined
      try { return readFileSync(s.path) } catch (err) { return err as Error }
    })
    const outcomes: PublishOutcome[] = []
    const toLink: Array<{ result: PublishResult, source: Uint8Array }> = []
    for (let i = 0; i < group.length; i++) {
      options.signal?.throwIfAborted()
      const source = group[i]
      const content = bytes[i]
      if (source.error != null) { outcomes.push({ ok: false, path: source.path, error: source.error }); continue }
      if (content instanceof Error) { outcomes.push({ ok: false, path: source.path, error: asPublishError(content, source.path) }); continue }
      try {
        const bundle = buildBundle(content as Uint8Array, basename(source.path), { maxBytes: options.maxBytes })
        const dag = await buildDirDag(bundle.files, profile, options)
        const [articleFile] = bundle.files
        const link = buildLink({ cid: dag.root, file: articleFile.name, slug: bundle.metadata.slug }, options.gateway, options.linkTemplate)
        const result: PublishResult = {
          ok: true,
          path: source.path,
          cid: dag.root.toString(),
          link,
          title: bundle.metadata.title,
          date: bundle.metadata.date,
          categories: bundle.metadata.categories,
          files: dag.files.map(f => ({ name: f.name, cid: f.cid.toString(), bytes: f.bytes })),
          root: dag.root,
          metadata: bundle.metadata,
          warnings: bundle.article.warnings,
          stored: false,
          linkWritten: false
        }
        if (repo != null && options.onlyHash !== true) {
          const key = dag.root.toV1().toString()
          if (!pinned.has(key)) {
            for (const block of dag.blocks) await repo.blockstore.put(block.cid, block.bytes, options)
            for await (const _ of repo.helia.pins.add(dag.root, { signal: options.signal, walker: stackWalker(new Map(dag.blocks.map(b => [blockKey(b.cid), b.bytes]))), metadata: { source: 'ipfs-publish', slug: bundle.metadata.slug } })) {}
            pinned.add(key)
            result.stored = true
          }
          await putArticle(repo.datastore, recordOf(result), options)
        }
        if (options.writeLink === true) toLink.push({ result, source: content as Uint8Array })
        outcomes.push(result)
      } catch (err) {
        if ((err as Error)?.name === 'AbortError') throw err
        outcomes.push({ ok: false, path: source.path, error: asPublishError(err, source.path) })
      }
    }
    // commit before reporting: a printed CID is always a stored one
    await repo?.flush()
    for (const { result, source } of toLink) {
      try {
        result.linkWritten = await writeLinkIntoSource(result.path, source, result.link)
      } catch (err) {
        const i = outcomes.indexOf(result)
        outcomes[i] = { ok: false, path: result.path, error: asPublishError(err, result.path) }
      }
    }
    for (const outcome of outcomes) {
      options.signal?.throwIfAborted()
      done++
      options.onProgress?.(new CustomProgressEvent('article:publish:done', { path: outcome.path, cid: outcome.ok ? outcome.root : undefined, done, total }))
      yield outcome
    }
  }
}

async function pinnedRoots (repo: Repo, options: AbortOptions): Promise<Set<string>> {
  const set = new Set<string>()
  for await (const pin of repo.helia.pins.ls(options)) set.add(pin.cid.toV1().toString())
  return set
}
