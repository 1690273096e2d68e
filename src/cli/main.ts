import { AbortError } from '../errors.js'
import { run } from './index.js'

/** Entry point of the bin: wires process I/O and signals to `run`, exits once. */
export async function main (argv: string[]): Promise<void> {
  const controller = new AbortController()
  let first: number | undefined
  const onSignal = (sig: NodeJS.Signals): void => {
    if (first == null) {
      first = Date.now()
      controller.abort(new AbortError(`interrupted by ${sig}`))
      return
    }
    // one Ctrl-C often arrives twice: from the terminal to the whole process group, and passed on
    // by a parent that forwards signals (npx, npm, or bin/ipfs-publish.js re-running itself on a newer
    // Node.js). A second signal within a second of the first is that same interrupt; a later one
    // is the user insisting: exit at once
    if (Date.now() - first < 1000) return
    process.exit(130)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.stdout.on('error', (err: NodeJS.ErrnoException) => { if (err.code === 'EPIPE') process.exit(0) })
  const code = await run(argv, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd(), signal: controller.signal })
  // the command is done and its output written: exit now, rather than wait for timers that
  // libraries leave behind (libp2p's linger about a second after a node has stopped)
  await new Promise<void>(resolve => process.stderr.write('', () => resolve()))
  process.exit(code)
}
