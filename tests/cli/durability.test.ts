// "A printed result means the data is synced to disk", checked on the system calls
// themselves: publish runs under strace, and every CID it prints must come after an
// fdatasync of the store that followed the first write of that CID's block.
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, ROOT, tempDir } from '../helpers/cli.js'

const GEN = join(ROOT, 'tests', 'fixtures', 'gen-articles.mjs')
const hasStrace = spawnSync('strace', ['-V']).status === 0

/** The bytes as strace -xx prints them inside a string: \xNN each. */
function escaped (bytes: Uint8Array): string {
  return [...bytes].map(b => '\\x' + b.toString(16).padStart(2, '0')).join('')
}

interface Call { index: number, kind: 'store-write' | 'store-sync' | 'stdout', text: string }

describe.skipIf(!hasStrace && process.env.CI == null)('durability under strace', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { tmp = await tempDir() })
  afterAll(async () => { await tmp.cleanup() })

  it('every CID publish prints comes after an fdatasync of the store that covers its block', () => {
    const corpus = join(tmp.path, 'corpus')
    // 600 articles: the bulk path, several commits, results printed while later commits run
    execFileSync(process.execPath, [GEN, '--out', corpus, '--count', '600', '--seed', '4', '--max-kb', '2'], { stdio: 'ignore' })
    const log = join(tmp.path, 'strace.log')
    const repo = join(tmp.path, 'repo')
    const run = spawnSync('strace', ['-f', '-y', '-qq', '-xx', '-s', '1000000', '--seccomp-bpf', '-e', 'trace=write,writev,pwrite64,pwritev,pwritev2,fsync,fdatasync,msync,sync_file_range', '-o', log, process.execPath, BIN, '--repo', repo, 'publish', corpus, '-q'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 })
    expect(run.status).toBe(0)
    const printed = run.stdout.trim().split('\n')
    expect(printed).toHaveLength(600)

    // -xx escapes the paths strace shows for descriptors (-y) too
    const store = escaped(Buffer.from('/lmdb/data.mdb')) + '>'
    const calls: Call[] = []
    // a sync that another thread's calls interrupt in the log counts where it returns
    const unfinished = new Set<string>()
    for (const [index, line] of readFileSync(log, 'utf8').split('\n').entries()) {
      const resumed = /^(\d+)\s+<\.\.\. (fsync|fdatasync|msync|sync_file_range) resumed>/.exec(line)
      if (resumed != null && unfinished.delete(resumed[1])) { calls.push({ index, kind: 'store-sync', text: line }); continue }
      const call = /^(\d+)\s+(\w+)\((\d+)<([^>]*>)/.exec(line)
      if (call == null) continue
      const [, pid, name, fd, path] = call
      if (path.endsWith(store) && /^(write|writev|pwrite64|pwritev2?)$/.test(name)) calls.push({ index, kind: 'store-write', text: line })
      else if (path.endsWith(store) && /^(fsync|fdatasync|msync|sync_file_range)$/.test(name)) {
        if (line.includes('<unfinished ...>')) unfinished.add(pid)
        else calls.push({ index, kind: 'store-sync', text: line })
      }
      else if (fd === '1' && name === 'write') calls.push({ index, kind: 'stdout', text: line })
    }
    expect(calls.filter(c => c.kind === 'store-sync').length).toBeGreaterThan(1)
    const outs = calls.filter(c => c.kind === 'stdout' && !c.text.includes(', NULL, 0)'))
    let checked = 0
    for (const cid of printed) {
      const key = escaped(CID.parse(cid).multihash.bytes)
      const firstWrite = calls.find(c => c.kind === 'store-write' && c.text.includes(key))
      const out = outs.find(c => c.text.includes(escaped(Buffer.from(cid))))
      expect(firstWrite, `${cid} was never written to the store`).toBeDefined()
      expect(out, `${cid} was never written to stdout`).toBeDefined()
      const synced = calls.some(c => c.kind === 'store-sync' && c.index > firstWrite!.index && c.index < out!.index)
      expect(synced, `${cid} printed (line ${out!.index}) with no sync of the store after its block was written (line ${firstWrite!.index})`).toBe(true)
      checked++
    }
    expect(checked).toBe(600)
  }, 240_000)
})
