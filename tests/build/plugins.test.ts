// The build's esbuild plugins change how dependencies load, not what they compute.
import { build, stop } from 'esbuild'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error plain JavaScript build scripts
import { lazyStringWidth } from '../../scripts/lazy-string-width.mjs'
// @ts-expect-error plain JavaScript build scripts
import { expectSource } from '../../scripts/plugin-check.mjs'
import stringWidth from 'string-width'

let dir: string
// inside node_modules, so that the bundles resolve their dependencies as dist/ does
beforeAll(async () => { dir = await mkdtemp(join(process.cwd(), 'node_modules', '.ipfs-publish-plugins-')) })
afterAll(async () => { await stop(); await rm(dir, { recursive: true, force: true }) })

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

describe('a plugin whose target changed fails the build; one that applies to nothing too', () => {
  it('lazy-string-width refuses a string-width whose ES module no longer has the function it wraps', async () => {
    const pkg = join(dir, 'node_modules', 'string-width')
    await mkdir(pkg, { recursive: true })
    await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 'string-width', type: 'module', main: 'index.js' }))
    await writeFile(join(pkg, 'index.js'), 'export const stringWidth = (s) => s.length\n')
    await expect(bundle('sw-changed', "export { stringWidth } from 'string-width'", [lazyStringWidth])).rejects.toThrow(/lazy-string-width: .*changed/)
  })

  it('lazy-string-width fails when it applied to no file', async () => {
    await expect(bundle('none-2', 'export const x = 1', [lazyStringWidth])).rejects.toThrow(/lazy-string-width: applied to no file/)
  })

  it('the shared check names the file and what it no longer contains', () => {
    expect(() => expectSource('p', '/x/base36.js', 'export const other = 1', ['export const base36 = baseX({'])).toThrow(/p: \/x\/base36\.js changed \(it no longer contains "export const base36 = baseX\(\{"\)/)
    expect(() => expectSource('p', '/x', 'abc', ['b'])).not.toThrow()
  })
})

describe('the built dist/ holds each patch', () => {
  it('the lazy string width is in the CLI bundle', async () => {
    const files = (await readdir(join(process.cwd(), 'dist', 'chunks'))).filter(f => f.endsWith('.js')).map(f => join(process.cwd(), 'dist', 'chunks', f))
    const text = (await Promise.all([join(process.cwd(), 'dist', 'cli.js'), ...files].map(async f => readFile(f, 'utf8')))).join('\n')
    expect(text).toContain('printableAscii')
  })
})
