import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, statSync, writeSync, writev } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'

type Bytes = Uint8Array

/** Where a small block sits: which pack file, at what byte offset, how long. */
export interface PackLocation { pack: number, offset: number, length: number }

/** A new pack is started once the current one holds this much. */
export const PACK_MAX_BYTES = 1024 * 1024 * 1024

const NAME = /^(\d{8})\.pack$/

/** Appends up to this size are written on the calling thread. */
const SMALL_APPEND = 64 * 1024

/** Buffers per writev call (the usual IOV_MAX). */
const IOV_MAX = 1024

async function writevAt (fd: number, buffers: Bytes[], position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    writev(fd, buffers as NodeJS.ArrayBufferView[], position, (err, written) => { if (err != null) reject(err); else resolve(written) })
  })
}

/** A location as the 12 bytes LevelDB keeps: pack, offset, length (big-endian 32-bit each). */
export function encodeLocation (loc: PackLocation): Bytes {
  const out = Buffer.allocUnsafe(12)
  out.writeUInt32BE(loc.pack, 0)
  out.writeUInt32BE(loc.offset, 4)
  out.writeUInt32BE(loc.length, 8)
  return out
}

export function decodeLocation (bytes: Bytes): PackLocation {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return { pack: b.readUInt32BE(0), offset: b.readUInt32BE(4), length: b.readUInt32BE(8) }
}

/**
 * Small blocks appended, one after another, to pack files `packs/00000001.pack`, …
 * (as git packs objects), where LevelDB keeps only each block's location.
 * LevelDB, given the bytes themselves, wrote them three times over (its log, its
 * table, a compaction) and spent a fifth of a bulk publish doing it.
 *
 * Appends are written before the locations are committed, so a committed
 * location always names bytes on disk; a process killed between the two leaves
 * unreferenced bytes at a pack's end, which later appends simply follow. Blocks
 * that are deleted leave dead bytes behind until `gc` (LevelStores.compactPacks)
 * copies the live blocks of a mostly dead pack into a new one. One process at a
 * time writes (the repo's LevelDB lock), so appends need no lock of their own.
 */
export class PackFiles {
  private readonly readFds = new Map<number, number>()
  private current: { pack: number, fd: number, size: number } | undefined
  /** Set by roll(): the next append starts a new pack even if the newest has room. */
  private rollNext = false
  private made = false

  constructor (readonly dir: string) {}

  /** The path of pack number `pack`. */
  path (pack: number): string {
    return join(this.dir, `${String(pack).padStart(8, '0')}.pack`)
  }

  /** Every pack file with its size, in order (synchronous: a repo has a handful). */
  list (): Array<{ pack: number, size: number }> {
    let names: string[]
    try { names = readdirSync(this.dir) } catch { return [] }
    const out: Array<{ pack: number, size: number }> = []
    for (const name of names) {
      const m = NAME.exec(name)
      if (m == null) continue
      try {
        out.push({ pack: Number(m[1]), size: statSync(join(this.dir, name)).size })
      } catch {}
    }
    return out.sort((a, b) => a.pack - b.pack)
  }

  /**
   * Appends `values` to the current pack, gathered into one `writev` per 1,024 blocks
   * on the thread pool (no copy into one buffer first, no copy on this thread);
   * resolves with each one's location once all are on disk (in the page cache).
   * The space is taken before the write starts, so a failed write leaves a gap
   * that nothing names and later appends go after it.
   */
  async append (values: Bytes[]): Promise<PackLocation[]> {
    let total = 0
    for (const v of values) total += v.byteLength
    const cur = this.writable(total)
    const start = cur.size
    cur.size += total
    const locations: PackLocation[] = []
    let offset = start
    for (const v of values) {
      locations.push({ pack: cur.pack, offset, length: v.byteLength })
      offset += v.byteLength
    }
    offset = start
    if (total <= SMALL_APPEND) {
      // a publish of one article: a few KB, cheaper written here than sent to the thread pool
      const data = values.length === 1 ? values[0] : Buffer.concat(values, total)
      for (let done = 0; done < total;) done += writeSync(cur.fd, data, done, total - done, start + done)
      return locations
    }
    for (let i = 0; i < values.length; i += IOV_MAX) {
      const slice = values.slice(i, i + IOV_MAX)
      let bytes = 0
      for (const v of slice) bytes += v.byteLength
      const written = await writevAt(cur.fd, slice, offset)
      if (written < bytes) {
        // a short write (rare on a regular file): the rest, plainly
        const rest = Buffer.concat(slice, bytes)
        for (let done = written; done < bytes;) done += writeSync(cur.fd, rest, done, bytes - done, offset + done)
      }
      offset += bytes
    }
    return locations
  }

  /** A block's bytes, read from its pack (synchronously: a small positioned read), or undefined if the pack is too short or gone. */
  read (loc: PackLocation): Bytes | undefined {
    let fd = this.readFds.get(loc.pack)
    if (fd == null) {
      try {
        fd = openSync(this.path(loc.pack), 'r')
      } catch (err: any) {
        if (err.code === 'ENOENT') return undefined
        throw err
      }
      this.readFds.set(loc.pack, fd)
    }
    const out = Buffer.allocUnsafe(loc.length)
    let done = 0
    while (done < loc.length) {
      const n = readSync(fd, out, done, loc.length - done, loc.offset + done)
      if (n === 0) return undefined
      done += n
    }
    return out
  }

  /** Stops appending to the current pack: the next append starts a new one (compaction copies into it). */
  roll (): void {
    if (this.current != null) closeSync(this.current.fd)
    this.current = undefined
    this.rollNext = true
  }

  /** Deletes a pack file. */
  async remove (pack: number): Promise<void> {
    const fd = this.readFds.get(pack)
    if (fd != null) { closeSync(fd); this.readFds.delete(pack) }
    if (this.current?.pack === pack) this.roll()
    await rm(this.path(pack), { force: true })
  }

  close (): void {
    for (const fd of this.readFds.values()) closeSync(fd)
    this.readFds.clear()
    if (this.current != null) closeSync(this.current.fd)
    this.current = undefined
  }

  /** The pack to append `bytes` to: the newest one while it has room, else a new one. */
  private writable (bytes: number): { pack: number, fd: number, size: number } {
    if (this.current != null && (this.current.size === 0 || this.current.size + bytes <= PACK_MAX_BYTES)) return this.current
    if (this.current != null) this.roll()
    if (!this.made) { mkdirSync(this.dir, { recursive: true }); this.made = true }
    const packs = this.list()
    const last = packs.at(-1)
    if (last != null && !this.rollNext && last.size + bytes <= PACK_MAX_BYTES) {
      const fd = openSync(this.path(last.pack), 'r+')
      this.current = { pack: last.pack, fd, size: fstatSync(fd).size }
    } else {
      const pack = (last?.pack ?? 0) + 1
      this.current = { pack, fd: openSync(this.path(pack), 'wx'), size: 0 }
    }
    this.rollNext = false
    return this.current
  }
}
