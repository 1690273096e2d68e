import { existsSync, readdirSync } from 'node:fs'
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { createHeliaLight } from 'helia'
import { RepoError } from '../../errors.js'
import { writeFileAtomic } from '../fs/atomic-write.js'
import { Engine, ENGINE_DIR } from './engine.js'
import { setEngine } from './engine-of.js'
import { EngineBlockstore, EngineDatastore } from './engine-stores.js'
import { acquireGcLock, acquireWriterLease } from './leases.js'
import { RepoPins, repoGc } from './helia-pins.js'
import { convertHeliaPins } from './migrate-pins.js'
import { isLegacyRepo, migrateLegacyRepo, removeLegacy } from './migrate.js'
import { VerifyingBlockstore } from './verifying-blockstore.js'
import type { OnWait } from './leases.js'
import type { Helia } from '@helia/interface'
import type { Blockstore } from 'interface-blockstore'
import type { Datastore } from 'interface-datastore'
import type { AbortOptions } from 'abort-error'

/** The file that marks a folder as a repo of this layout. */
export const REPO_MARKER = 'repo.json'
/**
 * The layout this version writes: 3 = LMDB (small blocks, datastore) plus one
 * file per large block, with Helia's per-block pin records; 4 = the same, with the
 * repo's own pin set (a record per pinned root, pins.ts). A repo of layout 3 moves
 * to 4 when first opened (migrate-pins.ts); releases that read layout 3 refuse 4
 * (they would run Helia's gc, which sees no pin, on it).
 */
export const REPO_VERSION = 4
/** The layout a repo moved from LevelDB is in before its pins move (migrate.ts writes it). */
const LMDB_HELIA_PINS = 3

/** Options for {@link openRepo}. */
export interface OpenRepoOptions extends AbortOptions {
  /**
   * `write` (the default) holds a writer lease while open, so that `gc` in another
   * process waits for this one; `read` takes none (for commands that only read,
   * and `serve`), and must not store blocks.
   */
  access?: 'read' | 'write'
  /** Make a new repo when the folder holds none. @default true for `write`, false for `read` */
  create?: boolean
  /** Told, once, when opening has to wait (for gc, or for another process moving the repo to the new store). */
  onWait?: OnWait
  /** Told when this open made a new repo (the folder held none), with its folder. */
  onCreate?: (dir: string) => void
  /** Adds to the Helia node before it starts (networking: see src/net). Offline when absent. */
  configure?: (helia: Helia) => Helia
  /** Never read a block from disk on the event loop (a server's repo): see EngineOptions. @default false */
  prefetchReads?: boolean
}

/** An open repo: the Helia node over the on-disk store. Close it when done. */
export interface Repo {
  /** The repo's folder. */
  readonly path: string
  /**
   * A Helia node (no libp2p) over the repo's stores. Its `pins` are the repo's pin
   * set (helia-pins.ts) and its `gc` the repo's (maintenance.ts, under the gc lock):
   * neither can delete what the repo's pins or names hold.
   */
  readonly helia: Helia
  /** The store's blocks, every read verified against its CID. */
  readonly blockstore: Blockstore
  readonly datastore: Datastore
  /** True when the repo could only be opened read-only (a full disk): writes fail. */
  readonly readOnly: boolean
  /** Commits pending changes in one transaction, synced to disk before it resolves. */
  flush(options?: AbortOptions): Promise<void>
  /**
   * Runs `fn` while no other process writes to the repo (the gc lock, see
   * leases.ts): this process's own writer lease is given up for the time.
   */
  exclusive<T>(fn: () => Promise<T>, options?: AbortOptions & { onWait?: OnWait }): Promise<T>
  /** A number that grows with every commit to the repo, by any process. */
  generation(): number
  /** Commits, stops the node and releases the repo. */
  close(): Promise<void>
}


/**
 * Opens (creating when allowed and needed) the repo at `path`. Any number of
 * processes may have one repo open at once: LMDB serialises their commits and
 * readers never wait. A repo of the earlier layout (LevelDB and pack files) is
 * moved to this one first. A damaged repo is never replaced: the open fails
 * naming what is missing or unreadable, and nothing is changed.
 */
