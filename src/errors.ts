/**
 * Errors thrown by ipfs-publish. Every error the library throws on purpose is a
 * {@link PublishError} with a stable `name` and `code`; the CLI maps codes to exit
 * codes in one place (`src/cli/exit.ts`). Match on `code`, never on the message.
 *
 * @module
 */

/**
 * Messages name an option of the library in backticks (`` `maxBytes` ``): the CLI
 * shows its flag there instead (`--max-size`, src/cli/exit.ts), so each layer
 * speaks its own names.
 */

/** Every code a {@link PublishError} can carry. */
export type ErrorCode =
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_INVALID_CID'
  | 'ERR_NOT_FOUND'
  | 'ERR_VERIFICATION_FAILED'
  | 'ERR_UNSAFE_PATH'
  | 'ERR_INVALID_ARTICLE'
  | 'ERR_NO_ARTICLES'
  | 'ERR_REPO'
  | 'ERR_MANIFEST_MISMATCH'
  | 'ERR_BATCH_FAILED'
  | 'ERR_ABORTED'
  | 'ERR_REMOTE_PIN'
  | 'ERR_IPNS'
  | 'ERR_ADDRESS_IN_USE'

/** Base class of every error ipfs-publish throws on purpose. */
export class PublishError extends Error {
  static readonly code: ErrorCode
  constructor (message: string, public readonly name: string, public readonly code: ErrorCode, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** A command-line argument or option value is malformed. */
export class InvalidArgumentError extends PublishError {
  static readonly code = 'ERR_INVALID_ARGUMENT'
  constructor (message = 'invalid argument', options?: { cause?: unknown }) {
    super(message, 'InvalidArgumentError', 'ERR_INVALID_ARGUMENT', options)
  }
}

/** A string that should be a CID is not one. */
export class InvalidCidError extends PublishError {
  static readonly code = 'ERR_INVALID_CID'
  constructor (message = 'invalid CID', options?: { cause?: unknown }) {
    super(message, 'InvalidCidError', 'ERR_INVALID_CID', options)
  }
}

/** A CID, block or file is not in the store (or not on disk). */
export class NotFoundError extends PublishError {
  static readonly code = 'ERR_NOT_FOUND'
  constructor (message = 'not found', options?: { cause?: unknown }) {
    super(message, 'NotFoundError', 'ERR_NOT_FOUND', options)
  }
}

/** A block is not in the local store (it may be on the network): a NotFoundError that says which. */
export class BlockNotFoundError extends NotFoundError {
  constructor (message = 'block not in the store', options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** Bytes do not match the hash that names them, or a bundle's metadata disagrees with its article. */
export class VerificationError extends PublishError {
  static readonly code = 'ERR_VERIFICATION_FAILED'
  constructor (message = 'verification failed', options?: { cause?: unknown }) {
    super(message, 'VerificationError', 'ERR_VERIFICATION_FAILED', options)
  }
}

/** A directory entry's name is not one safe path segment, so it cannot be written to disk. */
export class UnsafePathError extends PublishError {
  static readonly code = 'ERR_UNSAFE_PATH'
  constructor (message = 'unsafe path', options?: { cause?: unknown }) {
    super(message, 'UnsafePathError', 'ERR_UNSAFE_PATH', options)
  }
}

/** A file cannot be published as an article (empty, binary, not UTF-8, too large). */
export class InvalidArticleError extends PublishError {
  static readonly code = 'ERR_INVALID_ARTICLE'
  constructor (message = 'invalid article', options?: { cause?: unknown }) {
    super(message, 'InvalidArticleError', 'ERR_INVALID_ARTICLE', options)
  }
}

/** A directory holds no `*.txt` or `*.md` file. */
export class NoArticlesError extends PublishError {
  static readonly code = 'ERR_NO_ARTICLES'
  constructor (message = 'no articles found', options?: { cause?: unknown }) {
    super(message, 'NoArticlesError', 'ERR_NO_ARTICLES', options)
  }
}

/** The repo cannot be opened or written. */
export class RepoError extends PublishError {
  static readonly code = 'ERR_REPO'
  constructor (message = 'repo error', options?: { cause?: unknown }) {
    super(message, 'RepoError', 'ERR_REPO', options)
  }
}

/** `--check` found articles whose CID differs from the manifest. */
export class ManifestMismatchError extends PublishError {
  static readonly code = 'ERR_MANIFEST_MISMATCH'
  constructor (message = 'manifest is stale', public readonly mismatches: string[] = [], options?: { cause?: unknown }) {
    super(message, 'ManifestMismatchError', 'ERR_MANIFEST_MISMATCH', options)
  }
}

/** Some articles of a batch failed; the others were published. */
export class BatchFailedError extends PublishError {
  static readonly code = 'ERR_BATCH_FAILED'
  constructor (message = 'some articles failed', public readonly failures: Array<{ path: string, error: PublishError }> = [], options?: { cause?: unknown }) {
    super(message, 'BatchFailedError', 'ERR_BATCH_FAILED', options)
  }
}

/** A remote pinning service failed, refused, or could not be reached. Messages never contain the access token. */
export class RemotePinError extends PublishError {
  static readonly code = 'ERR_REMOTE_PIN'
  constructor (message = 'remote pinning failed', options?: { cause?: unknown }) {
    super(message, 'RemotePinError', 'ERR_REMOTE_PIN', options)
  }
}

/** An IPNS record could not be made, found, or trusted: a bad signature, a lower sequence number, an expired or unknown name. */
export class IpnsError extends PublishError {
  static readonly code = 'ERR_IPNS'
  constructor (message = 'IPNS failed', options?: { cause?: unknown }) {
    super(message, 'IpnsError', 'ERR_IPNS', options)
  }
}

/** A listen address (the gateway's, or libp2p's) is taken by another process. */
export class AddressInUseError extends PublishError {
  static readonly code = 'ERR_ADDRESS_IN_USE'
  constructor (message = 'the address is in use', options?: { cause?: unknown }) {
    super(message, 'AddressInUseError', 'ERR_ADDRESS_IN_USE', options)
  }
}

/** The operation was aborted through its AbortSignal. */
export class AbortError extends PublishError {
  static readonly code = 'ERR_ABORTED'
  constructor (message = 'the operation was aborted', options?: { cause?: unknown }) {
    super(message, 'AbortError', 'ERR_ABORTED', options)
  }
}

/** True when `err` is a PublishError (or any error carrying a known code). */
export function isPublishError (err: unknown): err is PublishError {
  return err instanceof PublishError
}
