/**
 * Imported first by the library's entries (dist/index.js, dist/net.js): on a Node.js
 * older than 22 the import fails here with one line, before a dependency that
 * needs Node 22 (undici, under Helia) fails with a stack trace that names nothing.
 */
const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  const err = new Error(`ipfs-publish needs Node.js 22 or later; this is Node.js ${process.version}`)
  err.stack = err.message
  throw err
}
export {}
