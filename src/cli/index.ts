import { packageVersion } from '../core/package-version.js'
import { fsError } from '../core/fs/fs-error.js'
import yargs from 'yargs'
import { defaultRepoPath } from '../core/store/repo-path.js'
import { errorMessage, exitCodeFor, UsageError } from './exit.js'
import * as add from './commands/add.js'
import * as cat from './commands/cat.js'
import * as get from './commands/get.js'
import * as ls from './commands/ls.js'
import * as publish from './commands/publish.js'
import * as verify from './commands/verify.js'
import * as exportCmd from './commands/export.js'
import * as importCmd from './commands/import.js'
import * as pin from './commands/pin.js'
import * as gc from './commands/gc.js'
import * as statCmd from './commands/stat.js'
import * as serve from './commands/serve.js'
import * as edition from './commands/edition.js'
import * as key from './commands/key.js'
import * as name from './commands/name.js'
import type { Context } from './context.js'
import type { Repo } from '../core/store/repo.js'
import type { Readable, Writable } from 'node:stream'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { resolve as resolvePath } from 'node:path'

import { writeFileAtomic } from '../core/fs/atomic-write.js'
import { printable } from './printable.js'
import { ignoredNetOptions } from './net-options.js'
import { guardLocalNet } from './net-guard.js'
import { StatusLine } from './status-line.js'

/** Every command, listed explicitly. */
export const commands = [publish, edition, name, key, add, get, cat, verify, ls, exportCmd, importCmd, pin, gc, statCmd, serve]
/** The commands that can go online (they declare the network options themselves; pin's subcommands do so one by one). */
const ONLINE = new Set<unknown>([publish, get, serve, pin, verify])

/** What `run` needs from the process; tests pass their own. */
export interface RunIO {
  stdout: Writable & { isTTY?: boolean }
  stderr: Writable & { isTTY?: boolean }
  stdin?: Readable
  env: NodeJS.ProcessEnv
  cwd: string
  /** Aborted on SIGINT/SIGTERM. */
  signal?: AbortSignal
}

/** What a lone `-` argument is while yargs parses (see run). */
const DASH = '\u0000-'

/** Turns the placeholder back into `-` in every parsed value. */
function undash (a: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(a)) {
    if (v === DASH) a[k] = '-'
    else if (Array.isArray(v)) a[k] = v.map(x => x === DASH ? '-' : x)
  }
}

/**
 * An option the command does not know, when yargs failed on something else first. yargs
 * counts the positionals before it looks for unknown options, and takes the word after
 * an unknown option as its value: `publish --nosuchopt x.txt` failed with "Not enough
 * non-option arguments". The options are those of the command being parsed.
 */
function unknownOption (options: { key: Record<string, unknown>, alias: Record<string, string[]> }, argv: string[], msg: string): string | undefined {
  // also when no command was found: the word after an unknown option was taken as its value
  if (!/^(Not enough non-option arguments|Missing required argument|Unknown arguments?:|name a command|Did you mean)/.test(msg)) return undefined
  const known = new Set<string>(['help', 'version'])
  for (const k of Object.keys(options.key)) known.add(k)
  for (const [k, aliases] of Object.entries(options.alias)) { known.add(k); for (const a of aliases) known.add(a) }
  const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
  const isKnown = (name: string): boolean => known.has(name) || known.has(camel(name)) || (name.startsWith('no-') && (known.has(name.slice(3)) || known.has(camel(name.slice(3)))))
  for (const arg of argv) {
    if (arg === '--') break
    if (arg.startsWith('--')) {
      const name = arg.slice(2).split('=')[0]
      if (!isKnown(name)) return `Unknown argument: ${name}`
    } else if (/^-[^-\d]/.test(arg)) {
      for (const c of arg.slice(1).split('=')[0]) if (!isKnown(c)) return `Unknown argument: ${c}`
    }
  }
  return undefined
}

/** Joins small chunks (a CAR writer yields varints, CIDs and blocks separately) into writes of about 1 MiB. */
async function * coalesce<R> (source: AsyncGenerator<Uint8Array, R>, size = 1024 * 1024): AsyncGenerator<Uint8Array, R> {
  let parts: Uint8Array[] = []
  let bytes = 0
  for (;;) {
    const { value, done } = await source.next()
    if (done === true) {
      if (bytes > 0) yield Buffer.concat(parts)
      return value
    }
    parts.push(value)
    bytes += value.byteLength
    if (bytes >= size) { yield Buffer.concat(parts); parts = []; bytes = 0 }
  }
}