export async function openRepo (path: string, options: OpenRepoOptions = {}): Promise<Repo> {
  const dir = resolve(path)
  const access = options.access ?? 'write'
  const engine = await openEngine(dir, { create: options.create ?? access === 'write', signal: options.signal, onWait: options.onWait, onCreate: options.onCreate, prefetchReads: options.prefetchReads })
  const locks = join(dir, 'locks')
  let lease: (() => Promise<void>) | undefined
  try {
    if (access === 'write' && !engine.readOnly) lease = await acquireWriterLease(locks, options)
  } catch (err) {
    await engine.close()
    throw err
  }
  const blockstore = new VerifyingBlockstore(new EngineBlockstore(engine), async cid => { await engine.markDamaged(cid.multihash.bytes) })
  const datastore = new EngineDatastore(engine)
  const light = createHeliaLight({ blockstore, datastore })
  const helia = options.configure?.(light as unknown as Helia) ?? light
  try {
    await helia.start()
  } catch (err) {
    await lease?.()
    await engine.close().catch(() => {})
    throw err
  }
  let closed = false
  const repo: Repo = {
    path: dir,
    helia: helia as unknown as Helia,
    blockstore,
    datastore,
    readOnly: engine.readOnly,
    flush: async (o) => { await engine.flush(o) },
    generation: () => engine.generation(),
    exclusive: async (fn, o = {}) => {
      await engine.flush(o)
      const hadLease = lease != null
      if (lease != null) { await lease(); lease = undefined }
      const release = await acquireGcLock(locks, { signal: o.signal, onWait: o.onWait })
      try {
        return await fn()
      } finally {
        await release()
        if (hadLease && !closed) lease = await acquireWriterLease(locks, {})
      }
    },
    close: async () => {
      if (closed) return
      closed = true
      try {
        await helia.stop()
      } finally {
        try {
          await engine.close()
        } finally {
          await lease?.()
        }
      }
    }
  }
  setEngine(repo, engine)
  // Helia's pins and gc would keep their own records (none of the repo's pins is among
  // them): its instance fields are set to the repo's pin set, its blockstore's too (which
  // asks it before deleting a block), and its gc to the repo's
  const pins = new RepoPins(repo)
  for (const node of new Set<any>([light, helia])) {
    Object.assign(node, { pins, gc: repoGc(repo) })
    Object.assign(node.blockstore, { pins })
  }
  return repo
}

/** What a folder holds: a current repo, one of the earlier layout, nothing yet, or leftovers of a repo whose marker is gone. */
async function openEngine (dir: string, options: AbortOptions & { create: boolean, onWait?: OnWait, onCreate?: (dir: string) => void, prefetchReads?: boolean }): Promise<Engine> {
  for (;;) {
    const marker = await readMarker(dir)
    if (marker === LMDB_HELIA_PINS) {
      await movePins(dir, options)
      continue
    }
    if (marker === 'current') {
      // the old files of a move killed after its marker was written (only that move deletes them otherwise)
      if (isLegacyRepo(dir)) await removeLegacy(dir)
      return openCurrent(dir, options.prefetchReads)
    }
    if (isLegacyRepo(dir)) {
      await migrateLegacyRepo(
        dir,
        async () => await readMarker(dir) !== 'missing',
        async () => {
          await rm(join(dir, ENGINE_DIR), { recursive: true, force: true })
          return Engine.open(dir, { create: true })
        },
        async () => writeMarker(dir, LMDB_HELIA_PINS),
        options
      )
      continue
    }
    // another process is making this repo right now: wait for its marker (or for it to die)
    if (existsSync(join(dir, CREATING))) {
      await waitForCreator(dir, options)
      continue
    }
    const leftovers = ['lmdb', 'blocks', 'store', 'packs'].filter(name => existsSync(join(dir, name)) && !isEmptyDir(join(dir, name)))
    if (leftovers.length > 0 && !(leftovers.length === 1 && leftovers[0] === ENGINE_DIR && isUnusedEngine(dir))) {
      throw new RepoError(`the repo at ${dir} is damaged: ${REPO_MARKER} is missing but ${leftovers.join(', ')} ${leftovers.length === 1 ? 'is' : 'are'} there; nothing was changed`)
    }
    if (!options.create) throw new RepoError(`no repo at ${dir} (a command that writes to a repo makes one: publish, add, import, key gen, key import, name publish, pin add, pin remote service add, serve)`)
    // a new repo (or one whose creation was interrupted before its marker was written)
    try {
      await mkdir(dir, { recursive: true })
    } catch (err: any) {
      throw new RepoError(`cannot create the repo folder ${dir}: ${err.code ?? err.message}`, { cause: err })
    }
    // one process makes it: the creation file is made exclusively; the others wait for the marker
    // (two processes making the LMDB environment at once would each find the other's half-made file)
    let claim
    try {
      claim = await open(join(dir, CREATING), 'wx')
    } catch (err: any) {
      if (err?.code === 'EEXIST') continue
      throw new RepoError(`cannot create the repo at ${dir}: ${err.code ?? err.message}`, { cause: err })
    }
    try {
      await claim.writeFile(`${process.pid}\n`)
      await claim.close()
      // made by another process between the look above and the claim
      if (await readMarker(dir) !== 'missing') continue
      const engine = Engine.open(dir, { create: true, prefetchReads: options.prefetchReads })
      try {
        await writeMarker(dir)
      } catch (err) {
        await engine.close()
        throw err
      }
      options.onCreate?.(dir)
      return engine
    } finally {
      await rm(join(dir, CREATING), { force: true })
    }
  }
}

