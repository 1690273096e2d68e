// esbuild plugin: string-width (pulled in by yargs' cliui and wrap-ansi) builds an
// Intl.Segmenter and compiles several Unicode-property regexes (/v flag) when it is
// loaded: about 18 ms. yargs lays out the help text of every command it runs (it
// caches it in case the handler fails), so every CLI call paid that. Printable ASCII
// is one column per character, so strings made only of it are answered at once; the
// module's own body (unchanged) loads on the first string that holds anything else
// (ANSI escapes, non-ASCII).
import { readFile } from 'node:fs/promises'
import { mustApply } from './plugin-check.mjs'

const EXPORT = 'export default function stringWidth('

export const lazyStringWidth = {
  name: 'lazy-string-width',
  setup (b) {
    let applied = 0
    mustApply(b, 'lazy-string-width', () => applied)
    b.onLoad({ filter: /[\\/]string-width[\\/]index\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8')
      // the CommonJS versions (module.exports) do nothing at import: left as they are
      if (!/^export /m.test(source)) return undefined
      if (!source.includes(EXPORT)) throw new Error(`lazy-string-width: ${args.path} changed (no "${EXPORT}"): update or remove the plugin in scripts/`)
      applied++
      const lines = source.split('\n')
      const imports = lines.filter((l) => l.startsWith('import '))
      const body = lines.filter((l) => !l.startsWith('import ')).join('\n').replace(EXPORT, 'function stringWidth(')
      if (/^\s*export\s/m.test(body)) throw new Error(`lazy-string-width: ${args.path} has exports this plugin does not know`)
      return {
        loader: 'js',
        contents: `${imports.join('\n')}
let impl
function load () {
${body}
return stringWidth
}
const printableAscii = /^[\x20-\x7e]*$/
export default function lazyStringWidth (string, options) {
  if (typeof string === 'string' && printableAscii.test(string)) return string.length
  return (impl ??= load())(string, options)
}
`
      }
    })
  }
}
