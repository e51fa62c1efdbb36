import { readFileSync } from 'node:fs';
import type { LogEntryJson } from '../../scripts/demo/cloud-logging-server.js';

/** Audit-log fixtures in the proto3-JSON shape `gcloud logging read --format=json` prints. */

export const FIXTURE_NAMES = [
  'v1-replace-service-success',
  'system-event-ready-true',
  'v1-replace-service-failed',
  'v2-update-service',
  'v1-create-service-no-vtid',
  'system-event-ready-false',
] as const;
export type FixtureName = (typeof FIXTURE_NAMES)[number];

export function fixture(name: FixtureName): LogEntryJson {
  const url = new URL(`../fixtures/audit-logs/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as LogEntryJson;
}

/** All fixtures, oldest first. */
export function allFixtures(): LogEntryJson[] {
  return FIXTURE_NAMES.map(fixture).sort((a, b) => a.timestamp.localeCompare(b.timestamp));
}

/** A copy of a fixture with another insertId and timestamp (for paging tests). */
export function variant(name: FixtureName, insertId: string, timestamp: string): LogEntryJson {
  return { ...fixture(name), insertId, timestamp };
}
