import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { BIN, ROOT } from './cli.js'
import { track } from './processes.js'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import type { CliResult } from './cli.js'

const IP = ['/usr/sbin/ip', '/usr/bin/ip', '/sbin/ip'].find(p => existsSync(p))

/** Whether a network namespace holding only `lo` can be made here (root, unshare and ip). */
export const NETNS = process.getuid?.() === 0 && existsSync('/usr/bin/unshare') && IP != null

/** The preload that refuses (and logs to $NETWORK_LOG) any connection, listen, DNS query or fetch beyond loopback. */
export const LOOPBACK_ONLY = join(ROOT, 'tests', 'fixtures', 'loopback-only.mjs')

/**
 * Starts the real bin inside a new network namespace whose only interface is `lo`
 * (brought up), with the loopback-only preload: a check that was missed reaches
 * nothing, and is logged.
 */
export function spawnInNetns (args: string[], opts: { env?: NodeJS.ProcessEnv, cwd?: string } = {}): ChildProcessWithoutNullStreams {
  return track(spawn('unshare', ['--net', 'sh', '-c', `${IP!} link set lo up && exec "$@"`, 'sh', process.execPath, '--import', LOOPBACK_ONLY, BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, IPFS_PUBLISH_REPO: '', ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe']
  }))
}

/** Runs the real bin in a network namespace holding only `lo` (see {@link spawnInNetns}), bounded in time. */
export async function cliInNetns (args: string[], opts: { env?: NodeJS.ProcessEnv, cwd?: string, timeout?: number } = {}): Promise<CliResult> {
  return await new Promise((resolve, reject) => {
    const child = spawnInNetns(args, opts)
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => err.push(d))
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`cli ${args.join(' ')} timed out`)) }, opts.timeout ?? 120_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      const stdoutBytes = Buffer.concat(out)
      resolve({ code, stdout: stdoutBytes.toString(), stderr: Buffer.concat(err).toString(), stdoutBytes })
    })
    child.stdin.end()
  })
}
