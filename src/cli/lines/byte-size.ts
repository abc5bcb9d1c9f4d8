// Byte sizes in flags: 65536, 64k, 64KiB, 1m, 1MB — binary multiples (k = 1024), as batch sizes are.
import {SamsaError} from '../../errors.js'

const UNITS: {[u: string]: number} = {'': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3}

export function parseByteSize(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined
  if (!m || unit === undefined) throw new SamsaError('USAGE', `bad ${flag} '${text}': expected a size such as 65536, 64k or 1m`)
  const n = Math.round(Number(m[1]) * unit)
  if (!Number.isSafeInteger(n) || n < 1) throw new SamsaError('USAGE', `bad ${flag} '${text}': must be at least 1 byte`)
  return n
}
