// newBlocks: the blocks of a new DAG that a node holding the whole old DAG lacks, found by walking
// both together; checked on real UnixFS DAGs (@helia/unixfs, HAMT-sharded folders) in a memory blockstore.
import { unixfs } from '@helia/unixfs'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { blockGetter, newBlocks } from '../../../src/core/car/diff-dag.js'
import { multihashKey, readAll, walkDag } from '../../../src/core/unixfs/walk.js'

const blockstore = new MemoryBlockstore()
const fs = unixfs({ blockstore } as any)
// folders of more than 1 KiB shard, 16 links a shard: the articles folder below is a HAMT of several levels
const sharding = { shardSplitThresholdBytes: 1024, shardFanoutBits: 4 } as any

/** Every block of a DAG (multihash keys). */
async function dagOf (root: CID): Promise<Set<string>> {
  const keys = new Set<string>()
  for await (const { cid } of walkDag(root, async c => await readAll(blockstore.get(c)))) keys.add(multihashKey(cid))
  return keys
}

/** A block's place in a DAG: the path of link names from the root, for each block (the first path found). */
async function placesOf (root: CID): Promise<Map<string, string>> {
  const dagPb = await import('@ipld/dag-pb')
  const places = new Map<string, string>()
  const stack: Array<[CID, string]> = [[root, '']]
  while (stack.length > 0) {
    const [cid, path] = stack.pop()!
    const key = `${path}@${multihashKey(cid)}`
    if (places.has(key)) continue
    places.set(key, path)
    if (cid.code !== dagPb.code) continue
    const node = dagPb.decode(await readAll(blockstore.get(cid)))
    node.Links.forEach((l, i) => stack.push([l.Hash, `${path}/${l.Name === '' || l.Name == null ? `#${i}` : l.Name}`]))
  }
  return places
}

/** A site: articles/ (a folder per article: its text and metadata), a deep path, a file of many chunks. */
async function site (articles: Map<string, string>, deep = 'deep leaf', big = 'x'.repeat(40_000)): Promise<CID> {
  let dir = await fs.addDirectory({ cidVersion: 1 } as any)
  for (const [name, text] of articles) {
    let a = await fs.addDirectory({ cidVersion: 1 } as any)
    a = await fs.cp(await fs.addBytes(new TextEncoder().encode(text), { cidVersion: 1, rawLeaves: true } as any), a, 'article.txt')
    a = await fs.cp(await fs.addBytes(new TextEncoder().encode(JSON.stringify({ title: name })), { cidVersion: 1, rawLeaves: true } as any), a, 'metadata.json')
    dir = await fs.cp(a, dir, name, sharding)
  }
  let root = await fs.addDirectory({ cidVersion: 1 } as any)
  root = await fs.cp(dir, root, 'articles')
  let d = await fs.cp(await fs.addBytes(new TextEncoder().encode(deep), { cidVersion: 1, rawLeaves: true } as any), await fs.addDirectory({ cidVersion: 1 } as any), 'leaf.txt')
  for (const level of ['e', 'd', 'c', 'b']) d = await fs.cp(d, await fs.addDirectory({ cidVersion: 1 } as any), level)
  root = await fs.cp(d, root, 'a')
  root = await fs.cp(await fs.addBytes(new TextEncoder().encode(big), { cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: 1024 }) } as any), root, 'big.txt')
  return root
}

/** newBlocks(new, old) with every read counted; checks what any diff must satisfy. */
async function diff (next: CID, prev: CID | null): Promise<{ yielded: Set<string>, reads: number, dag: Set<string> }> {
  let reads = 0
  const get = blockGetter(blockstore)
  const counted = async (cid: CID, options?: any): Promise<Uint8Array> => { reads++; return await get(cid, options) }
  const yielded = new Set<string>()
  for await (const { cid, bytes } of newBlocks(counted, next, prev)) {
    const key = multihashKey(cid)
    expect(yielded.has(key), `${cid} yielded twice`).toBe(false)
    expect(Buffer.compare(bytes, await readAll(blockstore.get(cid)))).toBe(0)
    yielded.add(key)
  }
  const dag = await dagOf(next)
  const old = prev != null ? await dagOf(prev) : new Set<string>()
  // complete: every block of the new DAG is sent or held (in the old DAG)
  for (const k of dag) expect(yielded.has(k) || old.has(k)).toBe(true)
  // nothing outside the new DAG
  for (const k of yielded) expect(dag.has(k)).toBe(true)
  if (prev != null) {
    // nothing sent that the old DAG holds at the same place
    const oldPlaces = new Set((await placesOf(prev)).keys())
    for (const [key] of await placesOf(next)) if (oldPlaces.has(key)) expect(yielded.has(key.slice(key.indexOf('@') + 1))).toBe(false)
  }
  return { yielded, reads, dag }
}

const articles = (n: number, from = 0): Map<string, string> => new Map(Array.from({ length: n }, (_, i) => [`article-${i + from}`, `Text of article ${i + from}.`]))

describe('newBlocks (the blocks of a new DAG not in the old one at the same place)', () => {
  it('with no old DAG: every block of the new one, each once', async () => {
    const root = await site(articles(60))
    const { yielded, dag } = await diff(root, null)
    expect(yielded).toEqual(dag)
  })

  it('the same DAG: nothing, one read at most', async () => {
    const root = await site(articles(60))
    const { yielded, reads } = await diff(root, root)
    expect(yielded.size).toBe(0)
    expect(reads).toBe(0)
  })

  it('one leaf of one article changed in a HAMT of 300: its path only (the article\'s folder, the shards above it, the root), a few reads of each side', async () => {
    const before = articles(300)
    const prev = await site(before)
    const after = new Map(before)
    after.set('article-123', 'Text of article 123, corrected.')
    const next = await site(after)
    const { yielded, reads, dag } = await diff(next, prev)
    const shardDepth = await depthOf(next, 'article-123')
    // the new text, the article's folder, each sub-shard on the way, articles/ (the top shard), the root
    expect(shardDepth).toBeGreaterThanOrEqual(1)
    expect(yielded.size).toBe(1 + 1 + shardDepth + 1 + 1)
    expect(yielded.size).toBeLessThan(dag.size / 50)
    // reads: what is sent, and the old block at each changed place (not its text, a raw leaf)
    expect(reads).toBeLessThanOrEqual(2 * yielded.size)
  })

  it('a deep path changed: the leaf and each folder above it', async () => {
    const prev = await site(articles(40))
    const next = await site(articles(40), 'deep leaf, changed')
    const { yielded, reads } = await diff(next, prev)
    // leaf.txt, e, d, c, b, a... : a/b/c/d/e/leaf.txt is 5 folders, and the root
    expect(yielded.size).toBe(1 + 5 + 1)
    expect(reads).toBeLessThanOrEqual(2 * yielded.size)
  })

  it('entries added and removed (shards split and merge): the new articles and the changed shards, never an unchanged article', async () => {
    const prev = await site(articles(200))
    const next = await site(new Map([...articles(150, 50), ...articles(40, 1000)]))
    const { yielded, reads, dag } = await diff(next, prev)
    const old = await dagOf(prev)
    // every unchanged article (50…199) is held: none of its blocks is sent
    const kept = await site(articles(150, 50))
    const keptArticles = await blocksUnder(kept, 'articles', true)
    const resent = [...keptArticles].filter(k => old.has(k) && yielded.has(k))
    expect(resent).toEqual([])
    // the 40 new articles are sent (folder + metadata + text each; texts may share a block)
    expect(yielded.size).toBeGreaterThanOrEqual(40 * 2)
    expect(yielded.size).toBeLessThan(dag.size)
    // what is sent, and the old blocks on the changed paths: not the unchanged articles
    expect(reads).toBeLessThanOrEqual(2 * yielded.size)
  })

  it('a file of many chunks with one chunk changed: that chunk and the file\'s root, not the others', async () => {
    const big = 'x'.repeat(40_000)
    const prev = await site(articles(10), 'deep leaf', big)
    const next = await site(articles(10), 'deep leaf', big.slice(0, 20_000) + 'y' + big.slice(20_001))
    const { yielded, reads } = await diff(next, prev)
    // the changed chunk, the file's root (and any inner node above the chunk), the root
    expect(yielded.size).toBeGreaterThanOrEqual(3)
    expect(yielded.size).toBeLessThanOrEqual(4)
    expect(reads).toBeLessThanOrEqual(2 * yielded.size)
  })

  it('a block the repo does not hold: NotFoundError naming it (a new one), or the new sub-DAG whole (an old one, onOldMissing told)', async () => {
    const prev = await site(articles(30))
    const after = articles(30)
    after.set('article-7', 'changed')
    const next = await site(after)
    const missingNew = CID.parse(String(await fs.addBytes(new TextEncoder().encode('changed'), { cidVersion: 1, rawLeaves: true } as any)))
    const gone = new Set([multihashKey(missingNew)])
    const get = blockGetter({ get: (cid: CID, o?: any) => gone.has(multihashKey(cid)) ? (async function * () { throw Object.assign(new Error(`block ${cid} not found`), { name: 'NotFoundError' }) })() : blockstore.get(cid, o) } as any)
    await expect(async () => { for await (const _ of newBlocks(get, next, prev)) {} }).rejects.toThrow(new RegExp(String(missingNew)))
    // an old block missing: told, and what is under it sent whole
    const missingOld: CID[] = []
    const oldRootLinks = (await import('@ipld/dag-pb')).decode(await readAll(blockstore.get(prev))).Links
    const oldArticles = oldRootLinks.find(l => l.Name === 'articles')!.Hash
    const noOld = blockGetter({ get: (cid: CID, o?: any) => multihashKey(cid) === multihashKey(oldArticles) ? (async function * () { throw Object.assign(new Error('gone'), { name: 'NotFoundError' }) })() : blockstore.get(cid, o) } as any)
    const sent = new Set<string>()
    for await (const { cid } of newBlocks(noOld, next, prev, { onOldMissing: c => missingOld.push(c) })) sent.add(multihashKey(cid))
    expect(missingOld.map(String)).toEqual([String(oldArticles)])
    for (const k of await blocksUnder(next, 'articles', false)) expect(sent.has(k)).toBe(true)
  })

  it('a fetcher is asked for what the store lacks, and its bytes are checked against the CID', async () => {
    const root = await site(articles(5))
    const empty = new MemoryBlockstore()
    let fetched = 0
    const good = blockGetter(empty, async cid => { fetched++; return await readAll(blockstore.get(cid)) })
    let n = 0
    for await (const _ of newBlocks(good, root, null)) n++
    expect(fetched).toBe(n)
    const lying = blockGetter(empty, async () => new TextEncoder().encode('not the block'))
    await expect(async () => { for await (const _ of newBlocks(lying, root, null)) {} }).rejects.toThrow(/does not match its hash/)
  })
})

/** How many HAMT shard blocks lie between articles/ and an article (articles/ itself not counted). */
async function depthOf (root: CID, name: string): Promise<number> {
  const dagPb = await import('@ipld/dag-pb')
  const find = async (cid: CID, depth: number): Promise<number | undefined> => {
    for (const l of dagPb.decode(await readAll(blockstore.get(cid))).Links) {
      // a HAMT link (16 links a shard): one hex digit, then the entry's name (an entry) or nothing (a sub-shard)
      if (l.Name === `${l.Name?.slice(0, 1)}${name}`) return depth
      if (l.Name?.length === 1) {
        const found = await find(l.Hash, depth + 1)
        if (found != null) return found
      }
    }
    return undefined
  }
  const articles = dagPb.decode(await readAll(blockstore.get(root))).Links.find(l => l.Name === 'articles')!.Hash
  const depth = await find(articles, 0)
  if (depth == null) throw new Error(`${name} is not in articles/`)
  return depth
}

/** The blocks under a root's link `name` (with `entries`: only the blocks of the entries, not the folder's shards). */
async function blocksUnder (root: CID, name: string, entries: boolean): Promise<Set<string>> {
  const dagPb = await import('@ipld/dag-pb')
  const top = dagPb.decode(await readAll(blockstore.get(root))).Links.find(l => l.Name === name)!.Hash
  if (!entries) return await dagOf(top)
  const out = new Set<string>()
  const { exporter } = await import('ipfs-unixfs-exporter')
  for await (const e of (await exporter(top, blockstore) as any).entries()) for (const k of await dagOf(e.cid)) out.add(k)
  return out
}
