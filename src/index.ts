/**
 * @packageDocumentation
 *
 * Publish a newsroom's articles on IPFS: each article becomes a UnixFS folder of
 * `article.txt` and `metadata.json` whose CID depends only on the article, added
 * to a Helia node with a store on disk, pinned, and readable back with every
 * block verified.
 *
 * @example Publish articles from a site generator
 *
 * ```ts
 * import { publish } from 'ipfs-publish'
 *
 * for (const result of await publish(['articles/'], { repo: '.ipfs-publish' })) {
 *   if (result.ok) console.info(result.cid, result.link)
 *   else console.error(result.path, result.error.code)
 * }
 * ```
 *
 * @example Compute a CID without storing anything
 *
 * ```ts
 * import { publish } from 'ipfs-publish'
 *
 * const [result] = await publish(['articles/x.txt'], { onlyHash: true })
 * ```
 *
 * @example Make an edition of everything published, and move an IPNS name to it
 *
 * ```ts
 * import { openRepo, buildEdition, publishName } from 'ipfs-publish'
 *
 * const repo = await openRepo('.ipfs-publish')
 * try {
 *   const edition = await buildEdition(repo, { title: 'The Daily' })
 *   // a key made once with `ipfs-publish key gen site` (or generateKey)
 *   const record = await publishName(repo, 'site', edition.cid.toString())
 *   console.info(edition.cid.toString(), `/ipns/${record.name}`)
 * } finally {
 *   await repo.close()
 * }
 * ```
 *
 * @example Read an article back, verified
 *
 * ```ts
 * import { openRepo, cat } from 'ipfs-publish'
 *
 * const repo = await openRepo('.ipfs-publish')
 * try {
 *   for await (const chunk of cat('bafy…', repo.blockstore)) process.stdout.write(chunk)
 * } finally {
 *   await repo.close()
 * }
 * ```
 */
import { publishArticles } from './core/publish.js'
import { openRepo } from './core/store/repo.js'
import { defaultRepoPath } from './core/store/repo-path.js'
import type { PublishOptions, PublishOutcome } from './core/publish.js'
import type { Repo } from './core/store/repo.js'

export * from './errors.js'
export { publishArticles } from './core/publish.js'
export { recordOf } from './core/store/record.js'
export type { PublishOptions, PublishOutcome, PublishResult, PublishFailure, PublishProgressEvents } from './core/publish.js'
export { addPath as add } from './core/add.js'
export type { AddOptions, AddResult, AddProgressEvents } from './core/add.js'
export { getToPath as get } from './core/read/get.js'
export type { GetOptions, GetResult, GetProgressEvents } from './core/read/get.js'
export { catCid as cat } from './core/read/cat.js'
export { verifyCid as verify } from './core/read/verify.js'
export type { VerifyOptions, VerifyResult, VerifyProgressEvents } from './core/read/verify.js'
export { verifyArticleFile } from './core/read/verify-file.js'
export type { VerifyFileOptions } from './core/read/verify-file.js'
export { parseCid } from './core/read/resolve.js'
export { listPublished as ls } from './core/ls.js'
export type { ListedArticle, ListOptions, EarlierVersion } from './core/ls.js'
export { openRepo } from './core/store/repo.js'
export { defaultRepoPath } from './core/store/repo-path.js'
export type { Repo, OpenRepoOptions } from './core/store/repo.js'
export type { ArticleRecord } from './core/store/article-index.js'
export { buildBundle, METADATA_SCHEMA } from './core/article/bundle.js'
export type { ArticleMetadata, Bundle, BundleFile } from './core/article/bundle.js'
export { parseArticle, slugify, MAX_TITLE_CHARS } from './core/article/parse-article.js'
export { countWords } from './core/article/scan.js'
export type { ParsedArticle, ArticleFormat } from './core/article/parse-article.js'
export { CID_PROFILES, DEFAULT_CID_PROFILE, getProfile } from './core/unixfs/profiles.js'
export type { CidProfile, CidProfileName } from './core/unixfs/profiles.js'
export { buildLink, DEFAULT_GATEWAY } from './core/link.js'
export { readManifest, writeManifest, compareManifest, manifestKey, nextEntry } from './core/manifest.js'
export { buildEdition, EDITION_SCHEMA } from './core/edition/build-edition.js'
export type { EditionOptions, EditionResult, EditionProgressEvents } from './core/edition/build-edition.js'
export { generateKey, importKey, listKeys, removeKey } from './core/ipns/keystore.js'
export type { KeyInfo } from './core/ipns/keystore.js'
export type { NameRecord, PublishNameOptions } from './core/ipns/names.js'
export type { Manifest, ManifestEntry } from './core/manifest.js'

/** Options of {@link publish}: those of {@link publishArticles}, plus where the repo is. */
export interface PublishAllOptions extends PublishOptions {
  /** An open repo, or the folder of one. @default defaultRepoPath() */
  repo?: Repo | string
}

/**
 * Publishes articles (files, or folders searched for `*.txt` and `*.md`) and
 * returns one outcome per article, opening and closing the repo when given a
 * path. A bad article gives a failure outcome; the others are still published.
 */
export async function publish (paths: string[], options: PublishAllOptions = {}): Promise<PublishOutcome[]> {
  const { repo: repoOption, ...rest } = options
  const repo = options.onlyHash === true
    ? undefined
    : typeof repoOption === 'object' ? repoOption : await openRepo(repoOption ?? defaultRepoPath(), { signal: rest.signal })
  try {
    const out: PublishOutcome[] = []
    for await (const outcome of publishArticles(paths, repo, rest)) out.push(outcome)
    return out
  } finally {
    if (repo != null && typeof repoOption !== 'object') await repo.close()
  }
}

/**
 * Signs an IPNS record that points the key's name at `value` (a CID or
 * `/ipfs/<cid>/path`), with a sequence number above every record of the name
 * the repo holds or that `options.seen` lists; commits it to the repo.
 * (IPNS code is loaded only when this is called.)
 */
export async function publishName (repo: Repo, keyName: string, value: string, options?: import('./core/ipns/names.js').PublishNameOptions): Promise<import('./core/ipns/names.js').NameRecord> {
  const { publishName } = await import('./core/ipns/names.js')
  return await publishName(repo, keyName, value, options)
}

/** What an IPNS name points to, from the repo's record of it (validated). */
export async function resolveName (repo: Repo, name: string, options?: import('abort-error').AbortOptions): Promise<import('./core/ipns/names.js').NameRecord> {
  const { resolveName } = await import('./core/ipns/names.js')
  return await resolveName(repo, name, options)
}
