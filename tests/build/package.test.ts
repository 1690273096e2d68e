// The package as another newsroom gets it: `npm pack`, installed into a fresh project,
// where the CLI, the library, its types and the README's examples work. No network: the
// consumer's lockfile names the packed tarball and this project's locked dependency
// versions, which `npm ci --offline` takes from npm's cache (filled by this project's
// own `npm ci`), as a registry install would with the same versions.
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { delimiter, dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, SAMPLE, tempDir } from '../helpers/cli.js'

const NODE = process.execPath
const PATH = `${dirname(NODE)}${delimiter}${process.env.PATH ?? ''}`

/** A Node older than 22 on this machine, if there is one (the system's). */
const OLD_NODE = (process.env.PATH ?? '').split(delimiter).filter(d => !d.includes('node_modules')).map(d => join(d, 'node'))
  .find(p => existsSync(p) && Number(spawnSync(p, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout) < 22)

describe('the packed package in a fresh project', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let proj: string
  const run = (cmd: string, args: string[], opts: { node?: string } = {}): { code: number | null, stdout: string, stderr: string } => {
    const r = spawnSync(cmd, args, { cwd: proj, encoding: 'utf8', env: { ...process.env, PATH: opts.node != null ? `${dirname(opts.node)}${delimiter}${process.env.PATH ?? ''}` : PATH, IPFS_PUBLISH_REPO: '' }, timeout: 120_000 })
    return { code: r.status, stdout: r.stdout, stderr: r.stderr }
  }

  beforeAll(async () => {
    tmp = await tempDir()
    proj = join(tmp.path, 'consumer')
    // the dist/ this suite runs against (built by pretest): no build script runs here
    const name = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', tmp.path], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').at(-1)!
    const tarball = join(tmp.path, name)
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'))
    const packages: Record<string, unknown> = {
      '': { name: 'consumer', dependencies: { 'ipfs-publish': `file:${tarball}` } },
      'node_modules/ipfs-publish': { version: pkg.version, resolved: `file:${tarball}`, integrity: 'sha512-' + createHash('sha512').update(readFileSync(tarball)).digest('base64'), license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines }
    }
    for (const [key, entry] of Object.entries<any>(lock.packages)) if (key !== '' && entry.dev !== true && entry.link !== true) packages[key] = entry
    execFileSync('mkdir', ['-p', proj])
    writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { 'ipfs-publish': `file:${tarball}` } }))
    writeFileSync(join(proj, 'package-lock.json'), JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }))
    const ci = run('npm', ['ci', '--offline', '--no-audit', '--no-fund'])
    expect(ci.code, ci.stderr).toBe(0)
  }, 600_000)
  afterAll(async () => { await tmp.cleanup() })

  it('npx ipfs-publish works there and prints the package\'s version', () => {
    const version = run('npx', ['ipfs-publish', '--version'])
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version)
    const cid = run('npx', ['ipfs-publish', 'publish', '-n', '-q', SAMPLE])
    expect(cid.code, cid.stderr).toBe(0)
    expect(cid.stdout.trim()).toMatch(/^bafybei/)
  })

  it('the library entry publishes, and loads none of the network stack; ipfs-publish/errors is the error classes alone', async () => {
    const record = join(tmp.path, 'modules.txt')
    const script = `import { publish } from 'ipfs-publish'
const [r] = await publish([${JSON.stringify(SAMPLE)}], { onlyHash: true })
console.log(r.ok ? r.cid : r.error.code)`
    const r = spawnSync(NODE, ['--import', join(ROOT, 'tests', 'fixtures', 'record-modules.mjs'), '--input-type=module', '-e', script], { cwd: proj, encoding: 'utf8', env: { ...process.env, RECORD_MODULES: record } })
    expect(r.stderr).toBe('')
    expect(r.stdout.trim()).toBe(execFileSync(NODE, [join(ROOT, 'bin', 'ipfs-publish.js'), 'publish', '-n', '-q', SAMPLE], { encoding: 'utf8' }).trim())
    const loaded = (await readFile(record, 'utf8')).split('\n').filter(Boolean)
    // the bundle's own files, and what they load from node_modules at run time
    const text = loaded.filter(u => u.includes('/node_modules/ipfs-publish/dist/')).map(u => readFileSync(new URL(u), 'utf8')).join('\n')
    for (const pkg of ['libp2p/dist', '@libp2p/tcp', '@libp2p/websockets', '@libp2p/yamux', '@chainsafe/libp2p-noise', '@libp2p/kad-dht', '@libp2p/mdns', '@libp2p/webrtc', 'undici/lib', '@helia/bitswap']) {
      expect(text.includes(`// node_modules/${pkg}`), pkg).toBe(false)
      expect(loaded.some(u => u.includes(`/node_modules/${pkg}`)), pkg).toBe(false)
    }
    const errors = spawnSync(NODE, ['--input-type=module', '-e', "import * as e from 'ipfs-publish/errors'; console.log(Object.keys(e).includes('NotFoundError'), new e.NotFoundError('x').code)"], { cwd: proj, encoding: 'utf8' })
    expect(errors.stdout.trim()).toBe('true ERR_NOT_FOUND')
  })

  it('the TypeScript examples of the README and docs/ compile against the installed types, strict, libraries checked', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const docs = readdirSync(join(ROOT, 'docs')).filter(f => f.endsWith('.md')).sort().map(f => readFileSync(join(ROOT, 'docs', f), 'utf8'))
    const tsBlocks = (md: string): string[] => [...md.matchAll(/```ts\n([\s\S]*?)```/g)].map(m => m[1])
    expect(tsBlocks(readme).length).toBeGreaterThanOrEqual(2)
    const blocks = [readme, ...docs].flatMap(tsBlocks)
    blocks.forEach((b, i) => writeFileSync(join(proj, `readme-${i}.ts`), b + '\nexport {}\n'))
    writeFileSync(join(proj, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', skipLibCheck: false, typeRoots: [join(ROOT, 'node_modules', '@types')], types: ['node'] }, include: ['readme-*.ts'] }))
    const tsc = run(NODE, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'])
    expect(tsc.stdout + tsc.stderr).toBe('')
    expect(tsc.code).toBe(0)
  })

  it.skipIf(OLD_NODE == null)('on Node.js older than 22, importing it fails with one line naming the version it needs', () => {
    const r = spawnSync(OLD_NODE!, ['--input-type=module', '-e', "import('ipfs-publish').catch(e => { console.error(e.message); process.exit(1) })"], { cwd: proj, encoding: 'utf8' })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/^ipfs-publish needs Node\.js 22 or later; this is Node\.js v\d+\.\d+\.\d+\n$/)
  })
})
