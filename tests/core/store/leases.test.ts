import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { acquireGcLock, acquireWriterLease } from '../../../src/core/store/leases.js'
import { tempDir } from '../../helpers/cli.js'

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
    for (const name of await readdir(dir)) await (await import('node:fs/promises')).rm(join(dir, name))
    // pid 2^22 + 1 is above Linux's pid_max: no such process
    await writeFile(join(dir, 'w-4194305-123-1'), '')
    const releaseGc = await acquireGcLock(dir)
    expect((await readdir(dir)).sort()).toEqual(['gc', `gco-${(await readdir(dir)).find(n => n.startsWith('gco-'))!.slice(4)}`])
    await releaseGc()
    await writeFile(join(dir, 'gc'), '')
    await writeFile(join(dir, 'gco-4194305-123'), '')
    const release = await acquireWriterLease(dir)
    expect((await readdir(dir)).some(n => n === 'gc')).toBe(false)
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
})
