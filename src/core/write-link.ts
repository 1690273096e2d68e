import { readFile, stat } from 'node:fs/promises'
import { InvalidArticleError } from '../errors.js'
import { findDownloadLinks, replaceLinkTargets } from './article/scan.js'
import { writeFileAtomic } from './fs/atomic-write.js'

/**
 * Sets the target of every `[Download IPFS](…)` link in the source file at
 * `path` to `link`, atomically. `source` is the content the link was computed
 * from: if the file changed since, nothing is written. Returns whether the file
 * changed. The bundle always carries the link reset to `#`, so publishing the
 * rewritten file gives the same CID.
 */
export async function writeLinkIntoSource (path: string, source: Uint8Array, link: string): Promise<boolean> {
  const links = findDownloadLinks(source)
  if (links.length === 0) {
    throw new InvalidArticleError(`${path}: no [Download IPFS](…) link to write the link into`)
  }
  const updated = replaceLinkTargets(source, links, link)
  if (updated === source) return false
  const current = await readFile(path)
  if (!current.equals(source)) {
    throw new InvalidArticleError(`${path}: the file changed while publishing; not writing the link`)
  }
  const { mode } = await stat(path)
  await writeFileAtomic(path, updated, mode & 0o7777)
  return true
}
