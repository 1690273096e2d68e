import { closeSync, existsSync, openSync, readSync } from 'node:fs'
import { mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { RepoError } from '../../errors.js'
import type { Engine } from './engine.js'
import type { OnWait } from './leases.js'
import type { AbortOptions } from 'abort-error'

type Bytes = Uint8Array

/**
 * Repos written before the LMDB store (layouts 1 and 2): one LevelDB database in
 * `store/` with sublevels `d` (Helia's datastore), `p` (where each small block
 * sits in `packs/NNNNNNNN.pack`: pack, offset, length as three big-endian u32),
 * `f` (markers of large blocks kept in `blocks/`), and in layout 1 `b` (small
 * blocks as values, large block files in two-character shards).
 */
export function isLegacyRepo (dir: string): boolean {
  return existsSync(join(dir, 'store', 'CURRENT'))
}

/** Commit the moved entries in batches of about this many bytes. */
const BATCH_BYTES = 64 * 1024 * 1024

/**
 * Moves a legacy repo to the LMDB store, losing nothing. It holds LevelDB's lock
 * throughout, so one process moves while others wait (told through `onWait`).
 * Under that lock it checks that no other process finished the move (`isCurrent`:
 * the marker of the new layout), starts a new store from scratch (`makeEngine`,
 * discarding what an earlier, interrupted move left), copies every datastore
 * entry and block into it, commits, calls `markCurrent`, and deletes the old
 * files, all before it gives the lock up: a process that waited for the lock
 * finds the move done and the new store is never made again. The old store is
 * only read until the marker is written: a move that fails or is killed before
 * leaves it as it was, and the next open starts again. Resolves without doing
 * anything when another process finished the move meanwhile.
 */
export async function migrateLegacyRepo (dir: string, isCurrent: () => Promise<boolean>, makeEngine: () => Promise<Engine>, markCurrent: () => Promise<void>, options: AbortOptions & { onWait?: OnWait } = {}): Promise<void> {
  // LevelDB is loaded only here: current repos never load it
  const { Level } = await import('level')
  const db = new Level<Bytes, Bytes>(join(dir, 'store'), { keyEncoding: 'view', valueEncoding: 'view' })
  let said = false
  for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
    try {
      await db.open({ createIfMissing: false })
      break
    } catch (err: any) {
      if (!isLegacyRepo(dir)) {
        // moved by another process meanwhile: an open that came while it deleted the old files may have made LevelDB's lock file again
        if (await isCurrent()) await removeLegacy(dir)
        return
      }
      const locked = err?.code === 'LEVEL_LOCKED' || err?.cause?.code === 'LEVEL_LOCKED'
      if (!locked) throw new RepoError(`cannot move the repo at ${dir} to the new store: its LevelDB store cannot be read (${err.cause?.message ?? err.message}); the old store is untouched`, { cause: err })
      if (!said) { options.onWait?.('waiting for another process that is moving the repo to the new store'); said = true }
      await sleep(delay, undefined, { signal: options.signal })
    }
  }
  let engine: Engine | undefined
  const packs = new PackReader(join(dir, 'packs'))
  try {
    // moved by another process while this one waited for the lock (it may be deleting the old files now)
    if (!isLegacyRepo(dir) || await isCurrent()) return
    try {
      engine = await makeEngine()
      await copyEntries(db, engine, packs, dir, options)
      await engine.close()
      engine = undefined
      await markCurrent()
    } catch (err: any) {
      await engine?.discard().catch(() => {})
      await engine?.env.close().catch(() => {})
      if (err instanceof RepoError || err?.name === 'AbortError') throw err
      throw new RepoError(`cannot move the repo at ${dir} to the new store: ${err.message}; the old store is untouched`, { cause: err })
    }
    // the old files go while the lock is held (a waiter that gets it finds the marker)
    await removeLegacy(dir)
  } finally {
    packs.close()
    await db.close()
  }
}

