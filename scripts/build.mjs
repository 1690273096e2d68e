// Builds dist/: the CLI as one bundled ESM file (plus lazily loaded chunks), and
// the library entry. One bundled file starts several times faster than hundreds
// of small ESM files (see ../shared/PERF-NOTES.md).
import { build } from 'esbuild'
import { rm } from 'node:fs/promises'
import { heliaLight } from './helia-light.mjs'
import { lazyStringWidth } from './lazy-string-width.mjs'
import { fastBase36 } from './fast-base36.mjs'

await rm('dist', { recursive: true, force: true })

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
  plugins: [heliaLight, lazyStringWidth, fastBase36],
  minifySyntax: true,
  // the store's engine (a native addon whose loader finds its binary beside its own
  // files) and LevelDB (loaded only to move a repo of the earlier layout) load from
  // node_modules at run time
  external: ['lmdb', 'level', 'classic-level', 'node-gyp-build']
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