/** Writes and waits until the stream has taken the bytes (so that exiting right after loses nothing). */
function write (stream: Writable, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(data, err => { if (err != null) reject(err); else resolve() })
  })
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit
 * code. All output goes through `io`; nothing here calls `process.exit`.
 */
export async function run (argv: string[], io: RunIO): Promise<number> {
  let repo: Repo | undefined
  let opening: Promise<Repo> | undefined
  let debug = argv.includes('--debug')
  let outError: Error | undefined
  // result lines gathered for one write (see ctx.out)
  const gather = io.stdout.isTTY !== true && io.stderr.isTTY !== true
  let gathered: string[] = []
  let gatheredBytes = 0
  let sendScheduled = false
  const sendGathered = (): boolean => {
    sendScheduled = false
    if (gathered.length === 0) return true
    const text = gathered.length === 1 ? gathered[0] : gathered.join('')
    gathered = []
    gatheredBytes = 0
    return io.stdout.write(text, (err) => { if (err != null) outError ??= err })
  }
  // progress at the bottom of a terminal; every line written erases it first (it comes back below)
  const status = io.stderr.isTTY === true ? new StatusLine(io.stderr) : undefined
  const erase = (): void => { status?.erase() }
  const controller = new AbortController()
  io.signal?.addEventListener('abort', () => controller.abort(io.signal?.reason), { once: true })
  const ctx: Context & { setGlobals(a: any): void } = {
    out: async (data) => {
      // Results are written without waiting for each one, and when no terminal is
      // involved, lines are gathered into one write per turn of the event loop (or
      // per 64 KiB): a publish of thousands of articles made one system call per
      // line. Anything written to stderr first sends what is gathered, so the two
      // streams keep their order. A full stream (backpressure) is waited for, and
      // run() waits for the last write before it returns.
      if (outError != null) throw outError
      erase()
      let ok = true
      if (typeof data === 'string' && gather) {
        gathered.push(data)
        gatheredBytes += data.length
        if (gatheredBytes >= 64 * 1024) ok = sendGathered()
        else if (!sendScheduled) { sendScheduled = true; setImmediate(sendGathered) }
      } else {
        sendGathered()
        ok = io.stdout.write(data, (err) => { if (err != null) outError ??= err })
      }
      if (!ok) await write(io.stdout, '')
      if (outError != null) throw outError
    },
    info: (line) => { if (!ctx.quiet && !ctx.json) { sendGathered(); erase(); io.stderr.write(printable(line) + '\n') } },
    notice: (line) => { if (!ctx.quiet) { sendGathered(); erase(); io.stderr.write(printable(line) + '\n') } },
    warn: (line) => { if (!ctx.quiet) { sendGathered(); erase(); io.stderr.write(`warning: ${printable(line)}\n`) } },
    error: (line) => { sendGathered(); erase(); io.stderr.write(`error: ${printable(line)}\n`) },
    trace: (err) => { if (debug && (err as Error)?.stack != null) { sendGathered(); erase(); io.stderr.write(String((err as Error).stack) + '\n') } },
    isTTY: io.stderr.isTTY === true,
    stdoutIsTTY: io.stdout.isTTY === true,
    status,
    resolve: (path) => resolvePath(io.cwd, path),
    stdin: () => io.stdin ?? (async function * () {})(),
    readFile: async (path) => {
      const full = resolvePath(io.cwd, path)
      try {
        const st = await stat(full)
        if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' })
      } catch (err: any) {
        throw fsError(err, path)
      }
      return createReadStream(full, { highWaterMark: 1024 * 1024 })
    },
    pipeOut: async (source) => {
      const out = coalesce(source)
      for (;;) {
        const { value, done } = await out.next()
        if (done === true) return value
        await write(io.stdout, value)
      }
    },
    // one atomic writer (core/fs/atomic-write.ts): temporary file, fsync, rename, fsync of the folder
    writeFile: async (path, source) => await writeFileAtomic(path, coalesce(source)),
    json: false,
    quiet: false,
    debug,
    signal: controller.signal,
    cwd: io.cwd,
    env: io.env,
    exitCode: 0,
    repo: async (repoOptions) => {
      if (repo != null) return repo
      opening ??= (async () => {
        const { openRepo } = await import('../core/store/repo.js')
        const r = await openRepo(resolvePath(io.cwd, globals.repo ?? defaultRepoPath(io.env)), { signal: controller.signal, configure: repoOptions?.configure, access: repoOptions?.access ?? 'read', create: repoOptions?.create, onCreate: repoOptions?.onCreate, prefetchReads: repoOptions?.prefetchReads, onWait: (m) => { ctx.notice(m) } })
          .catch(async (err) => {
            // a node that went online: libp2p's "address in use" as one line naming the address
            if (repoOptions?.configure == null) throw err
            const { libp2pListenInUse } = await import('../net/listen-error.js')
            throw libp2pListenInUse(err) ?? err
          })
        repo = r
        return r
      })()
      return opening
    },
    setGlobals (a: any) {
      Object.assign(ctx, { json: a.json === true, quiet: a.quiet === true, debug: a.debug === true })
      globals.repo = a.repo
      debug = a.debug === true
    }
  }
  const globals: { repo?: string } = {}

  const wantsHelp = argv.includes('--help') || argv.includes('-h')
  // yargs drops a lone `-` (stdin, stdout) when it fills positionals and `--option -`: it
  // re-parses them as `--name -`, where `-` looks like an option. It passes through as a
  // placeholder and is turned back into `-` before any command sees it.
  argv = argv.map(a => a === '-' ? DASH : a)
  const parser = yargs(argv)
    .scriptName('ipfs-publish')
    .usage('$0 <command> [options]\n\nPublish articles on IPFS: deterministic bundles, an embedded Helia store, verified retrieval.')
    .option('repo', { type: 'string', describe: 'repo folder (env IPFS_PUBLISH_REPO)', default: io.env.IPFS_PUBLISH_REPO != null && io.env.IPFS_PUBLISH_REPO !== '' ? io.env.IPFS_PUBLISH_REPO : undefined, defaultDescription: defaultRepoPath({ ...io.env, IPFS_PUBLISH_REPO: '' }) })
    .option('json', { type: 'boolean', default: false, describe: 'one JSON object per result, one per line, on stdout' })
    .option('quiet', { type: 'boolean', alias: 'q', default: false, describe: 'print only results (CIDs); no progress, no notes' })
    .option('debug', { type: 'boolean', default: false, describe: 'print stack traces' })
    .middleware((a) => { undash(a); ctx.setGlobals(a) }, true)
    // --net local: every address a command would contact, checked before it runs (net-guard.ts)
    .middleware(async (a) => { await guardLocalNet(a) })
    .strict()
    .demandCommand(1, 'name a command (see --help)')
    .recommendCommands()
    .showHelpOnFail(false)
    .fail((msg, err) => { throw err ?? new UsageError(unknownOption((parser as any).getOptions(), argv, msg) ?? msg) })
    .exitProcess(false)
    .help()
    .alias('help', 'h')
    // read only when asked for: it costs a file read, and yargs' own lookup starts from the working folder
    .version(argv.includes('--version') ? packageVersion() : '')
    // laying out help text is costly (string widths): only when help is asked for
    .wrap(wantsHelp ? Math.min(100, (io.stdout as any).columns ?? 100) : null)
    .detectLocale(false)


  for (const cmd of commands) {
    // a command that never goes online takes the network options and ignores them
    const offline = !ONLINE.has(cmd)
    parser.command(cmd.command, cmd.describe, ((y: any) => (cmd.builder as any)(offline ? ignoredNetOptions(y) : y, ctx)) as any, async (a: any) => { await (cmd.handler as any)(a, ctx) })
  }

  let output = ''
  try {
    await parser.parseAsync(argv, {}, (err, _argv, out) => { if (err == null) output = out })
    sendGathered()
    if (output !== '') await write(io.stdout, output + '\n')
    await write(io.stdout, '') // every result line taken by the stream
    if (outError != null) throw outError
    return ctx.exitCode
  } catch (err) {
    if (output !== '' && !(err instanceof UsageError)) await write(io.stdout, output + '\n')
    ctx.trace(err)
    ctx.error(errorMessage(err))
    return exitCodeFor(err)
  } finally {
    status?.stop()
    sendGathered()
    await write(io.stdout, '').catch(() => {}) // a failed run's result lines, too, reach the stream before exit
    if (opening != null) {
      await opening.then(async r => r.close()).catch(() => {})
    }
  }
}
