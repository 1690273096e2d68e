import type { Repo } from '../core/store/repo.js'
import type { ResolveIpnsOptions } from '../net/ipns-path.js'

/** Whether a command's path argument names an IPNS name or DNSLink domain (`/ipns/…`, `ipns://…`). */
export function isIpnsArg (arg: string): boolean {
  return /^(\/ipns\/|ipns:\/\/)/.test(arg)
}

/** The `/ipfs/…` path an `/ipns/…` argument points to (the IPNS code is loaded only then). */
export async function resolveIpnsArg (repo: Repo, arg: string, options: ResolveIpnsOptions): Promise<string> {
  const { resolveIpnsPath } = await import('../net/ipns-path.js')
  return (await resolveIpnsPath(repo, arg, options)).path
}
