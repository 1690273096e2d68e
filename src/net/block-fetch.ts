import { NotFoundError, VerificationError } from '../errors.js'
import { readAll } from '../core/read-all.js'
import { checked, gatewaySource } from './verify-from.js'
import type { AbortOptions } from 'abort-error'
import type { CID } from 'multiformats/cid'

/**
 * One block from trustless gateways (`GET /ipfs/<cid>?format=raw`), tried in
 * turn: each answer is checked against the block limit and its CID before it is
 * given (a gateway's bytes are never trusted). A gateway that sends wrong bytes
 * or does not answer within `timeoutMs` is passed over; when none gives the
 * block, a VerificationError (one sent wrong bytes) or NotFoundError says what
 * each answered.
 */
export function gatewayBlocks (gateways: string[], timeoutMs = 60_000): (cid: CID, options?: AbortOptions) => Promise<Uint8Array> {
  const sources = gateways.map(g => ({ gateway: g, blocks: checked(gatewaySource(g)) }))
  return async (cid, options = {}) => {
    const reasons: string[] = []
    let lied = false
    for (const { gateway, blocks } of sources) {
      const timeout = AbortSignal.timeout(timeoutMs)
      const signal = options.signal != null ? AbortSignal.any([options.signal, timeout]) : timeout
      try {
        return await readAll(blocks.get(cid, { signal }))
      } catch (err: any) {
        if (options.signal?.aborted === true) throw err
        if (err instanceof VerificationError || err?.code === 'ERR_VERIFICATION_FAILED') {
          // wrong bytes: refused, and the next gateway is asked
          lied = true
          reasons.push(`${gateway} sent bytes that do not match block ${cid} (refused)`)
          continue
        }
        if (err?.name !== 'NotFoundError' && !timeout.aborted) throw err
        reasons.push(timeout.aborted ? `${gateway} gave no answer within ${Math.round(timeoutMs / 1000)} s` : String(err.message))
      }
    }
    if (lied) throw new VerificationError(reasons.join('; '))
    throw new NotFoundError(`block ${cid} is not in the repo, and no gateway gave it (${reasons.join('; ')})`)
  }
}

/**
 * Whether the node behind a gateway holds a root: its block, fetched as a
 * trustless gateway gives it and checked against its CID. An answer of "not
 * found" (or bytes that do not match) is no; a node that cannot be reached is
 * the NotFoundError of {@link gatewayBlocks}, naming it.
 */
export async function nodeHolds (gateway: string, cid: CID, options: AbortOptions = {}): Promise<boolean> {
  try {
    await gatewayBlocks([gateway], 30_000)(cid, options)
    return true
  } catch (err: any) {
    if (options.signal?.aborted === true) throw err
    if (err instanceof VerificationError) return false
    if (err instanceof NotFoundError && /\((404|410)\)/.test(err.message)) return false
    if (err instanceof NotFoundError) throw new NotFoundError(`cannot ask ${gateway} whether it holds ${cid}: ${String(err.message).replace(/^.*?\((.*)\)$/, '$1')}`, { cause: err })
    throw err
  }
}