async function copyEntries (db: any, engine: Engine, packs: PackReader, dir: string, options: AbortOptions): Promise<void> {
  const sub = (name: string): any => db.sublevel(name, { keyEncoding: 'view', valueEncoding: 'view' })
  let pending = 0
  const step = async (bytes: number): Promise<void> => {
    pending += bytes
    if (pending >= BATCH_BYTES) { await engine.flush(options); pending = 0 }
  }
  for await (const [key, value] of sub('d').iterator()) {
    options.signal?.throwIfAborted()
    await engine.putData(Buffer.from(key).toString('utf8'), value)
    await step(value.byteLength)
  }
  for await (const [key, value] of sub('b').iterator()) {
    await engine.putBlock(key, value)
    await step(value.byteLength)
  }
  for await (const [key, value] of sub('p').iterator()) {
    // a pack missing or short is an error: the move would lose the block
    const bytes = packs.read(value)
    await engine.putBlock(key, bytes)
    await step(bytes.byteLength)
  }
  await moveTwoCharacterShards(join(dir, 'blocks'))
  for await (const key of sub('f').keys()) {
    const size = (await stat(engine.blockFiles.path(key)).catch(() => undefined))?.size
    if (size == null) continue // the file was already gone
    await engine.adoptFile(key, size)
    await step(64)
  }
  await engine.flush(options)
}

/**
 * Deletes what the legacy layout kept (after the repo is marked current). `store/CURRENT`
 * goes first: from then on the folder is not a legacy repo.
 */
export async function removeLegacy (dir: string): Promise<void> {
  await rm(join(dir, 'store', 'CURRENT'), { force: true })
  await rm(join(dir, 'store'), { recursive: true, force: true })
  await rm(join(dir, 'packs'), { recursive: true, force: true })
  await rm(join(dir, 'owner.pid'), { force: true })
}

/** Layout 1 kept large blocks in two-character shard folders; the current layout uses one. */
async function moveTwoCharacterShards (dir: string): Promise<void> {
  let shards: string[]
  try { shards = await readdir(dir) } catch { return }
  for (const shard of shards.filter(s => s.length === 2)) {
    const from = join(dir, shard)
    for (const name of await readdir(from)) {
      if (name.endsWith('.tmp')) continue
      const to = join(dir, name.slice(-2, -1))
      await mkdir(to, { recursive: true })
      await rename(join(from, name), join(to, name))
    }
    await rmdir(from).catch(() => {})
  }
}

/** Reads small blocks out of layout 2's pack files. */
class PackReader {
  private readonly fds = new Map<number, number>()
  constructor (private readonly dir: string) {}

  /** A block's bytes; a pack that is missing or too short for it is an error. */
  read (location: Bytes): Bytes {
    const b = Buffer.from(location.buffer, location.byteOffset, location.byteLength)
    const pack = b.readUInt32BE(0)
    const offset = b.readUInt32BE(4)
    const length = b.readUInt32BE(8)
    const name = `packs/${String(pack).padStart(8, '0')}.pack`
    let fd = this.fds.get(pack)
    if (fd === undefined) {
      try {
        fd = openSync(join(this.dir, name.slice('packs/'.length)), 'r')
      } catch (err: any) {
        throw new RepoError(`cannot move the repo at ${join(this.dir, '..')} to the new store: ${name} cannot be read (${err.code ?? err.message}); the old store is untouched`, { cause: err })
      }
      this.fds.set(pack, fd)
    }
    const out = Buffer.allocUnsafe(length)
    for (let done = 0; done < length;) {
      const n = readSync(fd, out, done, length - done, offset + done)
      if (n === 0) throw new RepoError(`cannot move the repo at ${join(this.dir, '..')} to the new store: ${name} ends before a block it holds (at byte ${offset + done}); the old store is untouched`)
      done += n
    }
    return out
  }

  close (): void {
    for (const fd of this.fds.values()) closeSync(fd)
  }
}
