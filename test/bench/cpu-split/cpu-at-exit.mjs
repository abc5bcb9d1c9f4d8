// Preloaded (node --import) into each CLI process cpu-split.mjs runs: writes the process's CPU time,
// {"user","system"} in µs, to $SAMSA_CPU_AT_EXIT when it exits — whichever way it exits.
import {writeFileSync} from 'node:fs'

const file = process.env.SAMSA_CPU_AT_EXIT
if (file) process.on('exit', () => writeFileSync(file, JSON.stringify(process.cpuUsage())))
