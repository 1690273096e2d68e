import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * Whether an `Authorization` header carries `Bearer <token>` (as Kubo's
 * `API.Authorizations` take it): 'ok', 'missing' (no header) or 'wrong'.
 * Compared in constant time.
 */
export function checkBearer (header: string | undefined, token: string): 'ok' | 'missing' | 'wrong' {
  if (header == null || header === '') return 'missing'
  const m = /^Bearer\s+(.+)$/i.exec(header.trim())
  if (m == null) return 'wrong'
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest()
  return timingSafeEqual(digest(m[1]), digest(token)) ? 'ok' : 'wrong'
}
