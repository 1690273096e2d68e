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
  const { spawnSync } = await import('node:child_process') // only on this path: it costs 3 ms to load
  const res = spawnSync(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, IPFS_PUBLISH_REEXEC: '1' } })
  process.exit(res.status ?? 1)
}
module.enableCompileCache?.()
const { main } = await import('../dist/cli.js')
await main(process.argv.slice(2))
