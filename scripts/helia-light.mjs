// esbuild plugin (used by build.mjs): offline commands get Helia without its libp2p entry module.
//
// helia's entry module imports its network mixins (libp2p with its defaults, bitswap, HTTP)
// for createHelia(). Once `serve` uses those mixins, the chunk splitter makes every offline
// command load them through that entry (4 MB of code, WebRTC's native module, 40 MB of
// memory) although createHeliaLight() needs none of them. So the offline store imports
// createHeliaLight from a small module built on helia's own Helia class instead: the same
// three lines as helia's createHeliaLight.
//
// helia exports only its entry module, so this names two of its files (found next to the
// entry, not by a fixed node_modules path). The build fails if they no longer hold what
// this relies on, or if the plugin applies to nothing; tests/cli/offline.test.ts fails if
// an offline command loads libp2p. Upstream fix: helia exporting createHeliaLight from a
// module of its own (or marking its mixin imports as side-effect free per module). Dropping
// the plugin and bundling src/net apart was tried: two copies of multiformats then meet,
// and ipfs-unixfs-exporter refuses a CID made by the other copy.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expectSource, mustApply } from './plugin-check.mjs'

export const heliaLight = {
  name: 'helia-light',
  setup (b) {
    let applied = 0
    mustApply(b, 'helia-light', () => applied)
    const dir = dirname(fileURLToPath(import.meta.resolve('helia')))
    const heliaFile = join(dir, 'helia.js')
    const versionFile = join(dir, 'version.js')
    const entryFile = join(dir, 'index.js')
    expectSource('helia-light', heliaFile, readFileSync(heliaFile, 'utf8'), ['export class Helia {', 'constructor(init) {'])
    expectSource('helia-light', versionFile, readFileSync(versionFile, 'utf8'), ['export const version =', 'export const name ='])
    // helia's own createHeliaLight is what this module stands in for
    expectSource('helia-light', entryFile, readFileSync(entryFile, 'utf8'), ['export function createHeliaLight(init = {}) {', 'new HeliaClass({', 'name,', 'version,', '...init'])
    b.onResolve({ filter: /^helia$/ }, (args) => {
      if (!args.importer.endsWith(join('src', 'core', 'store', 'repo.ts'))) return undefined
      applied++
      return { path: 'helia-light', namespace: 'helia-light' }
    })
    b.onLoad({ filter: /.*/, namespace: 'helia-light' }, () => ({
      resolveDir: process.cwd(),
      contents: `import { Helia } from ${JSON.stringify(heliaFile)}
import { name, version } from ${JSON.stringify(versionFile)}
export function createHeliaLight (init = {}) { return new Helia({ name, version, ...init }) }`
    }))
  }
}
