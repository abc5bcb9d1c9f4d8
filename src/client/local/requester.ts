// What Admin and RawApi need from a connection owner: send a request, get {body, raw} or a SamsaError.
import type {RequestOptions, Response} from './connection.js'

export interface RequestOptionsEx extends RequestOptions {
  // Fail with DAEMON_UNAVAILABLE instead of reconnecting when the connection is down (e.g. Shutdown).
  noReconnect?: boolean
}

export interface Requester {
  request<T = unknown>(apiKey: number, body: unknown, raw?: Uint8Array, options?: RequestOptionsEx): Promise<Response<T>>
  send(apiKey: number, body: unknown, raw?: Uint8Array): Promise<void>
}
