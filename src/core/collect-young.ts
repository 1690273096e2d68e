import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

let minorGc: ((opts: { type: string }) => void) | undefined

/**
 * Frees the chunks already stored or passed on, for commands that stream large
 * files (add, import), when their caller asks for it (the CLI does; library users'
 * processes are left alone, since this sets --expose-gc). Each chunk is a buffer
 * outside V8's heap, dead a few milliseconds after it is read; the small JS
 * objects that hold them rarely fill the young generation, so without this they
 * pile up until V8's external-memory limit forces a full collection, and the peak
 * RSS of a large add sat 60 MB higher (an import of 512 MiB, near a gigabyte). A
 * young-generation collection of a heap this small takes well under a millisecond.
 */
export function collectYoung (): void {
  if (minorGc == null) {
    setFlagsFromString('--expose-gc')
    minorGc = runInNewContext('gc')
  }
  minorGc?.({ type: 'minor' })
}

let enabled = false
let since = 0

/** Turns on {@link streamed} for this process (the CLI does, for commands that stream large files). */
export function enableChunkCollection (): void {
  enabled = true
}

/** Counts bytes streamed through; every 16 MiB, when enabled, frees the chunks already passed on. */
export function streamed (bytes: number): void {
  if (!enabled) return
  since += bytes
  if (since >= 16 * 1024 * 1024) { since = 0; collectYoung() }
}
