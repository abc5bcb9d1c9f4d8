// The daemon-wide cap on memory pinned by half-received frames (README Guarantees, rule 7), whichever front
// end receives them: one budget for the control socket and the Kafka listener together (lifecycle/ makes
// it; each BoundedConnection, bounded-connection.ts, claims from it). A frame that spans socket reads is
// assembled in a buffer of its full size (FrameSplitter in protocol/frame-splitter.ts, under both
// protocols' readers), so sixteen clients each stalled inside a 60 MiB frame would pin a GiB. Every such
// buffer is reserved here first.
//
// A reservation that does not fit waits, first come first served, and is granted as soon as enough is
// released. Waiting rather than closing keeps honest clients working: a producer whose big batch arrives
// while the budget is full is only delayed. It cannot be delayed for long, because a holder has at most
// its frame deadline (its connection's partialFrameTimeoutMs, counted from the grant) to finish its frame
// before its connection is closed and its bytes released. A reservation is always granted when nothing
// is held, so a frame larger than the whole budget still gets in, alone. Main thread.

export interface BudgetTicket {
  readonly bytes: number
  granted: boolean
  readonly onGrant: () => void // called once, when a waiting ticket is granted
}

export class PendingFrameBudget {
  private held = 0
  private readonly waiting: BudgetTicket[] = []

  constructor(readonly limitBytes: number) {}

  // A ticket for `bytes`: granted at once when nobody is waiting and it fits, else queued.
  request(bytes: number, onGrant: () => void): BudgetTicket {
    const ticket: BudgetTicket = {bytes, granted: false, onGrant}
    if (this.waiting.length === 0 && this.fits(bytes)) {
      this.held += bytes
      ticket.granted = true
    } else {
      this.waiting.push(ticket)
    }
    return ticket
  }

  // Gives back a granted ticket's bytes (its frame is complete, or its connection closed) or drops a
  // waiting one.
  cancel(ticket: BudgetTicket): void {
    if (ticket.granted) {
      ticket.granted = false
      this.held -= ticket.bytes
    } else {
      const i = this.waiting.indexOf(ticket)
      if (i >= 0) this.waiting.splice(i, 1)
    }
    this.grantWaiting()
  }

  private fits(bytes: number): boolean {
    return this.held === 0 || this.held + bytes <= this.limitBytes
  }

  private grantWaiting(): void {
    while (this.waiting.length > 0 && this.fits(this.waiting[0]!.bytes)) {
      const ticket = this.waiting.shift()!
      this.held += ticket.bytes
      ticket.granted = true
      ticket.onGrant()
    }
  }
}
