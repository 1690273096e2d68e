import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { base32 } from 'multiformats/bases/base32'
import { syncDir, writeNewFileSynced } from '../fs/atomic-write.js'

type Bytes = Uint8Array

/**
 * Blocks this large or larger are kept in files of their own, as Kubo's flatfs
 * keeps every block: a large `add` then leaves no gigabytes inside the database
 * file for gc to free, and their bytes are written once. Smaller ones live in the
 * database (engine.ts).
 */
export const FILE_BLOCK_BYTES = 128 * 1024

/**
 * The folder of large blocks: `<dir>/<shard>/<base32 multihash>`, 32 shards by the
 * next-to-last character (flatfs's next-to-last/1; two characters meant up to 1,024
 * folders, and making one cost about a millisecond). A block is written to a
 * temporary file in `tmpDir` and fdatasync-ed there; {@link BlockFiles.place}
 * renames it into its shard and the shard folder is fsync-ed before the database
 * commit that names it, so a committed block always names a durable file.
 */
export class BlockFiles {
  private readonly shards = new Set<string>()
  private tmpCount = 0
  private tmpMade = false

  constructor (readonly dir: string, readonly tmpDir: string) {}

  /** The file that holds a large block. */
  path (multihash: Bytes): string {
    const name = base32.encode(multihash).slice(1)
    return join(this.dir, name.slice(-2, -1), name)
  }

  /** Writes `bytes` to a new temporary file, synced to disk; returns its path. */
  async writeTemp (bytes: Bytes): Promise<string> {
    if (!this.tmpMade) { await mkdir(this.tmpDir, { recursive: true }); this.tmpMade = true }
    const tmp = join(this.tmpDir, `${process.pid}-${Date.now().toString(36)}-${++this.tmpCount}.block`)
    await writeNewFileSynced(tmp, bytes)
    return tmp
  }

  /**
   * Moves temporary files to their blocks' paths and makes the renames durable
   * (each shard folder touched is fsync-ed once). Renaming over an existing file of
   * the same block is harmless: the name is the content's hash.
   */
  async place (moves: Array<{ tmp: string, multihash: Bytes }>): Promise<void> {
    const touched = new Set<string>()
    let madeShard = false
    for (const { tmp, multihash } of moves) {
      const to = this.path(multihash)
      const shard = dirname(to)
      if (!this.shards.has(shard)) {
        await mkdir(shard, { recursive: true })
        this.shards.add(shard)
        madeShard = true
      }
      await rename(tmp, to)
      touched.add(shard)
    }
    await Promise.all([...touched].map(async d => syncDir(d)))
    if (madeShard) await syncDir(this.dir)
  }

  /** A large block's bytes, read without blocking the event loop; undefined when its file is gone. */
  async read (multihash: Bytes): Promise<Bytes | undefined> {
    return await this.readPath(this.path(multihash))
  }

  /** A file's bytes, or undefined when it is gone. */
  async readPath (path: string): Promise<Bytes | undefined> {
    const fh = await open(path, 'r').catch((err: any) => { if (err.code === 'ENOENT') return undefined; throw err })
    if (fh == null) return undefined
    try {
      return await fh.readFile()
    } finally {
      await fh.close()
    }
  }

  /** A large block's size on disk, or undefined when its file is gone. */
  async size (multihash: Bytes): Promise<number | undefined> {
    return (await stat(this.path(multihash)).catch(() => undefined))?.size
  }

  async remove (multihash: Bytes): Promise<void> {
    await rm(this.path(multihash), { force: true })
  }

  /**
   * Every file in the blocks folder, with the multihash it is named for when its
   * name is one, and every file in the temporary folder.
   */
  async * list (): AsyncGenerator<{ path: string, multihash?: Bytes }> {
    let shards: string[] = []
    try { shards = await readdir(this.dir) } catch {}
    for (const shard of shards) {
      let names: string[]
      try { names = await readdir(join(this.dir, shard)) } catch { continue }
      for (const name of names) {
        let multihash: Bytes | undefined
        try { multihash = base32.decode('b' + name) } catch {}
        yield { path: join(this.dir, shard, name), multihash }
      }
    }
    let temps: string[] = []
    try { temps = await readdir(this.tmpDir) } catch {}
    for (const name of temps) yield { path: join(this.tmpDir, name) }
  }
}
