// A Kafka connection's SASL state (sasl.ts has the protocol's rules and the handlers): which requests it
// may take now, and the mechanism's conversation once a handshake chose one. Main thread.
import {KafkaErrorCode, type KafkaApiName} from '../../protocol/kafka/index.js'
import {conversation, SaslFailure, type SaslConversation} from './sasl-mechanisms.js'
import {SASL_MECHANISMS_ENABLED, type SaslUsers} from './sasl-users.js'

type State = 'handshake' | 'authenticate' | 'raw' | 'done' | 'failed'

export class SaslSession {
  private state: State = 'handshake'
  private conversation: SaslConversation | null = null
  user: string | null = null // who authenticated

  constructor(private readonly users: SaslUsers) {}

  get authenticated(): boolean {
    return this.state === 'done'
  }

  // The next frame is a bare SASL token, not a Kafka request (after a v0 handshake).
  get expectsRawToken(): boolean {
    return this.state === 'raw'
  }

  // null: the request may run now; else why the connection closes instead.
  refusal(api: KafkaApiName): string | null {
    switch (this.state) {
      case 'done':
        return null
      case 'handshake':
        return api === 'ApiVersions' || api === 'SaslHandshake' ? null : `unexpected Kafka request ${api} during SASL handshake: this listener requires SASL authentication`
      case 'authenticate':
        return api === 'SaslAuthenticate' || api === 'SaslHandshake' ? null : `unexpected Kafka request ${api} during SASL authentication`
      case 'raw':
        return `a Kafka request ${api} where a SASL token was expected`
      case 'failed':
        return 'SASL authentication failed'
    }
  }

  // SaslHandshake in the handshake state: the mechanism, if enabled, starts a conversation.
  begin(mechanism: string, headers: boolean): number {
    if (this.state !== 'handshake') {
      this.state = 'failed'
      return KafkaErrorCode.ILLEGAL_SASL_STATE
    }
    if (!(SASL_MECHANISMS_ENABLED as readonly string[]).includes(mechanism)) {
      this.state = 'failed'
      return KafkaErrorCode.UNSUPPORTED_SASL_MECHANISM
    }
    this.conversation = conversation(mechanism, this.users)
    this.state = headers ? 'authenticate' : 'raw'
    return KafkaErrorCode.NONE
  }

  // One client token → the server's answer; throws SaslFailure (the session is then failed).
  async step(token: Buffer): Promise<Buffer> {
    if (this.conversation === null || (this.state !== 'authenticate' && this.state !== 'raw')) throw new SaslFailure('Unexpected SASL token', 'a SASL token outside authentication')
    try {
      const {reply, done, user} = await this.conversation.step(token)
      if (done) {
        this.state = 'done'
        this.user = user ?? null
        this.conversation = null
      }
      return reply
    } catch (err) {
      this.state = 'failed'
      throw err
    }
  }
}
