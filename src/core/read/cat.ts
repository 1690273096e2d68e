import { InvalidArgumentError, NotFoundError } from '../../errors.js'
import { ArticleChecker, loadBundle } from './bundle-check.js'
import { parseCid, resolveEntry, resolvePath, toReadError } from './resolve.js'
import type { Blockstore } from 'interface-blockstore'
import type { AbortOptions } from 'abort-error'
import type { CID } from 'multiformats/cid'
import { fileContent } from './file-content.js'
import { parseIpfsPath } from '../cid.js'

/**
 * The bytes of a CID, as `ipfs cat` gives them: a file's content, or for an
 * ipfs-publish bundle its article. Every block is verified; a bundle's article is
 * checked against `metadata.json` before any byte of it is yielded.
 */
export async function * catCid (cidInput: CID | string, blockstore: Pick<Blockstore, 'get'>, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
  if (typeof cidInput === 'string' && parseIpfsPath(cidInput).segments.length > 0) {
    yield * catPath(cidInput, blockstore, options)
    return
  }
  const cid = parseCid(cidInput)
  try {
    const root = await resolveEntry(cid, blockstore, options)
    if (root.type === 'directory') {
      const metadata = await loadBundle(root, blockstore, options)
      if (metadata == null) throw new InvalidArgumentError(`${cid} is a folder, not a file or an article bundle (use 'get' to write it to disk)`)
      let articleCid: CID | undefined
      for await (const e of root.entries(options)) if (e.name === metadata.file.name) articleCid = e.cid
      if (articleCid == null) throw new NotFoundError(`${cid}: the bundle has no ${metadata.file.name}`)
      const article = await resolveEntry(articleCid, blockstore, options)
      if (article.type === 'directory' || article.type === 'object') throw new InvalidArgumentError(`${cid}: ${metadata.file.name} is not a file`)
      const checker = new ArticleChecker(metadata, cid)
      const parts: Uint8Array[] = []
      let size = 0
      for await (const chunk of fileContent(article.cid, blockstore, options)) {
        size += chunk.byteLength
        if (size > metadata.file.bytes) break // the check below fails; never buffer more than promised
        checker.update(chunk)
        parts.push(chunk)
      }
      if (size > metadata.file.bytes) checker.update(new Uint8Array(1))
      checker.check()
      yield * parts
      return
    }
    if (root.type === 'object') throw new InvalidArgumentError(`${cid} is not UnixFS data`)
    // pulled one block at a time: memory does not grow with the file, however slow the reader
    yield * fileContent(root.cid, blockstore, options)
  } catch (err) {
    throw toReadError(err, cid)
  }
}

/** The bytes of a file named by a path inside a CID (`<cid>/article.txt`), every block verified. */
async function * catPath (input: string, blockstore: Pick<Blockstore, 'get'>, options: AbortOptions): AsyncGenerator<Uint8Array> {
  const { cid, segments } = parseIpfsPath(input)
  const shown = `${cid}/${segments.join('/')}`
  const entry = await resolvePath(cid, segments, blockstore, options)
  if (entry.type === 'directory') throw new InvalidArgumentError(`${shown} is a folder (use 'get' to write it to disk)`)
  if (entry.type === 'object') throw new InvalidArgumentError(`${shown} is not UnixFS data`)
  try {
    yield * fileContent(entry.cid, blockstore, options)
  } catch (err) {
    throw toReadError(err, cid)
  }
}

/** The bytes of a file CID (not a folder, not a bundle's article: `get -o -`), every block verified. */
export async function * fileBytes (cid: CID, blockstore: Pick<Blockstore, 'get'>, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
  const root = await resolveEntry(cid, blockstore, options)
  if (root.type === 'directory') throw new InvalidArgumentError(`${cid} is a folder: -o - writes one file to stdout (write the folder to a path, or export it as a CAR with export -o -)`)
  if (root.type === 'object') throw new InvalidArgumentError(`${cid} is not UnixFS data`)
  try {
    yield * fileContent(root.cid, blockstore, options)
  } catch (err) {
    throw toReadError(err, cid)
  }
}
