import { closeSync, fstatSync, openSync, readSync } from 'node:fs'

/** LMDB's meta page magic (lmdb.h MDB_MAGIC), little-endian on disk. */
const MAGIC = 0xBEEFC0DE
/** Where fields sit in a meta page of the LMDB that lmdb-js 3 builds (page header, then MDB_meta). */
const META = { magic: 0x18, pageSize: 0x30, lastPage: 0x90, txnId: 0x98 }

/**
 * Checks an LMDB data file's two meta pages before the file is opened, and
 * returns what is wrong, or undefined. lmdb-js crashes the whole process
 * (SIGSEGV) when asked to open a data file that is cut short or whose meta pages
 * are overwritten, where a damaged repo must give a clear error instead: this is
 * the one place that works around that. A file passes when at least one meta page
 * has LMDB's magic, and the newest such page names no page past the file's end.
 */
export function checkDataFile (path: string): string | undefined {
  let fd: number
  try { fd = openSync(path, 'r') } catch (err: any) { return `cannot be read (${err.code ?? err.message})` }
  try {
    const size = fstatSync(fd).size
    const first = Buffer.alloc(0x100)
    if (readSync(fd, first, 0, first.length, 0) < first.length) return `is cut short (${size} bytes)`
    const pageSize = first.readUInt32LE(META.pageSize)
    if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return 'has no valid meta page (an unreadable page size)'
    if (size < 2 * pageSize) return `is cut short (${size} bytes)`
    const second = Buffer.alloc(0x100)
    readSync(fd, second, 0, second.length, pageSize)
    const metas = [first, second].filter(m => m.readUInt32LE(META.magic) === MAGIC)
    if (metas.length === 0) return 'has no valid meta page'
    const newest = metas.reduce((a, b) => (b.readBigUInt64LE(META.txnId) > a.readBigUInt64LE(META.txnId) ? b : a))
    const needed = (newest.readBigUInt64LE(META.lastPage) + 1n) * BigInt(pageSize)
    if (needed > BigInt(size)) return `is cut short (${size} bytes, its last transaction needs ${needed})`
    return undefined
  } finally {
    closeSync(fd)
  }
}
