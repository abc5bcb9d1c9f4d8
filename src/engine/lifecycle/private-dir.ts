// Creates (or checks) a directory only its owner may enter: mode 0700, a real directory (not a symbolic
// link), owned by this user. Holds the control socket and the pid file. Main thread.
import {chmodSync, lstatSync} from 'node:fs'
import {SamsaError} from '../../errors.js'
import {makeDirs} from '../../make-dirs.js'

export function preparePrivateDir(dir: string): void {
  makeDirs(dir, 0o700)
  const st = lstatSync(dir)
  if (st.isSymbolicLink() || !st.isDirectory()) {
    throw new SamsaError('STORAGE_ERROR', `${dir} must be a directory, not a symbolic link or a file`)
  }
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
    throw new SamsaError('STORAGE_ERROR', `${dir} belongs to uid ${st.uid}, not to this user: refusing to use it`)
  }
  if ((st.mode & 0o777) !== 0o700) chmodSync(dir, 0o700)
}
