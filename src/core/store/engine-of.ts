import { RepoError } from '../../errors.js'
import type { Engine } from './engine.js'
import type { Repo } from './repo.js'

const engines = new WeakMap<Repo, Engine>()

/** Records the store under a repo (openRepo does). */
export function setEngine (repo: Repo, engine: Engine): void {
  engines.set(repo, engine)
}

/**
 * The store under a repo, for the store's own code (publish, import, maintenance):
 * not part of the library's API. A module of its own, so that importing it loads
 * neither the store's engine nor Helia.
 */
export function engineOf (repo: Repo): Engine {
  const engine = engines.get(repo)
  if (engine == null) throw new RepoError('not a repo opened by openRepo')
  return engine
}
