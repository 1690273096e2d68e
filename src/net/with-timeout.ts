/** A signal that aborts after `ms`, or sooner with `signal`. */
export function withTimeout (ms: number, signal?: AbortSignal): AbortSignal {
  return signal != null ? AbortSignal.any([signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms)
}
