import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** Deterministic pseudo-random bytes (sha256 in counter mode), the same on every machine. */
export function detBytes (size: number, seed = 'ipfs-publish'): Buffer {
  const out = Buffer.alloc(size)
  let offset = 0
  for (let i = 0; offset < size; i++) {
    const block = createHash('sha256').update(`${seed}:${i}`).digest()
    offset += block.copy(out, offset)
  }
  return out
}

/** Writes `count` files named with `nameLen` characters, each holding a few bytes, as Kubo's HAMT threshold tests do. */
export async function writeManyFiles (dir: string, count: number, nameLen: number): Promise<void> {
  await mkdir(dir, { recursive: true })
  for (let i = 0; i < count; i++) {
    const name = String(i).padStart(nameLen, '0')
    await writeFile(join(dir, name), `f${i}`)
  }
}

/**
 * A nested tree with files of several sizes and non-ASCII names; with `empty`,
 * also an empty folder (which Kubo keeps and ipfs-car drops).
 */
export async function writeTree (dir: string, options: { empty?: boolean } = {}): Promise<void> {
  await mkdir(join(dir, 'a', 'b', 'c'), { recursive: true })
  if (options.empty === true) await mkdir(join(dir, 'empty'), { recursive: true })
  await mkdir(join(dir, 'ünïcødé'), { recursive: true })
  await writeFile(join(dir, 'top.txt'), 'top level\n')
  await writeFile(join(dir, 'a', 'one.bin'), detBytes(1))
  await writeFile(join(dir, 'a', 'b', 'mid.bin'), detBytes(300_000, 'mid'))
  await writeFile(join(dir, 'a', 'b', 'c', 'deep.bin'), detBytes(1_048_577, 'deep'))
  await writeFile(join(dir, 'ünïcødé', 'zürich.txt'), 'Zürich\n')
}

/** Flips one bit of a stored block, found by a string it holds, where the repo keeps it on disk (LMDB's data file); returns the file's name. No process may have the repo open. */
export async function flipStoredByte (repo: string, needle: string): Promise<string> {
  const { readFile, writeFile } = await import('node:fs/promises')
  const { join } = await import('node:path')
  const path = join(repo, 'lmdb', 'data.mdb')
  const bytes = await readFile(path)
  const at = bytes.indexOf(needle)
  if (at === -1) throw new Error('needle not found in the repo\'s files')
  bytes[at] ^= 0x20
  await writeFile(path, bytes)
  return 'data.mdb'
}
