// Noticing that the reader of stdout went away while there is nothing to write — `samsa consume -f | head -1`
// waiting for the next record after head has exited. Node ignores SIGPIPE and sees a closed pipe only as
// EPIPE from a write; a zero-length write(2) to a pipe reports nothing on Linux (pipe_write returns 0
// before it looks for readers), and writing anything else would be output.
//
// What works (Node 20, Linux, measured: the callback runs within ~1 ms of the reader's exit): epoll on the
// write end of a pipe reports EPOLLERR once the pipe has no reader, whatever events were asked for. So we
// open a second write-only descriptor on the same pipe (/proc/self/fd/1: never the read end — a reader of
// our own would keep the pipe alive) and have libuv watch it for reading: it stays silent while the reader
// lives, and on EPOLLERR libuv tries a read, which fails (EBADF, the descriptor is write-only), and calls us.
// libuv's pipe handle refuses to read a write-only descriptor (ENOTCONN), its TCP handle does not check,
// so the watch is a TCP handle from process.binding('tcp_wrap') — an internal binding, wrapped in a
// try: where it is missing, the watch is simply off and the next write's EPIPE still ends the process.
// The descriptor is close-on-exec (libuv opens every file so): a daemon auto-started meanwhile does not
// inherit it and keep the pipe open. Only for a pipe (FIFO): a terminal or a file has no reader to lose.
import {closeSync, constants, fstatSync, openSync} from 'node:fs'

interface StreamHandle {
  open(fd: number): number
  readStart(): number
  close(): void
  unref?(): void
  onread: (() => void) | null
}

/** Calls onGone once when stdout is a pipe and its reader closes it. Returns a function that stops watching. */
export function watchStdoutReader(onGone: () => void): () => void {
  let fd = -1
  let handle: StreamHandle | null = null
  try {
    if (!fstatSync(1).isFIFO()) return () => {}
    const {TCP, constants: tcp} = (process as unknown as {binding(name: string): {TCP: new (type: number) => StreamHandle; constants: {SOCKET: number}}}).binding('tcp_wrap')
    fd = openSync('/proc/self/fd/1', constants.O_WRONLY | constants.O_NONBLOCK)
    const h = new TCP(tcp.SOCKET)
    if (h.open(fd) !== 0) throw new Error('open')
    h.onread = () => {
      stop()
      onGone()
    }
    if (h.readStart() !== 0) throw new Error('readStart')
    h.unref?.() // never what keeps the process alive
    handle = h
  } catch {
    if (handle === null && fd >= 0) closeSync(fd)
    return () => {}
  }
  const stop = (): void => {
    const h = handle
    handle = null
    h?.close() // closes the descriptor too
  }
  return stop
}
