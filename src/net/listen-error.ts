import { AddressInUseError } from '../errors.js'

/** What to do about an address in use, said once for both kinds of listen address. */
const ADVICE = 'another process listens there; stop it, or choose another port (0 picks a free one)'

/** The error for a gateway address another process holds (`listen` as given: `host:port`). */
export function gatewayInUse (listen: string, cause: unknown): AddressInUseError {
  return listenInUse('--gateway-listen', listen, cause)
}

/** The error for an HTTP listen address (`flag` with `host:port` as given) that another process holds. */
export function listenInUse (flag: string, listen: string, cause: unknown): AddressInUseError {
  return new AddressInUseError(`${flag} ${listen} is in use: ${ADVICE}`, { cause })
}

/**
 * libp2p's error when a listen address is taken (a paragraph of advice on its
 * configuration and a stack trace) as one line naming the address; undefined for
 * any other error.
 */
export function libp2pListenInUse (err: any): AddressInUseError | undefined {
  if (err?.name !== 'UnsupportedListenAddressesError') return undefined
  const m = /^\s*(\/\S+): .*EADDRINUSE\D*?(\S+:\d+)/m.exec(String(err.message ?? ''))
  if (m == null) return undefined
  return new AddressInUseError(`--listen ${m[1]}: ${m[2]} is in use: ${ADVICE}`, { cause: err })
}
