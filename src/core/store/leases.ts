import { readFileSync } from 'node:fs'
import type { BigIntStats } from 'node:fs'
import { link, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { AbortOptions } from 'abort-error'

/**
 * The repo's garbage-collection lock, as Kubo's GC lock works, across processes:
 * every process that writes (publish, add, import, pin) holds a writer lease, a
 * file `locks/w-<pid>-<start>-<n>`, while its repo is open; `gc` holds `locks/gc`
 * (a link to its owner's file `locks/gco-<pid>-<start>-<n>`). Every one of these
 * files is empty: gc can take its lock on a full disk.
 * A writer that finds `gc` held waits; gc, once it holds `gc`, waits until no
 * writer lease is left. So gc never sweeps while a block a writer is about to pin
 * sits in the store unpinned. Writers never wait for each other (the database
 * serialises their commits), and readers (`serve`, `cat`, `ls`, …) take no lease.
 *
 * Each file names its process and that process's start time, so a lease or lock
 * left by a killed process is recognised as stale and removed by the next one to
 * look (a reused pid has another start time).
 */

/** Called once when an operation starts waiting, with what it waits for. */
export type OnWait = (message: string) => void

export interface LeaseOptions extends AbortOptions {
  onWait?: OnWait
}

const GC = 'gc'
let leaseCount = 0

/** The identity of a process: its pid and its start time in clock ticks (Linux), or only the pid elsewhere. */
function processStart (pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // the command name (field 2) may hold spaces: count fields after its closing parenthesis
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}

const self = `${process.pid}-${processStart(process.pid) ?? '0'}`

/** Whether the process named `<pid>-<start>` still runs. */
function alive (owner: string): boolean {
  const [pidText, start] = owner.split('-')
  const pid = Number(pidText)
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
  } catch (err: any) {
    if (err.code !== 'EPERM') return false
  }
  const now = processStart(pid)
  return now == null || start === '0' || now === start
}

async function waitTurn (delay: number, options: LeaseOptions): Promise<number> {
  await sleep(delay, undefined, { signal: options.signal })
  return Math.min(delay * 2, 200)
}

/**
 * The gc lock is the empty file `gco-<pid>-<start>-<n>` of its owner, linked as `gc`
 * (a link is made only where no `gc` is, and the lock and its owner appear at
 * once): files with no bytes, so that gc can take the lock on a full disk. A lock
 * is told from any later one by its file (inode number and times: a number alone
 * is reused): a process removes only the lock it judged stale, or its own.
 */
interface GcLock {
  /** The identity of the lock's file, see {@link fileId}. */
  id: string
  mtimeMs: number
  /** `<pid>-<start>-<n>`, or '' when no owner file is linked to the lock (one being removed, or whose remover was killed). */
  owner: string
}

/** A file's identity: its inode number, which a later file may reuse, with its modification and birth times (which a rename or a link keeps). */
function fileId (st: BigIntStats): string {
  return `${st.ino}-${st.mtimeNs}-${st.birthtimeNs}`
}

/** The gc lock as it is now, or undefined when there is none. */
async function gcLock (dir: string): Promise<GcLock | undefined> {
  const lock = await stat(join(dir, GC), { bigint: true }).catch(() => undefined)
  if (lock == null) return undefined
  let names: string[]
  try { names = await readdir(dir) } catch { return undefined }
  for (const name of names.filter(n => n.startsWith('gco-'))) {
    const owner = await stat(join(dir, name), { bigint: true }).catch(() => undefined)
    if (owner != null && fileId(owner) === fileId(lock)) return { id: fileId(lock), mtimeMs: Number(lock.mtimeMs), owner: name.slice(4) }
  }
  return { id: fileId(lock), mtimeMs: Number(lock.mtimeMs), owner: '' }
}

/** A lock with no owner file, older than this (ms), was left by a process killed while removing it. */
const OWNERLESS_MS = 2000

function staleGc (lock: GcLock): boolean {
  if (lock.owner !== '') return !alive(lock.owner)
  return Date.now() - lock.mtimeMs > OWNERLESS_MS
}

let asideCount = 0

/**
 * Removes the lock judged stale, and only it: of the processes that judged it so,
 * the one that removes its owner file goes on; the lock is then moved aside (an
 * atomic rename) and deleted if it is still the judged one. A newer lock, taken
 * after another process removed the judged one, is put back where it was.
 */
