// Failpoints (RELIABILITY.md): SAMSA_FAILPOINTS='[{"op":"write","action":"ENOSPC","path":".log","after":3}]'
// arms storage's FaultyFileIo for every partition of this worker (path: a suffix; pathPattern: a RegExp).
// For crash and fault tests only; a daemon without the variable uses the plain file I/O.
import {createFaultyFileIo, type FaultAction, type FaultOp} from '../../storage/faulty-file-io.js'
import {nodeFileIo, type FileIo} from '../../storage/file-io.js'
import {log} from './state.js'

export function failpointIo(): FileIo | undefined {
  const spec = process.env.SAMSA_FAILPOINTS
  if (!spec) return undefined
  try {
    const rules = JSON.parse(spec) as {op: FaultOp; action: FaultAction; path?: string; pathPattern?: string; after?: number; times?: number}[]
    const io = createFaultyFileIo(nodeFileIo)
    for (const r of rules) {
      io.fail({op: r.op, action: r.action, path: r.pathPattern ? new RegExp(r.pathPattern) : r.path, after: r.after, times: r.times})
    }
    log(`failpoints armed: ${spec}`)
    return io
  } catch (err) {
    log(`ignoring SAMSA_FAILPOINTS: ${(err as Error).message}`)
    return undefined
  }
}
