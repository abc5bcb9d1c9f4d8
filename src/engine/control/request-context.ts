// What a request handler may know about the connection it serves (main thread): whether it is gone, so
// long work can stop early, and a hook to release resources (a parked fetch) the moment it closes.
export interface RequestContext {
  readonly closed: boolean
  // Calls fn once when the connection closes; returns a function that removes the hook.
  onClose(fn: () => void): () => void
  // Logs `reason` (one line) and closes the connection: nothing more is read from it, replies already
  // written still reach the peer, replies of requests still running are dropped. How a failed acks=0
  // produce is reported, as in Kafka: the producer sees its connection close.
  abort(reason: string): void
}

// A handler's answer: a JSON body plus optional raw bytes (fetch data) written after it without copying.
// null means "send no response frame" (Produce with acks=0).
export interface Reply {
  body: unknown
  raw?: Buffer[]
}
