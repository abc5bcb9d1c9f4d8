// Where the data directory is: --data-dir, else $SAMSA_DATA_DIR, else $XDG_DATA_HOME/samsa
// (~/.local/share/samsa when XDG_DATA_HOME is unset), always made absolute.
import {homedir} from 'node:os'
import {join, resolve} from 'node:path'

export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag)
  if (env.SAMSA_DATA_DIR) return resolve(env.SAMSA_DATA_DIR)
  const xdg = env.XDG_DATA_HOME || join(homedir(), '.local', 'share')
  return resolve(xdg, 'samsa')
}
