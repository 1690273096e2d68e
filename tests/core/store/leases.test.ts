import { readFileSync } from 'node:fs'
import { link, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { acquireGcLock, acquireWriterLease, readGcLock, removeGcLock } from '../../../src/core/store/leases.js'
import { tempDir } from '../../helpers/cli.js'

/** This process's start time in clock ticks: field 22 of /proc/<pid>/stat (proc(5)). */
function startTime (pid: number): string {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')
  return fields[22 - 3]
}

/** Leaves a gc lock of a process that is gone: pid 2^22 + 1 is above Linux's pid_max. */
async function staleLock (dir: string): Promise<void> {
  await writeFile(join(dir, 'gco-4194305-123'), '')
  await link(join(dir, 'gco-4194305-123'), join(dir, 'gc'))
}

describe('writer leases and the gc lock', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => { tmp = await tempDir() })
  afterEach(async () => { await tmp.cleanup() })

  it('a writer waits while gc holds the lock, is told so at once, and goes on when gc releases it', async () => {
    const dir = join(tmp.path, 'locks')
    const releaseGc = await acquireGcLock(dir)
    const told: string[] = []
    let got = false
    const writer = acquireWriterLease(dir, { onWait: m => told.push(m) }).then(release => { got = true; return release })
    await new Promise(resolve => setTimeout(resolve, 100))
    expect(got).toBe(false)
    expect(told).toEqual([`waiting for gc (pid ${process.pid}) to finish`])
    await releaseGc()
    const release = await writer
    expect(got).toBe(true)
    await release()
    expect(await readdir(dir)).toEqual([])
  })

  it('gc waits for every live writer, is told which, and goes on when they are done', async () => {
    const dir = join(tmp.path, 'locks')
    const releaseWriter = await acquireWriterLease(dir)
    const told: string[] = []
    let got = false
    const gc = acquireGcLock(dir, { onWait: m => told.push(m) }).then(release => { got = true; return release })
    await new Promise(resolve => setTimeout(resolve, 100))
    expect(got).toBe(false)
    expect(told).toEqual([`waiting for 1 writing process (pid ${process.pid}) to finish`])
    // a writer that comes while gc waits also waits (gc is not starved)
    let second = false
    const writer2 = acquireWriterLease(dir).then(r => { second = true; return r })
    await releaseWriter()
    const release = await gc
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(second).toBe(false)
    await release()
    await (await writer2)()
    expect(second).toBe(true)
  })

  it('leases and locks of processes that are gone are removed, not waited for', async () => {
    const dir = join(tmp.path, 'locks')
    await acquireWriterLease(dir) // makes the folder
    for (const name of await readdir(dir)) await rm(join(dir, name))
    // pid 2^22 + 1 is above Linux's pid_max: no such process
    await writeFile(join(dir, 'w-4194305-123-1'), '')
    const releaseGc = await acquireGcLock(dir)
    // the dead writer's lease is gone; the lock names this process by its pid and start time
    expect((await readdir(dir)).sort()).toEqual(['gc', expect.stringMatching(new RegExp(`^gco-${process.pid}-${startTime(process.pid)}-\\d+$`))])
    await releaseGc()
    expect(await readdir(dir)).toEqual([])
    // what a gc killed while taking or removing its lock leaves: its owner file, unlinked, or the lock moved aside
    await writeFile(join(dir, 'gco-4194305-123'), '')
    await writeFile(join(dir, 'gcx-4194305-123-1'), '')
    await (await acquireGcLock(dir))()
    expect(await readdir(dir)).toEqual([])
    await staleLock(dir)
    const release = await acquireWriterLease(dir)
    expect((await readdir(dir)).filter(n => n.startsWith('gc'))).toEqual([])
    await release()
  })

  it('an aborted wait gives up with an AbortError and leaves no lease behind', async () => {
    const dir = join(tmp.path, 'locks')
    const releaseGc = await acquireGcLock(dir)
    await expect(acquireWriterLease(dir, { signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ name: expect.stringMatching(/AbortError|TimeoutError/) })
    expect((await readdir(dir)).filter(n => n.startsWith('w-'))).toEqual([])
    await releaseGc()
    expect(await readdir(dir)).toEqual([])
  })

  it('a process that judged a lock stale removes that lock only, never a newer gc\'s', async () => {
    const dir = join(tmp.path, 'locks')
    await (await acquireWriterLease(dir))() // makes the folder
    await staleLock(dir)
    // two processes judge the same dead gc's lock stale; the first removes it, and a new gc takes the lock
    const judged = await readGcLock(dir)
    await removeGcLock(dir, judged as any)
    expect(await readdir(dir)).toEqual([])
    const releaseGc = await acquireGcLock(dir)
    // the second removes what it judged: the new gc's lock stays
    await removeGcLock(dir, judged as any)
    expect((await readdir(dir)).sort()).toEqual(['gc', expect.stringMatching(new RegExp(`^gco-${process.pid}-${startTime(process.pid)}-\\d+$`))])
    await expect(acquireWriterLease(dir, { signal: AbortSignal.timeout(200) })).rejects.toMatchObject({ name: expect.stringMatching(/AbortError|TimeoutError/) })
    await releaseGc()
    expect(await readdir(dir)).toEqual([])
  })

  it('a lock left without its owner file is removed once old, and only that lock', async () => {
    const dir = join(tmp.path, 'locks')
    await (await acquireWriterLease(dir))()
    // a lock whose remover was killed between removing the owner file and the lock
    await writeFile(join(dir, 'gc'), '')
    const old = new Date(Date.now() - 60_000)
    await utimes(join(dir, 'gc'), old, old)
    const judged = await readGcLock(dir)
    const release = await acquireWriterLease(dir) // judges it stale and removes it
    expect(await readdir(dir)).toEqual([expect.stringMatching(/^w-/)])
    await release()
    const releaseGc = await acquireGcLock(dir)
    const ino = (await stat(join(dir, 'gc'))).ino
    await removeGcLock(dir, judged as any)
    expect((await stat(join(dir, 'gc'))).ino).toBe(ino)
    await expect(acquireWriterLease(dir, { signal: AbortSignal.timeout(200) })).rejects.toMatchObject({ name: expect.stringMatching(/AbortError|TimeoutError/) })
    await releaseGc()
    expect(await readdir(dir)).toEqual([])
  })

  it('two gc locks asked for in one process: the second waits for the first, whose lock stays whole', async () => {
    const dir = join(tmp.path, 'locks')
    const releaseFirst = await acquireGcLock(dir)
    let second = false
    const next = acquireGcLock(dir).then(release => { second = true; return release })
    // longer than a lock without its owner file is kept
    await new Promise(resolve => setTimeout(resolve, 2500))
    expect(second).toBe(false)
    expect((await readGcLock(dir))?.owner).toMatch(new RegExp(`^${process.pid}-`))
    await releaseFirst()
    await (await next)()
    expect(await readdir(dir)).toEqual([])
  })
})