async function removeGc (dir: string, lock: GcLock): Promise<void> {
  if (lock.owner !== '') {
    try {
      await unlink(join(dir, `gco-${lock.owner}`))
    } catch (err: any) {
      if (err.code === 'ENOENT') return // removed by another process, which removes the lock too
      throw err
    }
  }
  const aside = join(dir, `gcx-${self}-${++asideCount}`)
  try {
    await rename(join(dir, GC), aside)
  } catch (err: any) {
    if (err.code === 'ENOENT') return
    throw err
  }
  try {
    if (fileId(await stat(aside, { bigint: true })) !== lock.id) {
      // not the lock judged: put it back (unless yet another was taken in this instant)
      await link(aside, join(dir, GC)).catch(() => {})
    }
  } finally {
    await rm(aside, { force: true })
  }
}

/**
 * Takes a writer lease; resolves with its release. Waits while `gc` runs in
 * another process, saying so through `onWait` at once.
 */
export async function acquireWriterLease (dir: string, options: LeaseOptions = {}): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true })
  const lease = join(dir, `w-${self}-${++leaseCount}`)
  let said = false
  for (let delay = 10; ; delay = await waitTurn(delay, options)) {
    options.signal?.throwIfAborted()
    // lease first, then look for gc: gc takes its lock first, then looks for leases,
    // so at least one of the two sees the other
    await (await open(lease, 'w')).close()
    const lock = await gcLock(dir)
    if (lock == null) break
    if (staleGc(lock)) {
      await removeGc(dir, lock)
      break
    }
    await rm(lease, { force: true })
    if (!said) { options.onWait?.(`waiting for gc (pid ${lock.owner === '' ? '?' : lock.owner.split('-')[0]}) to finish`); said = true }
  }
  return async () => { await rm(lease, { force: true }) }
}

/**
 * Takes the gc lock; resolves with its release. Waits for another gc, then for
 * every writer lease of a live process to go (stale ones are removed), saying
 * what it waits for through `onWait` at once.
 */
export async function acquireGcLock (dir: string, options: LeaseOptions = {}): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true })
  // one owner file per lock taken (two in one process must not share one)
  const owner = `${self}-${++leaseCount}`
  const mine = join(dir, `gco-${owner}`)
  let said = false
  let id: string
  for (let delay = 10; ; delay = await waitTurn(delay, options)) {
    options.signal?.throwIfAborted()
    await (await open(mine, 'w')).close()
    try {
      id = fileId(await stat(mine, { bigint: true }))
      await link(mine, join(dir, GC))
      break
    } catch (err: any) {
      await rm(mine, { force: true })
      if (err.code !== 'EEXIST') throw err
    }
    const lock = await gcLock(dir)
    if (lock != null && staleGc(lock)) { await removeGc(dir, lock); continue }
    if (!said) { options.onWait?.(`waiting for another gc (pid ${lock == null || lock.owner === '' ? '?' : lock.owner.split('-')[0]}) to finish`); said = true }
  }
  const release = async (): Promise<void> => { await removeGc(dir, { id, mtimeMs: 0, owner }) }
  try {
    said = false
    for (let delay = 10; ; delay = await waitTurn(delay, options)) {
      options.signal?.throwIfAborted()
      const writers: string[] = []
      for (const name of await readdir(dir)) {
        if (name.startsWith('gco-') || name.startsWith('gcx-')) {
          // an owner file or a lock moved aside, left by a process killed while taking or removing the lock
          if (!alive(name.slice(4))) await rm(join(dir, name), { force: true })
          continue
        }
        if (!name.startsWith('w-')) continue
        const owner = name.slice(2).split('-').slice(0, 2).join('-')
        if (alive(owner)) writers.push(owner.split('-')[0])
        else await rm(join(dir, name), { force: true })
      }
      if (writers.length === 0) break
      if (!said) { options.onWait?.(`waiting for ${writers.length} writing process${writers.length === 1 ? '' : 'es'} (pid ${[...new Set(writers)].join(', ')}) to finish`); said = true }
    }
  } catch (err) {
    await release()
    throw err
  }
  return release
}

/** For tests: the gc lock as a process judges it, and the removal of the lock so judged. */
export { gcLock as readGcLock, removeGc as removeGcLock }
