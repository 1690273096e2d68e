import { setTimeout as sleep } from 'node:timers/promises'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { createHeliaLight } from 'helia'
import { Level } from 'level'
import { RepoError, RepoLockedError } from '../../errors.js'
import { existsSync } from 'node:fs'
import { LevelStores } from './level-stores.js'
import { migrateRepo } from './migrate.js'
import { VerifyingBlockstore } from './verifying-blockstore.js'
import type { Helia } from '@helia/interface'
import type { Blockstore } from 'interface-blockstore'
import type { Datastore } from 'interface-datastore'
import type { AbortOptions } from 'abort-error'

/** Options for {@link openRepo}. */
export interface OpenRepoOptions extends AbortOptions {
  /** How long to wait for another process to release the repo, in ms. @default 30000 */
  lockTimeout?: number
  /** Adds to the Helia node before it starts (networking: see src/net). Offline when absent. */
  configure?: (helia: Helia) => Helia
}

/** An open repo: the Helia node over the on-disk store. Close it when done. */
export interface Repo {
  /** The repo's folder. */
  readonly path: string
  /** A Helia node (no libp2p) over the repo's stores; its pins are the repo's pins. */
  readonly helia: Helia
  /** The store's blocks, every read verified against its CID. */
  readonly blockstore: Blockstore
  readonly datastore: Datastore
  readonly stores: LevelStores
  /** Writes pending changes in one atomic batch. */
  flush(): Promise<void>
  /** Flushes, stops the node and releases the repo. */
  close(): Promise<void>
}

function isLocked (err: any): boolean {
  return err?.code === 'LEVEL_LOCKED' || err?.cause?.code === 'LEVEL_LOCKED'
}

/**
 * Opens (creating when needed) the repo at `path`. One process at a time holds a
 * repo: LevelDB's lock file is held by the kernel, so a killed process never
 * leaves a stale lock. Another process waits up to `lockTimeout`, then fails with
 * "repo locked by pid N".
 */
export async function openRepo (path: string, options: OpenRepoOptions = {}): Promise<Repo> {
  const dir = resolve(path)
  try {
    await mkdir(dir, { recursive: true })
  } catch (err: any) {
    throw new RepoError(`cannot create the repo folder ${dir}: ${err.code ?? err.message}`, { cause: err })
  }
  // a new repo has nothing to migrate
  const fresh = !existsSync(join(dir, 'store', 'CURRENT'))
  const db = new Level<Uint8Array, Uint8Array>(join(dir, 'store'), { keyEncoding: 'view', valueEncoding: 'view' })
  const deadline = Date.now() + (options.lockTimeout ?? 30_000)
  for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
    options.signal?.throwIfAborted()
    try {
      await db.open({ createIfMissing: true, compression: false, writeBufferSize: 64 * 1024 * 1024, maxFileSize: 32 * 1024 * 1024 } as any)
      break
    } catch (err: any) {
      if (!isLocked(err)) throw new RepoError(`cannot open the repo at ${dir}: ${err.cause?.message ?? err.message}`, { cause: err })
      if (Date.now() >= deadline) {
        const pid = await readFile(join(dir, 'owner.pid'), 'utf8').catch(() => '?')
        throw new RepoLockedError(`repo ${dir} locked by pid ${pid.trim()}`, { cause: err })
      }
      await sleep(delay, undefined, { signal: options.signal })
    }
  }
  await writeFile(join(dir, 'owner.pid'), `${process.pid}\n`).catch(() => {})
  const stores = new LevelStores(db, join(dir, 'blocks'), join(dir, 'packs'))
  await stores.open()
  await migrateRepo(stores, { fresh })
  const blockstore = new VerifyingBlockstore(stores.blockstore)
  const light = createHeliaLight({ blockstore, datastore: stores.datastore })
  const helia = options.configure?.(light as unknown as Helia) ?? light
  await helia.start()
  let closed = false
  return {
    path: dir,
    helia: helia as unknown as Helia,
    blockstore,
    datastore: stores.datastore,
    stores,
    flush: async () => stores.flush(),
    close: async () => {
      if (closed) return
      closed = true
      try {
        await stores.flush()
        await helia.stop()
      } finally {
        stores.packs.close()
        await db.close()
      }
    }
  }
}
