// esbuild plugin (used by build.mjs): offline commands get Helia without its libp2p entry module.
import { join } from 'node:path'

// helia's entry module imports its network mixins (libp2p with its defaults, bitswap, HTTP)
// for createHelia(). Once `serve` uses those mixins, the chunk splitter would make every
// offline command load them through that entry (4 MB of code, WebRTC's native module, 40 MB
// of memory) although createHeliaLight() needs none of them. So the offline store imports
// createHeliaLight from a small module built on helia's own Helia class instead.
export const heliaLight = {
  name: 'helia-light',
  setup (b) {
    b.onResolve({ filter: /^helia$/ }, (args) => args.importer.endsWith(join('src', 'core', 'store', 'repo.ts')) ? { path: 'helia-light', namespace: 'helia-light' } : undefined)
    b.onLoad({ filter: /.*/, namespace: 'helia-light' }, () => ({
      resolveDir: process.cwd(),
      contents: `import { Helia } from ${JSON.stringify(join(process.cwd(), 'node_modules/helia/dist/src/helia.js'))}
import { name, version } from ${JSON.stringify(join(process.cwd(), 'node_modules/helia/dist/src/version.js'))}
export function createHeliaLight (init = {}) { return new Helia({ name, version, ...init }) }`
    }))
  }
}
