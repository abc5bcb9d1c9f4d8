// The latency floor of workload 4: the path a line takes through samsa — a producer process, a server
// whose main thread hands the bytes to a worker thread and back, a follower process — with no work at any
// step. Whatever samsa's latency is above this, it spends on its own work (parsing, batching, LZ4, CRC,
// validation, storage, formatting); this much is Node, the pipes, the Unix socket and the two thread hops.
//   node relay.mjs server SOCKET    main thread: producer bytes → worker → back → every follower's socket
//   node relay.mjs produce SOCKET   stdin → the socket, as read
//   node relay.mjs follow SOCKET    the socket → stdout, each line's "key:" cut off as `consume` prints values
import {unlinkSync} from 'node:fs'
import net from 'node:net'
import {Worker} from 'node:worker_threads'

const [role, path] = process.argv.slice(2)

if (role === 'server') {
  try {
    unlinkSync(path)
  } catch {}
  const followers = new Set()
  const echo = `require('node:worker_threads').parentPort.on('message', function (m) { this.postMessage(m, [m.buffer]) })`
  const worker = new Worker(echo, {eval: true})
  worker.on('message', (bytes) => {
    for (const f of followers) f.write(bytes)
  })
  net
    .createServer((socket) => {
      // the first byte says who connected: F a follower, P a producer
      socket.once('data', (first) => {
        if (first[0] === 0x46) {
          followers.add(socket)
          socket.on('close', () => followers.delete(socket))
          return
        }
        const hand = (chunk) => {
          const bytes = new Uint8Array(chunk) // a copy of its own, transferred (as samsa's produce)
          worker.postMessage(bytes, [bytes.buffer])
        }
        if (first.length > 1) hand(first.subarray(1))
        socket.on('data', hand)
      })
      socket.on('error', () => {})
    })
    .listen(path, () => process.stdout.write('ready\n'))
  process.on('SIGTERM', () => process.exit(0))
} else if (role === 'produce') {
  const socket = net.connect(path, () => {
    socket.write('P')
    process.stdin.on('data', (d) => socket.write(d))
  })
  process.stdin.on('end', () => socket.end())
} else if (role === 'follow') {
  const socket = net.connect(path, () => socket.write('F'))
  socket.setEncoding('latin1')
  socket.on('data', (text) => process.stdout.write(text.replace(/^[^:\n]*:/gm, '')))
} else {
  process.stderr.write('usage: relay.mjs server|produce|follow SOCKET\n')
  process.exit(2)
}
