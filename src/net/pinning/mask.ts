/**
 * Hides a secret in text that a service sent back: every stretch of the text
 * that matches 8 or more consecutive characters of the secret (in any case) is
 * replaced by `***`, so an echo of the token that the service lower-cased, cut
 * short or wrapped in other words is hidden as well as an exact one.
 */
export function maskSecret (text: string, secret: string): string {
  if (secret.length === 0 || text.length === 0) return text
  const run = Math.min(8, secret.length)
  const lower = (s: string): string => s.replace(/[A-Z]/g, c => c.toLowerCase())
  const t = lower(text)
  const s = lower(secret)
  const hidden = new Uint8Array(text.length)
  for (let i = 0; i + run <= s.length; i++) {
    const piece = s.slice(i, i + run)
    for (let at = t.indexOf(piece); at !== -1; at = t.indexOf(piece, at + 1)) hidden.fill(1, at, at + run)
  }
  let out = ''
  for (let i = 0; i < text.length; i++) {
    if (hidden[i] === 0) out += text[i]
    else if (i === 0 || hidden[i - 1] === 0) out += '***'
  }
  return out
}
