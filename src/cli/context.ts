import type { StatusLine } from './status-line.js'
import type { OpenRepoOptions, Repo } from '../core/store/repo.js'

/** What a command handler gets: where to write, the global options and the repo. Handlers never touch `process` or `console`. */
export interface Context {
  /** Writes a result line (or raw bytes) to stdout. */
  out(data: string | Uint8Array): Promise<void>
  /** Writes a message line to stderr (suppressed with --quiet, except errors). */
  info(line: string): void
  /** Writes a line about the run itself to stderr, also with --json (suppressed with --quiet): that it waits for another process, and for what. */
  notice(line: string): void
  /** Writes a warning line to stderr: `warning: …` (suppressed with --quiet). */
  warn(line: string): void
  /** Writes an error line to stderr: `error: …`. */
  error(line: string): void
  /** Writes an error's stack trace to stderr when --debug is on. */
  trace(err: unknown): void
  /** Streams an async iterable of bytes to stdout with backpressure; returns the iterable's return value. */
  pipeOut<R>(source: AsyncGenerator<Uint8Array, R>): Promise<R>
  /** Writes an async iterable of bytes to a file atomically (temporary file, fsync, rename); returns the iterable's return value. */
  writeFile<R>(path: string, source: AsyncGenerator<Uint8Array, R>): Promise<R>
  /** A file's bytes as a stream; NotFoundError when it does not exist. */
  readFile(path: string): Promise<AsyncIterable<Uint8Array>>
  /** Standard input as a stream. */
  stdin(): AsyncIterable<Uint8Array>
  /** A path resolved against the working folder. */
  resolve(path: string): string
  readonly stdoutIsTTY: boolean
  /** The status line at the bottom of the terminal (progress), when stderr is a terminal; every other line written erases it first. */
  readonly status?: StatusLine
  /** Whether stderr is a terminal, so progress may be drawn. */
  readonly isTTY: boolean
  readonly json: boolean
  readonly quiet: boolean
  readonly debug: boolean
  /** Aborted on SIGINT/SIGTERM or when --timeout passes. */
  readonly signal: AbortSignal
  readonly cwd: string
  /** The environment (tokens of remote services come from here, never from arguments). */
  readonly env: NodeJS.ProcessEnv
  /**
   * Opens the repo named by --repo / IPFS_PUBLISH_REPO / the default, once; closed when the command ends.
   * `configure` adds networking; `access: 'write'` (commands that store blocks or pins) holds a writer
   * lease and may create the repo (`create: false` forbids it; `onCreate` is told when it does), the default `read` does neither.
   */
  repo(options?: { configure?: OpenRepoOptions['configure'], access?: OpenRepoOptions['access'], create?: boolean, prefetchReads?: boolean, onCreate?: OpenRepoOptions['onCreate'] }): Promise<Repo>
  /** The exit code the command asks for when it does not throw (e.g. 1 when some articles failed). */
  exitCode: number
}

/** The global options every command accepts. */
export interface GlobalArgs {
  repo?: string
  json: boolean
  quiet: boolean
  debug: boolean
}
