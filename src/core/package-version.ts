import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: string | undefined

/** This package's version, from the package.json above this module (dist/, dist/lib/ or src/…), wherever it runs. */
export function packageVersion (): string {
  if (cached != null) return cached
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 4; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
      if (pkg.name === 'ipfs-publish' && typeof pkg.version === 'string') return (cached = pkg.version)
    } catch {}
  }
  return (cached = 'unknown')
}
