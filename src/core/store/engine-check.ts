import { closeSync, fstatSync, openSync, readSync } from 'node:fs'

/** LMDB's meta page magic (lmdb.h MDB_MAGIC), little-endian on disk. */
const MAGIC = 0xBEEFC0DE
/** Where fields sit in a meta page of the LMDB that lmdb-js 3 builds (page header, then MDB_meta: the free and main databases' MDB_db, 48 bytes each, md_root last). */
const META = { magic: 0x18, pageSize: 0x30, freeRoot: 0x58, mainRoot: 0x88, lastPage: 0x90, txnId: 0x98 }
/** md_root of an empty database. */
const NO_PAGE = 0xFFFFFFFFFFFFFFFFn

/**
 * Checks an LMDB data file's two meta pages before the file is opened, and
 * returns what is wrong, or undefined. lmdb-js crashes the whole process
 * (SIGSEGV) when asked to open a data file that is cut short or whose meta pages
 * are overwritten, where a damaged repo must give a clear error instead: this is
 * the one place that works around that. A file passes when at least one meta page
 * has LMDB's magic, and the roots of the newest one's databases are in the file.
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
    // The file may legitimately end before the last page number the meta names: pages that a large
    // commit allocated and freed again are never written (seen after a 100,000-article edition,
    // 32 pages short). What a reader reaches first are the databases' roots: each must be in the file.
    const pages = BigInt(size) / BigInt(pageSize)
    for (const at of [META.freeRoot, META.mainRoot]) {
      const root = newest.readBigUInt64LE(at)
      if (root !== NO_PAGE && root >= pages) return `is cut short (${size} bytes; its last transaction's root is page ${root})`
    }
    return undefined
  } finally {
    closeSync(fd)
  }
}
