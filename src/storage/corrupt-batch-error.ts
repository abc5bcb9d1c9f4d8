// The error a read throws when the batch holding the offset asked for cannot be served: its bytes fail
// their frame or CRC check, or recovery found it damaged and quarantined the partition. It names the
// place exactly (segment file and byte position) and carries where intact data resumes, so a reader can
// skip the damage deliberately by reading from `nextOffset` (Kafka: CORRUPT_MESSAGE for that partition,
// everything below it still served). Code CORRUPT_LOG: exit 7, Kafka error code 2.
// Owner: thrown by the read path (log-read.ts) on the partition’s worker thread.

import {SamsaError} from '../errors.js'

export class CorruptBatchError extends SamsaError {
  constructor(
    /** The offset asked for. */
    readonly offset: number,
    /** The first offset after the damage: where reading can continue. */
    readonly nextOffset: number,
    readonly file: string,
    readonly position: number,
    readonly problem: string,
    quarantined: boolean,
  ) {
    const why = quarantined ? `${problem}; found by recovery, which quarantined the partition: writes are refused` : problem
    const lost = nextOffset - 1 > offset ? `offsets ${offset} to ${nextOffset - 1} cannot be read` : `offset ${offset} cannot be read`
    super('CORRUPT_LOG', `offset ${offset} is in a corrupt record batch at byte ${position} of ${file} (${why}); ${lost}`)
  }
}
