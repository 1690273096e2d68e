// esbuild plugin: bundles classic-level's JavaScript (with abstract-level and its small
// dependencies) instead of require()-ing it from node_modules at run time, which made
// every command resolve and compile a dozen CommonJS files (about 4 ms). Only the
// native addon stays outside the bundle: binding.js finds it from its own __dirname,
// which a bundle does not keep, so it looks the package up from the bundle instead.
export const classicLevelBinding = {
  name: 'classic-level-binding',
  setup (b) {
    b.onLoad({ filter: /[\\/]classic-level[\\/]binding\.js$/ }, () => ({
      loader: 'js',
      contents: `const { dirname } = require('node:path')
module.exports = require('node-gyp-build')(dirname(require.resolve('classic-level/package.json')))
`
    }))
  }
}
