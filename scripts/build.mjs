// Builds dist/: the CLI as one bundled ESM file (plus lazily loaded chunks), and
// the library entry. One bundled file starts several times faster than hundreds
// of small ESM files (see ../shared/PERF-NOTES.md).
import { build } from 'esbuild'
import { rm, writeFile } from 'node:fs/promises'
import { heliaLight } from './helia-light.mjs'
import { lazyStringWidth } from './lazy-string-width.mjs'

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
  plugins: [heliaLight, lazyStringWidth],
  minifySyntax: true,
  // the store's engine (a native addon whose loader finds its binary beside its own
  // files) and LevelDB (loaded only to move a repo of the earlier layout) load from
  // node_modules at run time
  external: ['lmdb', 'level', 'classic-level', 'node-gyp-build']
})
// The library: its own bundle (as the CLI's, the offline entry must not load Helia's entry
// module, which loads libp2p), with the native and run-time-located packages left outside.
// dist/index.js and dist/net.js import lib/node-check.js first, so that an old Node.js fails
// with one line before any dependency is evaluated; dist/errors.js is the error classes alone.
await build({
  ...common,
  entryPoints: { 'lib/api': 'src/index.ts', 'lib/net-api': 'src/net/index.ts', 'lib/node-check': 'src/node-check.ts', errors: 'src/errors.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'lib/[name]-[hash]',
  plugins: [heliaLight],
  external: ['lmdb', 'level', 'classic-level', 'node-gyp-build', '@achingbrain/ssdp']
})
await writeFile('dist/index.js', "import './lib/node-check.js'\nexport * from './lib/api.js'\n")
await writeFile('dist/net.js', "import './lib/node-check.js'\nexport * from './lib/net-api.js'\n")
