// Kafka's topic-name rule, checked by the client before a request is sent (the daemon checks again):
// the shared validator (src/topic-name.ts), so client and daemon say the same thing.
export {
  MAX_TOPIC_NAME_LENGTH,
  topicNameProblem,
  validateTopicName,
  isLegalTopicName,
  printableTopicName,
} from '../topic-name.js'
