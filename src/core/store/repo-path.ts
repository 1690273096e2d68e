import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

/**
 * The default repo folder: `$IPFS_PUBLISH_REPO`, else `$XDG_DATA_HOME/ipfs-publish`,
 * else `~/.local/share/ipfs-publish` (`~/Library/Application Support/ipfs-publish`
 * on macOS, `%LOCALAPPDATA%\ipfs-publish` on Windows).
 */
export function defaultRepoPath (env: NodeJS.ProcessEnv = process.env): string {
  if (env.IPFS_PUBLISH_REPO != null && env.IPFS_PUBLISH_REPO !== '') return resolve(env.IPFS_PUBLISH_REPO)
  if (env.XDG_DATA_HOME != null && env.XDG_DATA_HOME !== '') return join(env.XDG_DATA_HOME, 'ipfs-publish')
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'ipfs-publish')
  if (process.platform === 'win32' && env.LOCALAPPDATA != null) return join(env.LOCALAPPDATA, 'ipfs-publish')
  return join(homedir(), '.local', 'share', 'ipfs-publish')
}
