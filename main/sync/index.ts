export { createOutbox, nextSyncSeq, type Outbox, type OutboxItem, type OutboxKind, type NewOutboxItem } from './outbox';
export { classifyStatus, fullJitterDelay, parseRetryAfter, type BackoffPolicy } from './backoff';
