import { BUNDLE_FILES } from './bundle-files.js'
import { createHash } from 'node:crypto'
import { extname } from 'node:path'
import { checkArticleBytes, parseArticleBytes, slugify } from './parse-article.js'
import { countBodyWords, findDownloadLinks, replaceLinkTargets } from './scan.js'
import type { ParseArticleOptions, ParsedArticle } from './parse-article.js'

/** The id and version of the `metadata.json` schema. Changing the layout of metadata.json means a new version. */
export const METADATA_SCHEMA = 'ipfs-publish/article-metadata@1'

/** The contents of a bundle's `metadata.json`. */
export interface ArticleMetadata {
  schema: typeof METADATA_SCHEMA
  title: string | null
  date: string | null
  categories: string[]
  slug: string
  wordCount: number
  file: {
    name: string
    bytes: number
    mediaType: string
    sha256: string
  }
  /** Other front-matter keys of a Markdown article, kept as given. */
  extra?: Record<string, unknown>
}

/** One file of a bundle. */
export interface BundleFile {
  name: string
  bytes: Uint8Array
  /** The sha256 digest of `bytes`, when already computed (saves hashing twice). */
  sha256?: Uint8Array
}

/** An article turned into the files of its UnixFS directory. */
export interface Bundle {
  files: [article: BundleFile, metadata: BundleFile]
  metadata: ArticleMetadata
  article: ParsedArticle
}

const encoder = new TextEncoder()

/** Sorts object keys recursively so that JSON output does not depend on input order. */
function sortKeys (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value != null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.keys(value).sort().map(k => [k, sortKeys((value as Record<string, unknown>)[k])]))
  }
  return value
}

/** The bundle's name for the article file: `article.md` for Markdown sources, `article.txt` otherwise. */
export { BUNDLE_FILES }

export function articleFileName (sourceName: string): string {
  return extname(sourceName).toLowerCase() === '.md' ? BUNDLE_FILES.markdown : BUNDLE_FILES.text
}

/**
 * Builds the bundle of an article: the source text with its Download IPFS link
 * reset to `#`, and a `metadata.json` that depends only on that text. No
 * timestamps, paths or host names go in, so the bundle's CID depends only on the
 * article's content, the schema version and the CID profile.
 */
export function buildBundle (source: Uint8Array, sourceName: string, options: ParseArticleOptions = {}): Bundle {
  checkArticleBytes(source, options)
  const article = parseArticleBytes(source)
  const name = articleFileName(sourceName)
  const links = findDownloadLinks(source)
  // the link's target is reset to '#', so the link never feeds into the CID it points to
  const articleBytes = replaceLinkTargets(source, links, '#')
  const digest = createHash('sha256').update(articleBytes).digest()
  const metadata: ArticleMetadata = {
    schema: METADATA_SCHEMA,
    title: article.title,
    date: article.date,
    categories: article.categories,
    slug: slugify(article.title ?? name),
    wordCount: countBodyWords(source, article.bodyStart, links),
    file: {
      name,
      bytes: articleBytes.byteLength,
      mediaType: name.endsWith('.md') ? 'text/markdown; charset=utf-8' : 'text/plain; charset=utf-8',
      sha256: digest.toString('hex')
    }
  }
  if (Object.keys(article.extra).length > 0) {
    metadata.extra = sortKeys(article.extra) as Record<string, unknown>
  }
  const json = encoder.encode(JSON.stringify(metadata, null, 2) + '\n')
  return {
    files: [{ name, bytes: articleBytes, sha256: digest }, { name: BUNDLE_FILES.metadata, bytes: json }],
    metadata,
    article
  }
}
