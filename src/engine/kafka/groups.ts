// The classic consumer-group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, DescribeGroups,
// ListGroups) and the membership rule OffsetCommit applies — everything of the Kafka front end that
// depends on group membership, in one module, so wiring the group coordinator (engine/groups/, issue 10)
// in is replacing this module. Main thread.
//
// Until then samsa has groups without members only: the committed offsets of groups/offset-store.ts.
//   JoinGroup, SyncGroup, Heartbeat, LeaveGroup → COORDINATOR_NOT_AVAILABLE (15), which both clients treat
//     as retriable (they look the coordinator up again and retry); JoinGroup echoes the member id and gives
//     generation -1 and empty protocol and leader names (librdkafka rejects a null protocol name).
//   ListGroups → every group with committed offsets, protocol_type "" (Kafka's "simple" groups).
//   DescribeGroups → such a group is Empty, an unknown one Dead (error 0, empty strings: Kafka's answer);
//     an empty group id INVALID_GROUP_ID (24).
//   OffsetCommit (commitRefusal) → Kafka's rule for a group that has no members: a commit with
//     generation_id < 0 (a simple commit: kcat -C with a group.id, admin tools) is stored; one claiming
//     a generation ≥ 0 is ILLEGAL_GENERATION (22), as Kafka answers for a group it does not know.
import {KafkaErrorCode} from '../../protocol/kafka/index.js'
import {MAX_GROUP_ID_LENGTH} from '../groups/offset-store.js'
import type {KafkaHandlers} from './handler.js'

const EMPTY = Buffer.alloc(0)
const NOT_AVAILABLE = KafkaErrorCode.COORDINATOR_NOT_AVAILABLE

export function isValidGroupId(group: string): boolean {
  return group.length > 0 && group.length <= MAX_GROUP_ID_LENGTH
}

// The Kafka error code that refuses an OffsetCommit for its group's membership, or 0 to store it.
export function commitRefusal(_group: string, generationId: number, _memberId: string): number {
  return generationId < 0 ? KafkaErrorCode.NONE : KafkaErrorCode.ILLEGAL_GENERATION
}

export const GROUP_HANDLERS: KafkaHandlers = {
  JoinGroup: {
    operation: null,
    handle: async (_s, body) => ({
      throttleTimeMs: 0,
      errorCode: NOT_AVAILABLE,
      generationId: -1,
      protocolName: '',
      leader: '',
      memberId: body.memberId,
      members: [],
    }),
  },
  SyncGroup: {operation: null, handle: async () => ({throttleTimeMs: 0, errorCode: NOT_AVAILABLE, assignment: EMPTY})},
  Heartbeat: {operation: null, handle: async () => ({throttleTimeMs: 0, errorCode: NOT_AVAILABLE})},
  LeaveGroup: {operation: null, handle: async () => ({throttleTimeMs: 0, errorCode: NOT_AVAILABLE})},

  ListGroups: {
    operation: 'fetchOffsets',
    handle: async ({offsets}) => ({
      throttleTimeMs: 0,
      errorCode: KafkaErrorCode.NONE,
      groups: offsets.groupIds().map((groupId) => ({groupId, protocolType: ''})),
    }),
  },

  DescribeGroups: {
    operation: 'fetchOffsets',
    async handle({offsets}, body) {
      const known = new Set(offsets.groupIds())
      const groups = body.groups.map((groupId) => ({
        errorCode: isValidGroupId(groupId) ? KafkaErrorCode.NONE : KafkaErrorCode.INVALID_GROUP_ID,
        groupId,
        groupState: known.has(groupId) ? 'Empty' : 'Dead',
        protocolType: '',
        protocolData: '',
        members: [],
      }))
      return {throttleTimeMs: 0, groups}
    },
  },
}
