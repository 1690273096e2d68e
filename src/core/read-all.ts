/** All the bytes of a chunked source (a blockstore `get`, file content), joined only when there is more than one chunk. */
export async function readAll (chunks: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  if (chunks instanceof Uint8Array) return chunks
  const parts: Uint8Array[] = []
  for await (const p of chunks) parts.push(p)
  return parts.length === 1 ? parts[0] : Buffer.concat(parts)
}
