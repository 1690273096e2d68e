import { fsError } from './fs/fs-error.js'
import { readdir, realpath, stat } from 'node:fs/promises'
import { extname, join, resolve, sep } from 'node:path'
import { NoArticlesError, PublishError } from '../errors.js'
import type { AbortOptions } from 'abort-error'

/** An article file to publish, or a path that could not be used. */
export type ArticleSource =
  | { path: string, error?: undefined, bytes?: Uint8Array }
  | { path: string, error: PublishError, bytes?: undefined }

const ARTICLE_EXTENSIONS = new Set(['.txt', '.md'])

export interface FindArticlesOptions extends AbortOptions {
  /** Told of an article-named entry of a folder that is not published, and why (a symlink leading out of the tree, or to something that is not a regular file). */
  onSkip?: (path: string, reason: string) => void
  /** The folder relative paths are taken from. @default process.cwd() */
  cwd?: string
}

async function walk (dir: string, root: string, out: string[], options: FindArticlesOptions): Promise<void> {
  options.signal?.throwIfAborted()
  const entries = await readdir(dir, { withFileTypes: true })
  entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  for (const entry of entries) {
    const full = join(dir, entry.name)
    const article = ARTICLE_EXTENSIONS.has(extname(entry.name).toLowerCase())
    if (entry.isDirectory()) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue
      await walk(full, root, out, options)
    } else if (entry.isFile() && article) {
      out.push(full)
    } else if (entry.isSymbolicLink() && article) {
      // published when it leads to a regular file inside the tree being published
      const target = await realpath(full).catch(() => undefined)
      const st = target != null ? await stat(target).catch(() => undefined) : undefined
      if (target == null || st == null) options.onSkip?.(full, 'a symlink that leads nowhere: skipped')
      else if (!st.isFile()) options.onSkip?.(full, 'a symlink to something that is not a regular file: skipped')
      else if (target !== root && !target.startsWith(root + sep)) options.onSkip?.(full, `a symlink out of ${root}: skipped`)
      else out.push(full)
    } else if (article && !entry.isFile()) {
      options.onSkip?.(full, 'not a regular file: skipped')
    }
  }
}

/**
 * Expands the paths given to `publish`: a file is taken as it is, a folder is
 * searched recursively for `*.txt` and `*.md` (hidden folders and node_modules
 * skipped), in sorted order. A path that does not exist, or a folder with no
 * articles, becomes an entry with an error, so that it fails alone.
 */
export async function findArticles (paths: string[], options: FindArticlesOptions = {}): Promise<ArticleSource[]> {
  const out: ArticleSource[] = []
  const seen = new Set<string>()
  for (const p of paths) {
    const full = resolve(options.cwd ?? '.', p)
    let st
    try {
      st = await stat(full)
    } catch (err: any) {
      out.push({ path: p, error: fsError(err, p) })
      continue
    }
    const found: string[] = []
    if (st.isDirectory()) {
      await walk(full, await realpath(full), found, options)
      if (found.length === 0) {
        out.push({ path: p, error: new NoArticlesError(`${p}: no *.txt or *.md articles in this folder`) })
        continue
      }
    } else {
      found.push(full)
    }
    for (const f of found) {
      if (seen.has(f)) continue
      seen.add(f)
      out.push({ path: f })
    }
  }
  return out
}
