import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { BIN } from './cli.js'
import { track } from './processes.js'

export interface Served { child: ChildProcess, peerId: string, multiaddrs: string[], gateway: string, rpc?: string, stderr: () => string, stop: (signal?: NodeJS.Signals) => Promise<number | null> }

/** Starts `ipfs-publish serve --net local` on loopback (random ports) and waits for its ready line; killed after `limitMs` whatever happens. */
export async function serve (repo: string, extra: string[] = [], limitMs = 60_000, node = process.execPath, env: NodeJS.ProcessEnv = process.env): Promise<Served> {
  // --net local unless a --config says where to go (a config in tests always says local)
  const net = extra.includes('--config') ? [] : ['--net', 'local']
  const child = track(spawn(node, [BIN, '--repo', repo, '--json', 'serve', ...net, '--gateway-listen', '127.0.0.1:0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'], env }))
  const killer = setTimeout(() => child.kill('SIGKILL'), limitMs)
  let err = ''
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  const closed = new Promise<number | null>(resolve => child.on('close', code => { clearTimeout(killer); resolve(code) }))
  const ready = await new Promise<any>((resolve, reject) => {
    let out = ''
    const t = setTimeout(() => reject(new Error(`serve did not get ready: ${err}`)), 20_000)
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const nl = out.indexOf('\n')
      if (nl !== -1) { clearTimeout(t); resolve(JSON.parse(out.slice(0, nl))) }
    })
    child.on('close', () => { clearTimeout(t); reject(new Error(`serve exited: ${err}`)) })
  })
  return {
    child,
    ...ready,
    stderr: () => err,
    stop: async (signal = 'SIGTERM') => { child.kill(signal); return closed }
  }
}
