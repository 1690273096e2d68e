import { randomBytes } from 'node:crypto'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** A temporary name beside `path`, in the same folder (so a rename is atomic). */
export function tempPathFor (path: string): string {
  return join(dirname(path), `.${basename(path)}.ipfs-publish-${process.pid}-${randomBytes(4).toString('hex')}.tmp`)
}

/**
 * Writes `bytes` to a new file at `path` (which must not exist) and syncs it to
 * disk; on any failure the file is removed.
 */
export async function writeNewFileSynced (path: string, bytes: Uint8Array | string, mode = 0o644): Promise<void> {
  const fh = await open(path, 'wx', mode)
  try {
    await fh.writeFile(bytes)
    await fh.datasync() // the data and the size: all a new file's later rename needs
  } catch (err) {
    await fh.close().catch(() => {})
    await rm(path, { force: true })
    throw err
  }
  await fh.close()
}

/**
 * Replaces the file at `path` with `bytes` atomically: write a temporary file
 * beside it, fsync it, rename it over the target, fsync the folder. A crash at
 * any point leaves either the old file or the new one, never half of one.
 */
export async function writeFileAtomic (path: string, bytes: Uint8Array | string, mode = 0o644): Promise<void> {
  const tmp = tempPathFor(path)
  await writeNewFileSynced(tmp, bytes, mode)
  try {
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  await syncDir(dirname(path))
}

/** fsyncs a folder so that a rename into it is durable (ignored where the platform cannot). */
export async function syncDir (dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r')
    try { await fh.sync() } finally { await fh.close() }
  } catch {}
}
