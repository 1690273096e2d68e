#!/usr/bin/env node
// ipfs-publish: a thin loader for the bundled CLI in dist/.
import module, { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  // Helia needs Node 22+. Inside the project the `node` devDependency provides it.
  let node
  try { node = createRequire(import.meta.url).resolve('node/bin/node') } catch {}
  if (node == null || process.env.IPFS_PUBLISH_REEXEC === '1') {
    process.stderr.write(`error: ipfs-publish needs Node.js 22 or later, this is ${process.version} (run it through npx or npm scripts in the project, or install Node 24 LTS)\n`)
    process.exit(1)
  }
  // Run it there. Signals sent to this process go on to the child (a `serve` stopped
  // with SIGTERM must not live on as an orphan), and the child's exit is ours.
  const { spawn } = await import('node:child_process') // only on this path: it costs 3 ms to load
  const { constants } = await import('node:os')
  const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, IPFS_PUBLISH_REEXEC: '1' } })
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { child.kill(sig) })
  child.on('error', (err) => { process.stderr.write(`error: cannot start ${node}: ${err.message}\n`); process.exit(1) })
  child.on('exit', (code, signal) => { process.exit(code ?? 128 + (constants.signals[signal] ?? 0)) })
  await new Promise(() => {}) // the child's exit ends this process
}
module.enableCompileCache?.()
// a young generation of at most 4 MB per semi-space (V8 lets it grow to 16+): a bulk publish
// allocates fast and the larger nursery only holds more garbage (10,000 articles: 160 MB less
// peak memory, the same time). Set before the heap grows; the build worker inherits it.
const { setFlagsFromString } = await import('node:v8')
setFlagsFromString('--max-semi-space-size=4')
// the store's engine (lmdb) loads msgpackr, which looks for its own native accelerator at
// load time; the store never encodes MessagePack, so the look is skipped (a documented switch)
process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED ??= 'true'
const { main } = await import('../dist/cli.js')
await main(process.argv.slice(2))
