import { mkdir, readdir, rename, rmdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { LevelStores } from './level-stores.js'

type Bytes = Uint8Array

/** The layout this version writes: 2 = small blocks in packs, large block files in 32 shards. */
export const REPO_VERSION = 2

const VERSION_KEY = '/ipfs-publish/repo-version'

/**
 * Brings a repo written by an earlier version to the current layout, losing
 * nothing: small blocks that LevelDB held themselves move into a pack (each
 * batch commits their locations and drops the old values together), and large
 * block files move from two-character shard folders into one-character ones.
 * A killed migration is taken up again by the next open. A current repo costs
 * one read; a new one (`fresh`: its database did not exist) none.
 */
export async function migrateRepo (stores: LevelStores, options: { fresh?: boolean } = {}): Promise<void> {
  if (options.fresh !== true) {
    const version = stores.getData(VERSION_KEY)
    if (version !== undefined && Number(Buffer.from(version).toString()) >= REPO_VERSION) return
    await moveInlineBlocks(stores)
    await moveShardedFiles(stores.dir)
  }
  await stores.queue(VERSION_KEY, Buffer.from(String(REPO_VERSION)))
}

async function moveInlineBlocks (stores: LevelStores): Promise<void> {
  const legacy = stores.db.sublevel<Bytes, Bytes>('b', { keyEncoding: 'view', valueEncoding: 'view' })
  for (;;) {
    const batch: Array<[Bytes, Bytes]> = []
    let bytes = 0
    for await (const entry of legacy.iterator({ limit: 4096 })) {
      batch.push(entry)
      bytes += entry[1].byteLength
      if (bytes >= 64 * 1024 * 1024) break
    }
    if (batch.length === 0) return
    await stores.movePackedIn(batch, legacy)
  }
}

async function moveShardedFiles (dir: string): Promise<void> {
  let shards: string[]
  try { shards = await readdir(dir) } catch { return }
  for (const shard of shards.filter(s => s.length === 2)) {
    const from = join(dir, shard)
    for (const name of await readdir(from)) {
      if (name.endsWith('.tmp')) continue // gc sweeps these
      const to = join(dir, name.slice(-2, -1))
      await mkdir(to, { recursive: true })
      await rename(join(from, name), join(to, name))
    }
    await rmdir(from).catch(() => {})
  }
}