/** The file a process holds while it makes a repo (its pid in it). */
const CREATING = 'repo.json.creating'

/** Waits until the process making the repo is done (the creation file gone) or dead (the file is then removed). */
async function waitForCreator (dir: string, options: AbortOptions & { onWait?: OnWait }): Promise<void> {
  const path = join(dir, CREATING)
  const started = Date.now()
  let told = false
  for (;;) {
    options.signal?.throwIfAborted()
    let pid: number
    let age: number
    try {
      pid = Number((await readFile(path, 'utf8')).trim())
      age = Date.now() - (await stat(path)).mtimeMs
    } catch (err: any) {
      if (err?.code === 'ENOENT') return
      throw err
    }
    // a creation that was killed (its pid gone, or killed before it wrote its pid): its leftovers
    // are judged as any interrupted creation's
    if ((Number.isInteger(pid) && pid > 0 && !isAlive(pid)) || (!(pid > 0) && age > 10_000)) {
      await rm(path, { force: true })
      return
    }
    // making a repo takes milliseconds: a wait worth telling about is a long one
    if (!told && Date.now() - started > 1000) { options.onWait?.(`waiting for process ${pid} to finish making the repo at ${dir}`); told = true }
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}

function isAlive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (err: any) { return err?.code === 'EPERM' }
}

function openCurrent (dir: string, prefetchReads?: boolean): Engine {
  try {
    return Engine.open(dir, { prefetchReads })
  } catch (err: any) {
    // a full disk: open read-only, so that reading, exporting and gc still work
    if (/ENOSPC|No space left/i.test(String(err?.cause?.message ?? err?.message))) return Engine.open(dir, { readOnly: true, prefetchReads })
    throw err
  }
}

function isEmptyDir (path: string): boolean {
  try { return readdirSync(path).length === 0 } catch { return false }
}

/** An engine folder with no data in it: what a creation killed before writing the marker leaves. */
function isUnusedEngine (dir: string): boolean {
  let engine: Engine | undefined
  try {
    engine = Engine.open(dir)
    const empty = engine.data.getKeysCount({}) === 0 && engine.blocks.getKeysCount({}) === 0 && engine.files.getKeysCount({}) === 0
    return empty
  } catch {
    return false
  } finally {
    void engine?.env.close()
  }
}

async function readMarker (dir: string): Promise<'current' | typeof LMDB_HELIA_PINS | 'missing'> {
  let text: string
  try {
    text = await readFile(join(dir, REPO_MARKER), 'utf8')
  } catch (err: any) {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return 'missing'
    throw new RepoError(`cannot read ${join(dir, REPO_MARKER)}: ${err.code ?? err.message}`, { cause: err })
  }
  let marker: any
  try { marker = JSON.parse(text) } catch {}
  if (marker?.format !== 'ipfs-publish-repo' || typeof marker.version !== 'number') {
    throw new RepoError(`the repo at ${dir} is damaged: ${REPO_MARKER} is not a repo marker; nothing was changed`)
  }
  if (marker.version > REPO_VERSION) throw new RepoError(`the repo at ${dir} has layout ${marker.version}, newer than this version of ipfs-publish reads (${REPO_VERSION})`)
  return marker.version <= LMDB_HELIA_PINS ? LMDB_HELIA_PINS : 'current'
}

async function writeMarker (dir: string, version = REPO_VERSION): Promise<void> {
  await writeFileAtomic(join(dir, REPO_MARKER), JSON.stringify({ format: 'ipfs-publish-repo', version, engine: 'lmdb' }) + '\n')
}

/**
 * Moves a repo of layout 3 to layout 4 (migrate-pins.ts), under the gc lock: no
 * process, of this release or an earlier one, writes meanwhile (an earlier one
 * holds a writer lease while it writes), and of several processes opening the
 * repo at once one moves it while the others wait, then find the marker of
 * layout 4 (read again once the lock is held) and move nothing.
 */
async function movePins (dir: string, options: AbortOptions & { onWait?: OnWait }): Promise<void> {
  const release = await acquireGcLock(join(dir, 'locks'), { signal: options.signal, onWait: options.onWait })
  try {
    if (await readMarker(dir) !== LMDB_HELIA_PINS) return
    await convertHeliaPins(dir, options)
    await writeMarker(dir)
  } finally {
    await release()
  }
}
