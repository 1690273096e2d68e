import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'

describe('publish --manifest and --check', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let site: string
  beforeAll(async () => {
    tmp = await tempDir()
    site = join(tmp.path, 'site')
    await mkdir(join(site, 'articles', 'b'), { recursive: true })
    await copyFile(SAMPLE, join(site, 'articles', 'b', 'sample.txt'))
    await writeFile(join(site, 'articles', 'a.md'), '---\ntitle: A\ndate: 2024-05-06\n---\nText.\n')
  })
  afterAll(async () => { await tmp.cleanup() })

  it('creates a sorted, stable manifest of path → {cid, link, title, date}', async () => {
    const res = await cli(['--repo', join(tmp.path, 'repo'), 'publish', 'articles', '--manifest', 'manifest.json', '-q'], { cwd: site })
    expect(res.code).toBe(0)
    const text = await readFile(join(site, 'manifest.json'), 'utf8')
    const manifest = JSON.parse(text)
    expect(Object.keys(manifest)).toEqual(['articles/a.md', 'articles/b/sample.txt'])
    expect(Object.keys(manifest['articles/a.md'])).toEqual(['cid', 'link', 'title', 'date'])
    expect(manifest['articles/a.md']).toMatchObject({ title: 'A', date: '2024-05-06' })
    expect(text.endsWith('}\n')).toBe(true)
    // publishing again changes nothing, byte for byte
    await cli(['--repo', join(tmp.path, 'repo'), 'publish', 'articles', '--manifest', 'manifest.json', '-q'], { cwd: site })
    expect(await readFile(join(site, 'manifest.json'), 'utf8')).toBe(text)
  })

  it('--check passes when the manifest matches, and writes nothing', async () => {
    const before = await readFile(join(site, 'manifest.json'), 'utf8')
    const res = await cli(['publish', 'articles', '--manifest', 'manifest.json', '--check'], { cwd: site })
    expect(res.code).toBe(0)
    expect(res.stdout).toBe('')
    expect(res.stderr).toMatch(/matches all 2 article/)
    expect(await readFile(join(site, 'manifest.json'), 'utf8')).toBe(before)
  })

  it('--check exits 1 naming every article whose CID differs or is missing, and writes nothing', async () => {
    const before = await readFile(join(site, 'manifest.json'), 'utf8')
    await writeFile(join(site, 'articles', 'a.md'), '---\ntitle: A (edited)\ndate: 2024-05-06\n---\nText.\n')
    await writeFile(join(site, 'articles', 'new.txt'), '## New\n\nJanuary 1, 2026\n\n— Categories: X\n\nNew text.\n')
    const res = await cli(['publish', 'articles', '--manifest', 'manifest.json', '--check'], { cwd: site })
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(/^error: articles\/a\.md: CID differs from manifest\.json: manifest has \S+, article publishes to \S+$/m)
    expect(res.stderr).toMatch(/^error: articles\/new\.txt: missing from manifest\.json/m)
    expect(res.stderr).toMatch(/^error: manifest\.json does not match 2 article\(s\)/m)
    expect(res.stderr).not.toMatch(/sample\.txt/)
    expect(await readFile(join(site, 'manifest.json'), 'utf8')).toBe(before)
  })

  it('refuses a manifest that is not JSON, leaving it as it was', async () => {
    await writeFile(join(site, 'broken.json'), '{ nope')
    const res = await cli(['publish', 'articles', '--manifest', 'broken.json', '-n'], { cwd: site })
    expect(res.code).toBe(2)
    expect(res.stderr.trim()).toMatch(/^error: manifest broken\.json is not valid JSON$/)
    expect(await readFile(join(site, 'broken.json'), 'utf8')).toBe('{ nope')
  })
})
