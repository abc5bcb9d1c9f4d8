// What a request handler may know about the connection it serves (main thread): whether it is gone, so
// long work can stop early, and a hook to release resources (a parked fetch) the moment it closes.
export interface RequestContext {
  readonly closed: boolean
  // Calls fn once when the connection closes; returns a function that removes the hook.
  onClose(fn: () => void): () => void
}

// A handler's answer: a JSON body plus optional raw bytes (fetch data) written after it without copying.
// null means "send no response frame" (Produce with acks=0).
export interface Reply {
  body: unknown
  raw?: Buffer[]
}
