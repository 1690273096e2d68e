import { InvalidArgumentError } from '../errors.js'

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1000, kb: 1000, kib: 1024, m: 1e6, mb: 1e6, mib: 1024 ** 2, g: 1e9, gb: 1e9, gib: 1024 ** 3 }

/** Parses a size such as `16777216`, `16MiB` or `512 KiB`; InvalidArgumentError naming the option otherwise. */
export function parseSize (value: string, option: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value)
  const unit = m?.[2].toLowerCase() ?? ''
  if (m == null || UNITS[unit] == null) throw new InvalidArgumentError(`${option} "${value}" is not a size (try 16MiB)`)
  const n = Math.floor(Number(m[1]) * UNITS[unit])
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`${option} "${value}" is not a positive size`)
  return n
}

/** Parses a duration such as `30s`, `2m`, `500ms` or `10` (seconds) into milliseconds. */
export function parseDuration (value: string, option: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(value)
  if (m == null) throw new InvalidArgumentError(`${option} "${value}" is not a duration (try 30s)`)
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's').toLowerCase() as 'ms' | 's' | 'm' | 'h' | 'd']
  return Math.round(Number(m[1]) * factor)
}
