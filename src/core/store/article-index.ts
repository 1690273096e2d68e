import { Key } from 'interface-datastore'
import { RepoError } from '../../errors.js'
import type { Datastore } from 'interface-datastore'
import type { AbortOptions } from 'abort-error'

/** What the repo remembers of each published article (the fields of `publish --json`). */
export interface ArticleRecord {
  /** The source file, as an absolute path, when it was last published. */
  path: string
  cid: string
  link: string
  title: string | null
  date: string | null
  categories: string[]
  files: Array<{ name: string, cid: string, bytes: number }>
}

/** Where the index's entries live in the datastore. */
export const ARTICLE_PREFIX = '/ipfs-publish/articles/'
const PREFIX = ARTICLE_PREFIX
const encoder = new TextEncoder()
const decoder = new TextDecoder()

function key (cid: string): Key {
  return new Key(PREFIX + cid)
}

/** Records an article in the repo's index (keyed by bundle CID). */
export async function putArticle (datastore: Datastore, record: ArticleRecord, options?: AbortOptions): Promise<void> {
  await datastore.put(key(record.cid), encoder.encode(JSON.stringify(record)), options)
}

/** Records an article whose entry is already encoded (by {@link buildArticle}, perhaps on a worker). */
export async function putEncodedArticle (datastore: Datastore, cid: string, encoded: Uint8Array, options?: AbortOptions): Promise<void> {
  await datastore.put(key(cid), encoded, options)
}

/** Removes an article from the index (when its pin is removed). */
export async function deleteArticle (datastore: Datastore, cid: string, options?: AbortOptions): Promise<void> {
  await datastore.delete(key(cid), options)
}

/** The index entry of a bundle CID, or undefined. */
export async function getArticle (datastore: Datastore, cid: string, options?: AbortOptions): Promise<ArticleRecord | undefined> {
  let value: Uint8Array
  try {
    value = await datastore.get(key(cid), options)
  } catch (err: any) {
    if (err?.name === 'NotFoundError') return undefined
    throw err
  }
  return decodeRecord(PREFIX + cid, value)
}

/** An index entry's record; a damaged one is a RepoError naming its key. */
function decodeRecord (key: string, value: Uint8Array): ArticleRecord {
  try {
    const record = JSON.parse(decoder.decode(value))
    if (record == null || typeof record !== 'object' || typeof record.cid !== 'string') throw new Error('not an article record')
    return record
  } catch (err: any) {
    throw new RepoError(`the repo's article index is damaged at ${key} (${err.message}); run \`verifyAll\``)
  }
}

/** Every article in the index. */
export async function * listArticles (datastore: Datastore, options?: AbortOptions): AsyncGenerator<ArticleRecord> {
  for await (const { key, value } of datastore.query({ prefix: PREFIX }, options)) {
    yield decodeRecord(key.toString(), value)
  }
}
