// Which code a benchmark measured, for the header of what it writes into BENCHMARKS.md.
import { execFileSync } from 'node:child_process'

/** The commit measured ("+ uncommitted changes" when src, bin, scripts or package.json differ from it), or "an unknown commit" outside git. */
export function measuredCommit (dir) {
  try {
    const head = execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    const dirty = execFileSync('git', ['-C', dir, 'status', '--porcelain', '--untracked-files=no', '--', 'src', 'bin', 'scripts', 'package.json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== ''
    return `commit ${head}${dirty ? ' + uncommitted changes' : ''}`
  } catch {
    return 'an unknown commit'
  }
}
