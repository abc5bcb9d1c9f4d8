// A minimal pipelined RESP2 client for the peers benchmark (Redis Streams). It exists so the bench needs no
// Redis npm client: commands are encoded straight into Buffers, replies are parsed incrementally into
// nested arrays whose bulk strings are Buffer views of the received chunks (no copy, no decoding), so the
// Redis consumers do no more per-record work than printing the value. Errors come back as Error objects.
// Replies resolve in send order (Redis answers a connection's commands in order).
import {connect} from 'node:net'

const CRLF = Buffer.from('\r\n')

// RESP array of bulk strings: *N\r\n then $len\r\n<bytes>\r\n per argument (strings or Buffers).
export function encode(args) {
  const parts = [Buffer.from(`*${args.length}\r\n`)]
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a))
    parts.push(Buffer.from(`$${b.length}\r\n`), b, CRLF)
  }
  return Buffer.concat(parts)
}

// Incremental parser: feed(chunk) returns the replies completed by this chunk. Bytes of an element that
// is not complete yet stay in `rest`; the stack holds the arrays still being filled, so a reply of any
// size is parsed once, element by element, however the socket splits it.
export class ReplyParser {
  rest = null
  stack = []

  feed(chunk) {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk
    this.rest = null
    const done = []
    const end = buf.length
    let pos = 0
    while (pos < end) {
      const type = buf[pos]
      // the header line: a type byte, then a number (or text) up to \r\n
      let nl = pos + 1
      let n = 0
      let negative = false
      if (type === 36 || type === 42 || type === 58) {
        if (buf[nl] === 45) {
          negative = true
          nl++
        }
        for (let c; nl < end && (c = buf[nl]) !== 13; nl++) n = n * 10 + c - 48
        if (negative) n = -n
      } else {
        while (nl < end && buf[nl] !== 13) nl++
      }
      if (nl + 1 >= end) break
      let value
      let next = nl + 2
      if (type === 36) { // '$' bulk string, as a view of the chunk
        if (n < 0) value = null
        else {
          if (next + n + 2 > end) break
          value = buf.subarray(next, next + n)
          next += n + 2
        }
      } else if (type === 42) { // '*' array
        if (n > 0) {
          this.stack.push({items: [], left: n})
          pos = next
          continue
        }
        value = n < 0 ? null : []
      } else if (type === 58) value = n // ':' integer
      else if (type === 43) value = buf.latin1Slice(pos + 1, nl) // '+' simple string
      else if (type === 45) value = new Error(buf.latin1Slice(pos + 1, nl)) // '-' error
      else throw new Error(`RESP: unexpected byte ${type} at ${pos}`)
      pos = next
      // place the value in the innermost open array; close every array it completes
      for (;;) {
        const top = this.stack[this.stack.length - 1]
        if (!top) {
          done.push(value)
          break
        }
        top.items.push(value)
        if (--top.left > 0) break
        this.stack.pop()
        value = top.items
      }
    }
    if (pos < end) this.rest = buf.subarray(pos)
    return done
  }
}

export async function redisConnect(port, host = '127.0.0.1') {
  const socket = connect({port, host, noDelay: true})
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  const parser = new ReplyParser()
  const waiting = [] // resolvers in send order
  let head = 0
  let failure = null
  // a resolver is dropped once called: it holds its promise, and so the reply and the chunks it views
  const answer = (reply) => {
    const resolve = waiting[head]
    waiting[head++] = undefined
    if (head === waiting.length) waiting.length = head = 0
    resolve(reply)
  }
  socket.on('data', (chunk) => {
    for (const reply of parser.feed(chunk)) answer(reply)
  })
  socket.on('error', (e) => (failure = e))
  socket.on('close', () => {
    const e = failure ?? new Error('redis connection closed')
    while (head < waiting.length) answer(e)
  })
  return {
    // one command; resolves with its reply (an Error object for an error reply)
    send(...args) {
      return new Promise((resolve) => {
        waiting.push(resolve)
        socket.write(encode(args))
      })
    },
    // several commands in one write; resolves with their replies in order
    pipeline(commands) {
      const replies = commands.map(() => new Promise((resolve) => waiting.push(resolve)))
      socket.write(Buffer.concat(commands.map(encode)))
      return Promise.all(replies)
    },
    close() {
      socket.end()
    },
  }
}
