import { UnsafePathError } from '../../errors.js'

/**
 * Checks that a directory entry's name is one safe path segment: not empty, not
 * `.` or `..`, no `/`, `\` or NUL, at most 255 bytes. Anything else could write
 * outside the output folder, so it is refused.
 */
export function assertSafeName (name: string, parent: string): void {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name) || Buffer.byteLength(name) > 255) {
    throw new UnsafePathError(`${parent} holds an entry with an unsafe name ${JSON.stringify(name)}; refusing to write it`)
  }
}
