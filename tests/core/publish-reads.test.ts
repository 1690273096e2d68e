import { appendFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openRepo, publishArticles } from '../../src/index.js'
import { engineOf } from '../../src/core/store/engine-of.js'
import { STAT_PREFIX } from '../../src/core/store/stat-cache.js'
import { tempDir } from '../helpers/cli.js'
import type { Repo } from '../../src/index.js'

/** Records every datastore read the repo's store serves while `fn` runs: keys read one by one, and prefixes read as ranges. */
async function readsDuring (repo: Repo, fn: () => Promise<void>): Promise<{ keys: string[], ranges: Array<string | undefined> }> {
  const engine = engineOf(repo)
  const keys: string[] = []
  const ranges: Array<string | undefined> = []
  const getData = engine.getData
  const dataRange = engine.dataRange
  engine.getData = function (key: string) { keys.push(key); return getData.call(this, key) }
  engine.dataRange = function (prefix: string | undefined, keysOnly?: boolean) { ranges.push(prefix); return dataRange.call(this, prefix, keysOnly) }
  try {
    await fn()
  } finally {
    engine.getData = getData
    engine.dataRange = dataRange
  }
  return { keys, ranges }
}

async function publishAll (repo: Repo, paths: string[]): Promise<void> {
  for await (const r of publishArticles(paths, repo)) if (!r.ok) throw r.error
}

/** A range read that covers the records of every article (the stat cache, the versions, the index). */
const overRecords = (prefix: string | undefined): boolean => prefix == null || '/ipfs-publish/stat/'.startsWith(prefix) || '/ipfs-publish/versions/'.startsWith(prefix) || '/ipfs-publish/articles/'.startsWith(prefix) ||
  prefix.startsWith('/ipfs-publish/stat/') || prefix.startsWith('/ipfs-publish/versions/') || prefix.startsWith('/ipfs-publish/articles/')

describe('publish of one article reads only that article\'s records', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let dir: string
  beforeAll(async () => {
    tmp = await tempDir()
    dir = join(tmp.path, 'articles')
    await mkdir(dir, { recursive: true })
    for (let i = 0; i < 40; i++) await writeFile(join(dir, `a${i}.txt`), `## Article ${i}\n\nJune ${(i % 28) + 1}, 2025\n\n— Categories: Test\n\nBody ${i}.\n`)
  })
  afterAll(async () => { await tmp.cleanup() })

  it('a corrected article and an unchanged one: no other article\'s stat entry, no range over the records', async () => {
    const repo = await openRepo(join(tmp.path, 'repo'))
    try {
      await publishAll(repo, [dir])
      const one = join(dir, 'a7.txt')
      await appendFile(one, '\nA correction.\n')
      const corrected = await readsDuring(repo, async () => { await publishAll(repo, [one]) })
      // the unchanged file: taken from its own stat entry
      const unchanged = await readsDuring(repo, async () => { await publishAll(repo, [join(dir, 'a8.txt')]) })
      for (const [reads, path] of [[corrected, one], [unchanged, join(dir, 'a8.txt')]] as const) {
        expect(reads.ranges.filter(overRecords)).toEqual([])
        expect([...new Set(reads.keys.filter(k => k.startsWith(STAT_PREFIX)))]).toEqual([STAT_PREFIX + path])
      }
    } finally {
      await repo.close()
    }
  })
})
