import { isAbsolute, relative } from 'node:path'

/** A path as the user should see it: relative to the working folder when inside it, absolute otherwise. */
export function shownPath (path: string, cwd: string): string {
  const rel = relative(cwd, path)
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel
}
