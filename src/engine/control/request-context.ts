// What a control request's handler may know about the connection it serves (main thread): what a long
// poll needs (FetchContext: whether it is gone, a hook for the moment it closes), and a way to close it.
import type {FetchContext} from '../broker/fetcher.js'

export interface RequestContext extends FetchContext {
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
