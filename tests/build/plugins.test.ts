// The build's esbuild plugins change how dependencies load, not what they compute.
import { build } from 'esbuild'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error plain JavaScript build scripts
import { lazyStringWidth } from '../../scripts/lazy-string-width.mjs'
// @ts-expect-error plain JavaScript build scripts
import { fastBase36 } from '../../scripts/fast-base36.mjs'
import stringWidth from 'string-width'
import { base36 } from 'multiformats/bases/base36'
import { randomBytes } from 'node:crypto'

let dir: string
// inside node_modules, so that the bundles resolve their dependencies as dist/ does
beforeAll(async () => { dir = await mkdtemp(join(process.cwd(), 'node_modules', '.ipfs-publish-plugins-')) })
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

async function bundle (name: string, source: string, plugins: unknown[]): Promise<any> {
  const entry = join(dir, `${name}.mjs`)
  await writeFile(entry, source)
  const outfile = join(dir, `${name}.out.mjs`)
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    external: ['node-gyp-build'],
    plugins: plugins as any,
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'silent'
  })
  return await import(pathToFileURL(outfile).href)
}

describe('lazy-string-width', () => {
  it('measures every kind of string exactly as string-width does', async () => {
    const mod = await bundle('sw', "export { default } from 'string-width'", [lazyStringWidth])
    const samples = ['', 'abc', 'ipfs-publish publish <paths..>', 'é', 'naïve café', '古池や', '👍🏽', 'a\u0301', '\u001b[31mred\u001b[39m', 'tab\there', '→ …', 'ｗｉｄｅ']
    for (const s of samples) expect(mod.default(s), JSON.stringify(s)).toBe(stringWidth(s))
    expect(mod.default('\u001b[31mred\u001b[39m', { countAnsiEscapeCodes: true })).toBe(stringWidth('\u001b[31mred\u001b[39m', { countAnsiEscapeCodes: true }))
  })
})

describe('fast-base36', () => {
  it('encodes and decodes exactly as multiformats does, leading zero bytes included', async () => {
    const mod = await bundle('b36', "export { base36, base36upper } from 'multiformats/bases/base36'", [fastBase36])
    const inputs = [new Uint8Array(0), new Uint8Array(1), new Uint8Array(3), Uint8Array.of(0, 0, 1), Uint8Array.of(255), Uint8Array.of(0, 255, 0)]
    for (let i = 0; i < 2000; i++) {
      const b = new Uint8Array(randomBytes(1 + (i % 40)))
      if (i % 5 === 0) b[0] = 0
      if (i % 10 === 0 && b.length > 1) b[1] = 0
      inputs.push(b)
    }
    for (const b of inputs) {
      const text = mod.base36.encode(b)
      expect(text, Buffer.from(b).toString('hex')).toBe(base36.encode(b))
      expect(mod.base36.decode(text)).toEqual(b)
      expect(mod.base36upper.encode(b)).toBe('K' + text.slice(1).toUpperCase())
    }
  })
})
