import { randomBytes } from 'node:crypto'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** A temporary name beside `path`, in the same folder (so a rename is atomic). */
export function tempPathFor (path: string): string {
  return join(dirname(path), `.${basename(path)}.ipfs-publish-${process.pid}-${randomBytes(4).toString('hex')}.tmp`)
}

/**
 * Writes what `source` yields to a new file at `path` (which must not exist) and
 * syncs it to disk; on any failure the file is removed. Returns the source's
 * return value.
 */
export async function writeNewFileSynced<R = void> (path: string, source: Uint8Array | string | AsyncGenerator<Uint8Array, R>, mode = 0o644): Promise<R> {
  const fh = await open(path, 'wx', mode)
  let result: R
  try {
    if (typeof source === 'string' || source instanceof Uint8Array) {
      await fh.writeFile(source)
      result = undefined as R
    } else {
      for (;;) {
        const { value, done } = await source.next()
        if (done === true) { result = value; break }
        await fh.write(value)
      }
    }
    await fh.datasync() // the data and the size: all a new file's later rename needs
  } catch (err) {
    await fh.close().catch(() => {})
    await rm(path, { force: true })
    throw err
  }
  await fh.close()
  return result
}

/**
 * Replaces the file at `path` with `source` (bytes, or a stream of them)
 * atomically: write a temporary file beside it, fsync it, rename it over the
 * target, fsync the folder. A crash at any point leaves either the old file or
 * the new one, never half of one. Returns the stream's return value.
 */
export async function writeFileAtomic<R = void> (path: string, source: Uint8Array | string | AsyncGenerator<Uint8Array, R>, mode = 0o644): Promise<R> {
  const tmp = tempPathFor(path)
  const result = await writeNewFileSynced(tmp, source, mode)
  try {
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  await syncDir(dirname(path))
  return result
}

/** fsyncs a folder so that a rename into it is durable (ignored where the platform cannot). */
export async function syncDir (dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r')
    try { await fh.sync() } finally { await fh.close() }
  } catch {}
}
