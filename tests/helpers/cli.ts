import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { track } from './processes.js'

export const ROOT = resolve(import.meta.dirname, '..', '..')
export const BIN = join(ROOT, 'bin', 'ipfs-publish.js')
export const PUBLISH_BIN = join(ROOT, 'bin', 'publish.js')
export const SAMPLE = join(ROOT, 'articles', 'us-joins-ukraine-peace-force-talks.txt')

export interface CliResult { code: number | null, stdout: string, stderr: string, stdoutBytes: Buffer }

/** Runs the real bin in a child process (bounded in time), returning exit code and output. */
export async function cli (args: string[], opts: { cwd?: string, env?: NodeJS.ProcessEnv, input?: string | Buffer, bin?: string, timeout?: number, node?: string, onStderr?: (text: string) => void } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(opts.node ?? process.execPath, [opts.bin ?? BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, IPFS_PUBLISH_REPO: '', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe']
    }))
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => { err.push(d); opts.onStderr?.(d.toString()) })
    // a bound against a hang, not a figure: generous, so that a loaded machine only makes it slower
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`cli ${args.join(' ')} timed out`)) }, Math.max(opts.timeout ?? 0, 120_000))
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      const stdoutBytes = Buffer.concat(out)
      resolve({ code, stdout: stdoutBytes.toString(), stderr: Buffer.concat(err).toString(), stdoutBytes })
    })
    child.stdin.end(opts.input)
  })
}

/** A fresh temporary folder, removed by the returned cleanup. */
export async function tempDir (prefix = 'ipfs-publish-test-'): Promise<{ path: string, cleanup(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, cleanup: async () => rm(path, { recursive: true, force: true }) }
}
