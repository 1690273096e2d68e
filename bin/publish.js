#!/usr/bin/env node
// `publish …` is `ipfs-publish publish …`.
process.argv.splice(2, 0, 'publish')
await import('./ipfs-publish.js')
