// esbuild plugin: multiformats encodes base36 with its generic base-x code, which
// does a long division per output digit. Helia's pinning API names a datastore key
// after every pinned block's multihash in base36, so publishing 10,000 articles
// spent about 140 ms there. Base36 of bytes is the big-endian number they spell
// written in base 36, with one '0' per leading zero byte (as base-x writes them), so
// V8's native BigInt conversion gives the same text about four times faster.
// Decoding and base36upper are multiformats' own; tests/build/plugins.test.ts checks
// the encoder against the original. It applies to the project's own multiformats
// (the copy Helia uses); other copies nested under other packages are left as they
// are. The build fails if that module no longer looks as it did when this was
// written, or if the plugin applies to nothing.
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { expectSource, mustApply } from './plugin-check.mjs'

const TARGET = /[\\/]multiformats[\\/]dist[\\/]src[\\/]bases[\\/]base36\.js$/
const EXPECTED = [
  'import { baseX } from "./base.js";',
  'export const base36 = baseX({',
  "prefix: 'k',",
  "alphabet: '0123456789abcdefghijklmnopqrstuvwxyz',",
  'export const base36upper = baseX({'
]

export const fastBase36 = {
  name: 'fast-base36',
  setup (b) {
    let applied = 0
    mustApply(b, 'fast-base36', () => applied)
    const own = fileURLToPath(import.meta.resolve('multiformats/bases/base36'))
    b.onLoad({ filter: TARGET }, async (args) => {
      if (args.path !== own) return undefined
      const source = await readFile(args.path, 'utf8')
      expectSource('fast-base36', args.path, source, EXPECTED)
      if ((source.match(/^export /gm) ?? []).length !== 2) expectSource('fast-base36', args.path, '', ['exactly two exports, base36 and base36upper'])
      applied++
      return {
        loader: 'js',
        contents: `import { baseX, from } from './base.js'
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz'
const generic = baseX({ prefix: 'k', name: 'base36', alphabet: ALPHABET, caseInsensitive: true })
function encode (bytes) {
  let zeros = 0
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++
  if (zeros === bytes.length) return '0'.repeat(zeros)
  let hex = ''
  for (let i = zeros; i < bytes.length; i++) hex += HEX[bytes[i]]
  return '0'.repeat(zeros) + BigInt('0x' + hex).toString(36)
}
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
export const base36 = from({ prefix: 'k', name: 'base36', encode, decode: generic.baseDecode })
export const base36upper = baseX({ prefix: 'K', name: 'base36upper', alphabet: ALPHABET.toUpperCase(), caseInsensitive: true })
`
      }
    })
  }
}
