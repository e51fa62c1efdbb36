/**
 * The heartbeat client agents import: `startHeartbeat({ agent, gatewayUrl, token })`. Depends only on
 * the global fetch; no server code. See README.md and docs/AGENTS.md.
 */
export { startHeartbeat } from './start-heartbeat.js';
export { IDLE } from './wire.js';
export { HeartbeatError } from './types.js';
export type { BeatReport, HeartbeatErrorKind, HeartbeatHandle, HeartbeatOptions } from './types.js';
