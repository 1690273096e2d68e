// The README and docs/ as a reader follows them: every relative link leads to a file that
// exists, and every #anchor to a heading of that file (as GitHub names headings); the README
// stays short enough to find the flow in.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../helpers/cli.js'

/** The pages checked: README.md and every Markdown file in docs/. */
export function pages (root = ROOT): string[] {
  const docs = join(root, 'docs')
  const inDocs = existsSync(docs) ? readdirSync(docs).filter(f => f.endsWith('.md')).map(f => join(docs, f)) : []
  return [join(root, 'README.md'), ...inDocs]
}

/** The text outside fenced code blocks and code spans (links in code are not links). */
function prose (md: string): string {
  return md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '')
}

/** The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
export function anchors (md: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  const withoutFences = md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
  for (const m of withoutFences.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const text = m[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1') // a link's text
    const base = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-')
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    out.add(n === 0 ? base : `${base}-${n}`)
  }
  return out
}

/** Every relative link of a page that leads nowhere: `file: target (reason)`. */
export function brokenLinks (file: string, root = ROOT): string[] {
  const broken: string[] = []
  const md = readFileSync(file, 'utf8')
  for (const m of prose(md).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = m[1]
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue // https:, mailto:, …
    const [path, anchor] = target.split('#', 2) as [string, string | undefined]
    const dest = path === '' ? file : join(dirname(file), decodeURIComponent(path))
    const name = `${relative(root, file)}: ${target}`
    if (!existsSync(dest)) { broken.push(`${name} (no such file)`); continue }
    if (anchor == null || anchor === '') continue
    if (statSync(dest).isDirectory() || !dest.endsWith('.md')) { broken.push(`${name} (an anchor into a file that is not Markdown)`); continue }
    if (!anchors(readFileSync(dest, 'utf8')).has(decodeURIComponent(anchor))) broken.push(`${name} (no such heading)`)
  }
  return broken
}

describe('the README and docs/', () => {
  it('every relative link points to an existing file, and every #anchor to one of its headings', () => {
    const files = pages()
    expect(files.length).toBeGreaterThan(1)
    expect(files.flatMap(f => brokenLinks(f))).toEqual([])
  })

  it('the README stays under 300 lines', () => {
    const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').length
    expect(lines).toBeLessThan(300)
  })

  it('the anchors are GitHub\'s', () => {
    expect([...anchors('# Exit codes\n## `serve`\n## `publish <paths..>`\n## What "published" guarantees\n## One repo, many processes\n## A\n## A\n```\n# not a heading\n```\n')])
      .toEqual(['exit-codes', 'serve', 'publish-paths', 'what-published-guarantees', 'one-repo-many-processes', 'a', 'a-1'])
  })
})
