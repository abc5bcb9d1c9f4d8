// The classic consumer-group protocol of Kafka's clients (kcat -G, kafkajs consumers) on samsa's group
// coordinator (engine/groups/: the same groups `samsa consume --group` joins and `samsa group describe`
// shows): JoinGroup, SyncGroup, Heartbeat, LeaveGroup, ListGroups, DescribeGroups and DeleteGroups. Main
// thread.
// Each request becomes one typed coordinator call; each SamsaError it throws becomes Kafka's code (error-
// codes.ts, the coordinator's family: errors.ts kafkaCode, a stopping daemon COORDINATOR_NOT_AVAILABLE).
//
//   any group API, empty or over-long group id → INVALID_GROUP_ID (24), before the coordinator is asked.
//   JoinGroup (v0–2) → joinGroup, which waits in the join barrier (up to the largest rebalance timeout;
//     v0 has none: its session timeout). A new member gets its id at once (MEMBER_ID_REQUIRED exists only
//     from v4). The leader gets every member's metadata for the chosen protocol. Codes: 26 session timeout
//     outside 1 s–30 min, 23 no protocol in common (or the group has samsa members: one protocol per
//     group), 25 unknown member id, 27 a newer join of the same member replaced this one, 42 protocol
//     metadata above 1 MiB, 81 the group (1000 members) or the daemon (10 000 members, 128 MiB of
//     metadata and assignments) is full.
//   SyncGroup (v0–1) → syncGroup: followers wait for the leader's assignments (up to the rebalance
//     timeout), a member the leader left out gets empty bytes. 25 unknown, 22 stale generation, 27 a
//     rebalance started, 42 an assignment above 1 MiB.
//   Heartbeat (v0–1) → classicHeartbeat: 0, or 25, 22, 27 (rejoin: a rebalance is under way).
//   LeaveGroup (v0–1) → leaveGroup: 0, or 25.
//   ListGroups (v0–1) → every group with members or committed offsets: protocol type "consumer" for both
//     protocols' groups with members (the classic group's own protocol type), "" for offsets only.
//   DeleteGroups (v0–1) → deleteGroup, per group: its committed offsets forgotten; 68 while it has members,
//     69 when it has neither members nor offsets, 24 an invalid id.
//   DescribeGroups (v0–1) → a classic group as Kafka describes it (in Stable the chosen protocol and each
//     member's metadata and assignment bytes; during a rebalance the members without them); a group of
//     samsa members with its state, assignor and each member's partitions as a ConsumerProtocol
//     assignment; a group with committed offsets only Empty; an unknown one Dead (error 0).
// Protocol metadata and assignments are opaque; when they are ConsumerProtocol payloads their topics and
// partitions are decoded for `samsa group describe` (protocol/kafka/consumer-protocol.ts).
import {decodeAssignment, decodeSubscriptionTopics, encodeAssignment, KafkaErrorCode, type ResponseBody} from '../../protocol/kafka/index.js'
import {isSamsaError} from '../../errors.js'
import type {GroupCoordinator} from '../groups/coordinator.js'
import {MAX_GROUP_ID_LENGTH} from '../groups/offset-store.js'
import {kafkaErrorCode} from './error-codes.js'
import type {KafkaHandlers} from './handler.js'

type DescribedGroup = ResponseBody<'DescribeGroups'>['groups'][number]

const EMPTY = Buffer.alloc(0)
const INVALID_GROUP_ID = KafkaErrorCode.INVALID_GROUP_ID

export function isValidGroupId(group: string): boolean {
  return group.length > 0 && group.length <= MAX_GROUP_ID_LENGTH
}

// The Kafka code of a coordinator refusal.
export function groupErrorCode(err: unknown): number {
  return kafkaErrorCode(err, 'commit')
}

