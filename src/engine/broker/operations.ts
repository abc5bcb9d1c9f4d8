// What every front end must know about the daemon's operations before it runs one, whatever protocol asked
// (the control socket now, the Kafka listener next): whether it is a barrier, and how many response bytes
// a fetch may need. The broker's rules: a front end maps its own API keys onto these names. Main thread.
//
// Barrier: the operation changes topics, committed offsets (a group delete too) or the daemon. Later requests on the same
// connection start only after it completes, so "create topic, then produce" pipelined on one connection
// behaves as written, and a commit is seen by the offset fetch sent after it. The others (produce, fetch,
// list offsets, describe) run concurrently and may answer out of order; two produces to one partition are
// still appended in arrival order (one worker, one ordered message channel).

export interface OperationTraits {
  readonly barrier: boolean
}

export const OPERATIONS = {
  produce: {barrier: false},
  initProducerId: {barrier: false},
  fetch: {barrier: false},
  listOffsets: {barrier: false},
  deleteRecords: {barrier: true},
  createTopic: {barrier: true},
  alterTopic: {barrier: true},
  deleteTopic: {barrier: true},
  describeTopics: {barrier: false},
  listTopics: {barrier: false},
  status: {barrier: false},
  commitOffsets: {barrier: true},
  fetchOffsets: {barrier: false},
  // group membership: a heartbeat long-polls, so it must not hold the connection up
  groupHeartbeat: {barrier: false},
  listGroups: {barrier: false},
  describeGroups: {barrier: false},
  deleteGroup: {barrier: true},
  // the log cleaner on request: long-running, and its progress is polled on the same connection
  compactTopic: {barrier: false},
  compactionProgress: {barrier: false},
  shutdown: {barrier: true},
} as const satisfies Record<string, OperationTraits>

export type Operation = keyof typeof OPERATIONS

// The largest fetch response, whatever a client asks for (each partition's first batch excepted: storage's
// read rule returns it whole).
export const MAX_FETCH_RESPONSE_BYTES = 8 * 1024 * 1024

// How many response bytes a fetch asking for maxBytes may produce: what a front end reserves against its
// connection's output budget while the fetch runs. maxBytes is the request's, possibly not yet checked:
// anything but a number counts as the largest response.
export function fetchResponseBound(maxBytes: unknown): number {
  const m = typeof maxBytes === 'number' ? maxBytes : MAX_FETCH_RESPONSE_BYTES
  return Math.max(0, Math.min(m, MAX_FETCH_RESPONSE_BYTES))
}
