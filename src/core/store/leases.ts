import { readFileSync } from 'node:fs'
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { AbortOptions } from 'abort-error'

/**
 * The repo's garbage-collection lock, as Kubo's GC lock works, across processes:
 * every process that writes (publish, add, import, pin) holds a writer lease, a
 * file `locks/w-<pid>-<start>-<n>`, while its repo is open; `gc` holds `locks/gc`
 * (with its owner in the name of `locks/gco-<pid>-<start>`). Every one of these
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
 * The gc lock is an empty file `gc`, made exclusively, and its owner an empty file
 * `gco-<pid>-<start>` beside it: files with no bytes, so that gc can take the lock
 * on a full disk. Returns the owner, '' while the lock is being taken (or was left
 * by a process killed at that moment), or undefined when there is no lock.
 */
async function gcOwner (dir: string): Promise<string | undefined> {
  let names: string[]
  try { names = await readdir(dir) } catch { return undefined }
  if (!names.includes(GC)) return undefined
  return names.find(n => n.startsWith('gco-'))?.slice(4) ?? ''
}

/** A lock with no owner file, older than this (ms), was left by a process killed while taking it. */
const OWNERLESS_MS = 2000

async function staleGc (dir: string, owner: string): Promise<boolean> {
  if (owner !== '') return !alive(owner)
  const st = await stat(join(dir, GC)).catch(() => undefined)
  return st == null || Date.now() - st.mtimeMs > OWNERLESS_MS
}

async function removeGc (dir: string, owner: string): Promise<void> {
  if (owner !== '') await rm(join(dir, `gco-${owner}`), { force: true })
  await rm(join(dir, GC), { force: true })
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
    const owner = await gcOwner(dir)
    if (owner == null) break
    if (await staleGc(dir, owner)) {
      await removeGc(dir, owner)
      break
    }
    await rm(lease, { force: true })
    if (!said) { options.onWait?.(`waiting for gc (pid ${owner === '' ? '?' : owner.split('-')[0]}) to finish`); said = true }
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
  const lock = join(dir, GC)
  let said = false
  for (let delay = 10; ; delay = await waitTurn(delay, options)) {
    options.signal?.throwIfAborted()
    try {
      await (await open(lock, 'wx')).close()
      await (await open(join(dir, `gco-${self}`), 'w')).close()
      break
    } catch (err: any) {
      if (err.code !== 'EEXIST') throw err
    }
    const owner = await gcOwner(dir)
    if (owner != null && await staleGc(dir, owner)) { await removeGc(dir, owner); continue }
    if (!said) { options.onWait?.(`waiting for another gc (pid ${owner == null || owner === '' ? '?' : owner.split('-')[0]}) to finish`); said = true }
  }
  const release = async (): Promise<void> => { await removeGc(dir, self) }
  try {
    said = false
    for (let delay = 10; ; delay = await waitTurn(delay, options)) {
      options.signal?.throwIfAborted()
      const writers: string[] = []
      for (const name of await readdir(dir)) {
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