export const GROUP_HANDLERS: KafkaHandlers = {
  JoinGroup: {
    operation: 'groupHeartbeat',
    async handle({groups, log}, body, header, ctx) {
      const refused = (errorCode: number) => ({throttleTimeMs: 0, errorCode, generationId: -1, protocolName: '', leader: '', memberId: body.memberId, members: []})
      if (!isValidGroupId(body.groupId)) return refused(INVALID_GROUP_ID)
      try {
        const joined = await groups.joinGroup({
          group: body.groupId,
          memberId: body.memberId,
          clientId: header.clientId ?? '',
          clientHost: clientHost(ctx.peer),
          sessionTimeoutMs: body.sessionTimeoutMs,
          rebalanceTimeoutMs: header.apiVersion === 0 ? body.sessionTimeoutMs : body.rebalanceTimeoutMs,
          protocolType: body.protocolType,
          protocols: body.protocols,
          topics: body.protocolType === 'consumer' ? subscribedTopics(body.protocols) : undefined,
        })
        const members = joined.members.map((m) => ({memberId: m.memberId, metadata: view(m.metadata)}))
        return {throttleTimeMs: 0, errorCode: 0, generationId: joined.generationId, protocolName: joined.protocolName, leader: joined.leader, memberId: joined.memberId, members}
      } catch (err) {
        const code = groupErrorCode(err)
        // the client shows only the code: the daemon's log says why (once a minute per group)
        if (code === KafkaErrorCode.INCONSISTENT_GROUP_PROTOCOL && firstInAMinute(body.groupId)) {
          log(`refused a JoinGroup from Kafka client ${JSON.stringify(header.clientId ?? '')} (${ctx.peer}): ${(err as Error).message}`)
        }
        return refused(code)
      }
    },
  },

  SyncGroup: {
    operation: 'groupHeartbeat',
    async handle({groups}, body) {
      if (!isValidGroupId(body.groupId)) return {throttleTimeMs: 0, errorCode: INVALID_GROUP_ID, assignment: EMPTY}
      const assignments = body.assignments.map((a) => ({memberId: a.memberId, assignment: a.assignment, partitions: decodeAssignment(a.assignment) ?? undefined}))
      try {
        const assignment = await groups.syncGroup(body.groupId, body.memberId, body.generationId, assignments)
        return {throttleTimeMs: 0, errorCode: 0, assignment: view(assignment)}
      } catch (err) {
        return {throttleTimeMs: 0, errorCode: groupErrorCode(err), assignment: EMPTY}
      }
    },
  },

  Heartbeat: {
    operation: 'groupHeartbeat',
    async handle({groups}, body) {
      if (!isValidGroupId(body.groupId)) return {throttleTimeMs: 0, errorCode: INVALID_GROUP_ID}
      try {
        groups.classicHeartbeat(body.groupId, body.memberId, body.generationId)
        return {throttleTimeMs: 0, errorCode: 0}
      } catch (err) {
        return {throttleTimeMs: 0, errorCode: groupErrorCode(err)}
      }
    },
  },

  LeaveGroup: {
    operation: 'groupHeartbeat',
    async handle({groups}, body) {
      if (!isValidGroupId(body.groupId)) return {throttleTimeMs: 0, errorCode: INVALID_GROUP_ID}
      const [error] = groups.leaveGroup(body.groupId, [body.memberId])
      return {throttleTimeMs: 0, errorCode: error ? groupErrorCode(error) : 0}
    },
  },

  ListGroups: {
    operation: 'listGroups',
    handle: async ({groups}) => ({
      throttleTimeMs: 0,
      errorCode: 0,
      groups: groups.listGroups().map((g) => ({
        groupId: g.group,
        protocolType: g.type === 'classic' ? (groups.describeClassic(g.group)?.protocolType ?? 'consumer') : g.type === 'consumer' ? 'consumer' : '',
      })),
    }),
  },

  DeleteGroups: {
    operation: 'deleteGroup',
    async handle({groups}, body) {
      const results = []
      for (const groupId of body.groupsNames) {
        if (!isValidGroupId(groupId)) {
          results.push({groupId, errorCode: INVALID_GROUP_ID})
          continue
        }
        try {
          await groups.deleteGroup(groupId)
          results.push({groupId, errorCode: KafkaErrorCode.NONE})
        } catch (err) {
          results.push({groupId, errorCode: groupErrorCode(err)})
        }
      }
      return {throttleTimeMs: 0, results}
    },
  },

  DescribeGroups: {
    operation: 'describeGroups',
    async handle({groups}, body) {
      const described: DescribedGroup[] = []
      for (const groupId of body.groups) described.push(await describe(groups, groupId))
      return {throttleTimeMs: 0, groups: described}
    },
  },
}

async function describe(groups: GroupCoordinator, groupId: string): Promise<DescribedGroup> {
  const dead = (errorCode: number): DescribedGroup => ({errorCode, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: []})
  if (!isValidGroupId(groupId)) return dead(INVALID_GROUP_ID)
  const classic = groups.describeClassic(groupId)
  if (classic) {
    const members = classic.members.map((m) => ({
      memberId: m.memberId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberMetadata: view(m.metadata),
      memberAssignment: view(m.assignment),
    }))
    return {errorCode: 0, groupId, groupState: classic.state, protocolType: classic.protocolType, protocolData: classic.protocol, members}
  }
  const [d] = await groups.describeGroups([groupId])
  if (isSamsaError(d)) return dead(d.code === 'GROUP_ID_NOT_FOUND' ? 0 : groupErrorCode(d))
  const members = d!.members.map((m) => ({
    memberId: m.memberId,
    clientId: m.clientId,
    clientHost: m.clientHost,
    memberMetadata: EMPTY,
    memberAssignment: encodeAssignment(m.assignment),
  }))
  return {errorCode: 0, groupId, groupState: d!.state, protocolType: d!.type === '' ? '' : 'consumer', protocolData: d!.assignor, members}
}

const lastLogged = new Map<string, number>() // group id → when its refusal was last logged
function firstInAMinute(group: string): boolean {
  const now = Date.now()
  if (now - (lastLogged.get(group) ?? -Infinity) < 60_000) return false
  if (lastLogged.size >= 1000) lastLogged.clear()
  lastLogged.set(group, now)
  return true
}

// What the member subscribes to, from the first of its protocols that is a ConsumerProtocol subscription.
function subscribedTopics(protocols: readonly {metadata: Buffer}[]): string[] | undefined {
  for (const p of protocols) {
    const topics = decodeSubscriptionTopics(p.metadata)
    if (topics) return topics
  }
  return undefined
}

// Kafka's client_host: the peer's address after a slash ("/127.0.0.1").
function clientHost(peer: string): string {
  return `/${peer.slice(0, peer.lastIndexOf(':'))}`
}

// The coordinator's bytes as a Buffer for the encoder, without a copy.
function view(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
}
