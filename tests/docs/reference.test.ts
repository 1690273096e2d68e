// docs/commands.md against the CLI it describes: a section for every command, and the exit
// codes of the README's and the reference's tables are those of src/cli/exit.ts.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { commands } from '../../src/cli/index.js'
import { EXIT } from '../../src/cli/exit.js'
import { ROOT } from '../helpers/cli.js'

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8')

/** The codes in the first column of the table under a page's `## Exit codes` heading. */
function exitCodes (md: string): number[] {
  const section = md.split(/^## Exit codes$/m)[1]?.split(/^## /m)[0] ?? ''
  return [...section.matchAll(/^\| (\d+) \|/gm)].map(m => Number(m[1]))
}

describe('the command reference', () => {
  it('docs/commands.md has a section for every command of the CLI', () => {
    const headings = [...read('docs/commands.md').matchAll(/^## `([a-z-]+)/gm)].map(m => m[1])
    const names = commands.map(c => c.command.split(' ')[0])
    expect(names.length).toBeGreaterThan(10)
    expect(names.filter(n => !headings.includes(n))).toEqual([])
  })

  it('the exit codes of docs/commands.md and of the README are those of src/cli/exit.ts', () => {
    const codes = Object.values(EXIT).sort((a, b) => a - b)
    expect(exitCodes(read('docs/commands.md'))).toEqual(codes)
    expect(exitCodes(read('README.md'))).toEqual(codes)
  })
})
