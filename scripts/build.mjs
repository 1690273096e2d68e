// Builds dist/: the CLI as one bundled ESM file (plus lazily loaded chunks), and
// the library entry. One bundled file starts several times faster than hundreds
// of small ESM files (see ../shared/PERF-NOTES.md).
import { build } from 'esbuild'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { lazyStringWidth } from './lazy-string-width.mjs'
import { classicLevelBinding } from './classic-level-binding.mjs'
import { fastBase36 } from './fast-base36.mjs'

await rm('dist', { recursive: true, force: true })

// helia's entry module imports its network mixins (libp2p with its defaults, bitswap, HTTP)
// for createHelia(). Once `serve` uses those mixins, the chunk splitter would make every
// offline command load them through that entry (4 MB of code, WebRTC's native module, 40 MB
// of memory) although createHeliaLight() needs none of them. So the offline store imports
// createHeliaLight from a small module built on helia's own Helia class instead.
const heliaLight = {
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

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  sourcemap: 'linked',
  logLevel: 'warning',
  legalComments: 'none',
  // some CommonJS dependencies call require(): give the ESM bundle one
  banner: { js: "import { createRequire as __ipfsPublishCreateRequire } from 'node:module'; const require = __ipfsPublishCreateRequire(import.meta.url);" }
}
await build({
  ...common,
  entryPoints: { cli: 'src/cli/main.ts', 'build-worker': 'src/core/build/worker.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  minifyWhitespace: process.env.NO_MINIFY == null,
  plugins: [heliaLight, lazyStringWidth, classicLevelBinding, fastBase36],
  minifySyntax: true,
  // the native addon's loader: it looks for the addon in node_modules at run time
  external: ['node-gyp-build']
})
await build({
  ...common,
  entryPoints: { index: 'src/index.ts', net: 'src/net/index.ts' },
  outdir: 'dist',
  // one copy of shared modules (error classes) for both entries
  splitting: true,
  chunkNames: 'lib/[name]-[hash]',
  packages: 'external'
})
