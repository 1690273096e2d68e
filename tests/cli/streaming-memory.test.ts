// cat, get, import and export stream: their memory does not grow with the file.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cli, tempDir } from '../helpers/cli.js'
import { track } from '../helpers/processes.js'

/** Runs the bin, reading its peak RSS (VmHWM) from /proc just before it exits; stdout is discarded. */
async function peakOf (args: string[]): Promise<number> {
  const child = track(spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] }))
  let peak = 0
  let err = ''
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  const poll = setInterval(() => {
    try { peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024) } catch {}
  }, 10)
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  clearInterval(poll)
  if (code !== 0) throw new Error(`${args.join(' ')}: exit ${code}: ${err}`)
  return peak
}

describe('streaming commands keep memory flat (32 MiB against 256 MiB)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  const cids: Record<number, string> = {}
  const repo = (): string => join(tmp.path, 'repo')
  beforeAll(async () => {
    tmp = await tempDir()
    const { randomFillSync } = await import('node:crypto')
    const { open } = await import('node:fs/promises')
    for (const mib of [32, 256]) {
      const file = join(tmp.path, `f${mib}.bin`)
      const fh = await open(file, 'w')
      for (let i = 0; i < mib; i += 16) await fh.write(randomFillSync(Buffer.alloc(16 * 1024 * 1024)))
      await fh.close()
      cids[mib] = (await cli(['--repo', repo(), 'add', file, '-q'], { timeout: 120_000 })).stdout.trim()
      await rm(file)
    }
  }, 240_000)
  afterAll(async () => { await tmp.cleanup() })

  const commands: Record<string, (mib: number) => string[]> = {
    cat: mib => ['--repo', repo(), 'cat', cids[mib]],
    get: mib => ['--repo', repo(), 'get', cids[mib], '-o', join(tmp.path, `got-${mib}-${Date.now()}`)],
    export: mib => ['--repo', repo(), 'export', cids[mib], '-o', join(tmp.path, `e${mib}.car`)],
    import: mib => ['--repo', join(tmp.path, `imported-${mib}`), 'import', join(tmp.path, `e${mib}.car`)]
  }
  for (const [name, args] of Object.entries(commands)) {
    it(`${name}: the larger file's peak is within 60 MB of the smaller one's`, async () => {
      const small = Math.min(await peakOf(args(32)), await peakOf(args(32)))
      const large = Math.min(await peakOf(args(256)), await peakOf(args(256)))
      // reading the whole file into memory would add about 224 MB
      expect(large - small, `peaks: ${small.toFixed(0)} MB for 32 MiB, ${large.toFixed(0)} MB for 256 MiB`).toBeLessThan(60)
    }, 240_000)
  }
})
