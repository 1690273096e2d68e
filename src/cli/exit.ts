import { BlockNotFoundError, isPublishError } from '../errors.js'
import type { ErrorCode } from '../errors.js'
import { printable } from './printable.js'

/** The exit codes of the CLI (documented in docs/commands.md, "Exit codes"). */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  VERIFICATION: 4,
  INTERRUPTED: 130
} as const

const CODE_TO_EXIT: Record<ErrorCode, number> = {
  ERR_INVALID_ARGUMENT: EXIT.USAGE,
  ERR_INVALID_CID: EXIT.USAGE,
  ERR_NOT_FOUND: EXIT.NOT_FOUND,
  ERR_NO_ARTICLES: EXIT.FAILURE,
  ERR_VERIFICATION_FAILED: EXIT.VERIFICATION,
  ERR_UNSAFE_PATH: EXIT.VERIFICATION,
  ERR_INVALID_ARTICLE: EXIT.FAILURE,
  ERR_REPO: EXIT.FAILURE,
  ERR_MANIFEST_MISMATCH: EXIT.FAILURE,
  ERR_BATCH_FAILED: EXIT.FAILURE,
  ERR_ABORTED: EXIT.INTERRUPTED,
  ERR_REMOTE_PIN: EXIT.FAILURE,
  ERR_IPNS: EXIT.VERIFICATION,
  ERR_ADDRESS_IN_USE: EXIT.FAILURE
}

/** The flag (or command) of each library option that messages name (see src/errors.ts). */
const OPTION_FLAGS: Record<string, string> = {
  maxBytes: '--max-size',
  gateway: '--gateway',
  gatewayStyle: '--gateway-style',
  linkTemplate: '--link-template',
  writeLink: '--write-link',
  all: '--all',
  verifyAll: 'verify --all',
  previous: '--previous',
  feedSize: '--feed-size',
  pageSize: '--page-size',
  allowEmpty: '--allow-empty'
}

/** A library message as the CLI shows it: the options it names in backticks become the flags that set them. */
export function withFlags (msg: string): string {
  return msg.replace(/`([A-Za-z]+)`/g, (whole, name: string) => OPTION_FLAGS[name] ?? whole)
}

/** A usage error from the argument parser (yargs) rather than from the library. */
export class UsageError extends Error {
  readonly name = 'UsageError'
}

/** The one place where an error becomes an exit code. */
export function exitCodeFor (err: unknown): number {
  const e = err as Error | undefined
  if (e?.name === 'AbortError') return EXIT.INTERRUPTED
  if (e instanceof UsageError || e?.name === 'YError') return EXIT.USAGE
  if (isPublishError(err)) return CODE_TO_EXIT[err.code] ?? EXIT.FAILURE
  return EXIT.FAILURE
}

/** The one-line message printed after `error: `. The core says what happened; here the CLI may add how to fix it. */
export function errorMessage (err: unknown): string {
  const e = err as (Error & { code?: string }) | undefined
  if (e?.name === 'AbortError') return 'interrupted'
  let msg = e?.message ?? String(err)
  if (err instanceof BlockNotFoundError) msg += " (publish or import it first, or fetch it with get --peer, --online or --gateway-url)"
  msg = withFlags(msg)
  // one line, no control characters (names can come from a DAG)
  return printable(msg.replace(/\s*\n\s*/g, ' '))
}
