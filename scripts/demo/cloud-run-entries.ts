import { randomInt } from 'node:crypto';
import type { LogEntryJson } from './cloud-logging-server.js';
import { fixtureWith, type Replacement } from './fixtures.js';
import type { StoryFacts } from './story-facts.js';

/**
 * The story's Cloud Run deploy as Cloud Audit Logs record it (test/fixtures/audit-logs): the Admin
 * Activity entry of the deploy request (`ReplaceService`, accepted), then the System Event entry of
 * the new revision becoming Ready. The service carries the task's `vtid` label (lower-case, as GCP
 * labels must be), which is how the watcher tags the deploy events.
 */

const FIXTURE = {
  vtidLabel: 'vtid-2026-0042',
  revision: 'vitana-gateway-00042-abc',
  times: /2026-03-14T[\d:.]+Z/g,
};

/** Cloud Logging's insertIds: short random lower-case strings, unique per entry. */
function insertId(): string {
  return Array.from({ length: 12 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[randomInt(36)]).join('');
}

function entry(name: string, facts: StoryFacts, now: Date): LogEntryJson {
  const replacements: Replacement[] = [
    [FIXTURE.vtidLabel, facts.vtid.toLowerCase()],
    [FIXTURE.revision, facts.revision],
    [FIXTURE.times, now.toISOString()],
  ];
  return { ...(fixtureWith(`audit-logs/${name}`, replacements) as LogEntryJson), insertId: insertId() };
}

/** The deploy request was accepted (the watcher publishes it as `in_progress`). */
export function deployRequested(facts: StoryFacts, now: Date): LogEntryJson {
  return entry('v1-replace-service-success', facts, now);
}

/** The new revision is serving (Ready=True: `success`). */
export function revisionReady(facts: StoryFacts, now: Date): LogEntryJson {
  return entry('system-event-ready-true', facts, now);
}
