import { InvalidArgumentError, NotFoundError, PublishError } from '../../errors.js'

/**
 * What a failed read of a file the user named becomes, in one place: a path that
 * is not there (ENOENT, ENOTDIR) is NotFoundError (exit 3) wherever it is met;
 * a folder where a file was wanted, or a file that cannot be read, is
 * InvalidArgumentError (exit 2). The message names the path as given, once, and
 * never repeats Node's own text with the absolute path in it.
 */
export function fsError (err: unknown, path: string): PublishError {
  if (err instanceof PublishError) return err
  const code = (err as NodeJS.ErrnoException)?.code
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new NotFoundError(`${path}: no such file or directory`, { cause: err })
    case 'EISDIR':
      return new InvalidArgumentError(`${path}: is a directory`, { cause: err })
    case 'EACCES':
    case 'EPERM':
      return new InvalidArgumentError(`${path}: permission denied`, { cause: err })
    default:
      return new InvalidArgumentError(`${path}: cannot be read (${code ?? String((err as Error)?.message ?? err)})`, { cause: err })
  }
}
