import { execFileSync } from 'node:child_process'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { expect } from 'vitest'
import { cli } from './cli.js'
import { editionContent } from './edition.js'

const lines = (stdout: string): string[] => stdout.split('\n').filter(l => l !== '')

/**
 * The next edition equals a full rebuild (issue #21): the repo is copied twice
 * (`cp -a`), one last change (the same new article) is published into both, then
 * `edition` runs in one and `edition --full` in the other. They give the same CID,
 * neither is the latest edition unchanged (the change makes both build), and that
 * edition's records name `expected` + 1 articles: the ones `ls` lists.
 */
export async function nextEditionEqualsFull (tmp: string, repo: string, expected: number, label: string): Promise<{ cid: string, articles: number }> {
  const inc = join(tmp, `${label}-next`)
  const full = join(tmp, `${label}-full`)
  const extra = join(tmp, `${label}-last-change`, 'last-change.txt')
  execFileSync('cp', ['-a', repo, inc])
  execFileSync('cp', ['-a', repo, full])
  await mkdir(join(tmp, `${label}-last-change`), { recursive: true })
  await writeFile(extra, `## The Last Change Before The ${label} Edition\n\nDecember 5, 2026\n\n— Categories: Test\n\nOne more article, published into both copies.\n\n[Download IPFS](#)\n`)
  try {
    for (const copy of [inc, full]) {
      const r = await cli(['--repo', copy, 'publish', extra, '-q'], { timeout: 60_000 })
      expect(r.code, r.stderr).toBe(0)
    }
    const a = await cli(['--repo', inc, '--json', 'edition'], { timeout: 60_000 })
    const b = await cli(['--repo', full, '--json', 'edition', '--full'], { timeout: 60_000 })
    expect(a.code, a.stderr).toBe(0)
    expect(b.code, b.stderr).toBe(0)
    const next = JSON.parse(lines(a.stdout).at(-1)!)
    const rebuilt = JSON.parse(lines(b.stdout).at(-1)!)
    expect(CID.parse(next.cid).version).toBe(1)
    expect(CID.parse(rebuilt.cid).version).toBe(1)
    expect(next, label).toMatchObject({ articles: expected + 1, unchanged: false })
    expect(rebuilt, `${label}: the next edition equals a full rebuild`).toMatchObject({ cid: next.cid, articles: next.articles, unchanged: false })
    const ed = await editionContent(async p => {
      const r = await cli(['--repo', inc, 'cat', `${next.cid}/${p}`])
      expect(r.code, r.stderr).toBe(0)
      return r.stdout
    })
    const named = ed.articles.map((a: any) => a.cid)
    expect(named).toHaveLength(expected + 1)
    expect(new Set(named)).toEqual(new Set(lines((await cli(['--repo', inc, 'ls', '-q'])).stdout)))
    return next
  } finally {
    await rm(inc, { recursive: true, force: true })
    await rm(full, { recursive: true, force: true })
  }
}
