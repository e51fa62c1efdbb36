/**
 * Cloud Run deployments in Cloud Audit Logs -> OASIS deploy events. Pure: no I/O, no clock.
 *
 *  - `decodeLogEntry` turns what @google-cloud/logging hands back (an Entry's metadata, whose
 *    `protoPayload` is still a `google.protobuf.Any` of AuditLog bytes over gRPC) into an AuditLogEntry
 *    in proto3-JSON shape — the same shape `gcloud logging read --format=json` prints.
 *  - `toDeployEvent` maps one AuditLogEntry to one ingest body (or says why the entry is not a deploy).
 *  - `deployLogFilter` is the Cloud Logging filter that selects exactly the entries `toDeployEvent` maps.
 *
 * Where the facts come from: /work/shared/reference/cloud-run-audit-logs.md. In short: Admin Activity
 * entries record the deploy request (accepted: severity NOTICE, no status; refused: status.code != 0);
 * System Event "Ready condition" entries record the outcome (True: rolled out; False: the new revision
 * failed). One log entry becomes one event; the entry's insertId is the event's externalId, so the
 * gateway's idempotent ingest absorbs re-reads.
 */
import { isJsonObject } from '../core/object.js';
import { truncate } from '../core/text.js';
import { parseVtid } from '@vitana/vtid';
import { EVENT_ACTOR_MAX_LENGTH, EVENT_TITLE_MAX_LENGTH, LAYER_MAX_LENGTH } from '../events/bounds.js';
import { AUDIT_LOG_TYPE_URL, decodeAuditLogBytes, type AuditLogJson, type JsonObject, type JsonValue } from './proto.js';

export const DEPLOY_SOURCE = 'gcp.cloudrun';
export const DEPLOY_KIND = 'deploy';

export const DEPLOY_METHODS = [
  'google.cloud.run.v1.Services.CreateService',
  'google.cloud.run.v1.Services.ReplaceService',
  'google.cloud.run.v2.Services.CreateService',
  'google.cloud.run.v2.Services.UpdateService',
] as const;

export const ACTIVITY_LOG = 'cloudaudit.googleapis.com/activity';
export const SYSTEM_EVENT_LOG = 'cloudaudit.googleapis.com/system_event';

const LAST_MODIFIER = 'serving.knative.dev/lastModifier';
const CREATOR = 'serving.knative.dev/creator';
const KNATIVE_SERVICE_LABEL = 'serving.knative.dev/service';
const LOCATION_LABEL = 'cloud.googleapis.com/location';

/** One audit-log entry in proto3-JSON shape, `protoPayload` decoded. */
export interface AuditLogEntry {
  insertId: string;
  /** RFC 3339. */
  timestamp: string;
  logName: string;
  severity?: string;
  resource?: { type?: string; labels?: Record<string, string> };
  labels?: Record<string, string>;
  operation?: { id?: string; producer?: string; first?: boolean; last?: boolean };
  protoPayload: AuditLogJson;
}

export type DeployStatus = 'in_progress' | 'success' | 'failure';

/** The body of `POST /events/ingest` for one deploy event (camelCase, as the gateway takes it). */
export interface DeployEvent {
  source: typeof DEPLOY_SOURCE;
  kind: typeof DEPLOY_KIND;
  status: DeployStatus;
  externalId: string;
  ts: string;
  title: string;
  vtid?: string;
  layer?: string;
  module?: string;
  actor?: string;
  url?: string;
  metadata: DeployMetadata;
}

export interface DeployMetadata {
  [key: string]: JsonValue | undefined;
  /** `activity` (the deploy request) or `system_event` (the Ready condition). */
  log: 'activity' | 'system_event';
  method: string;
  service: string | null;
  region: string | null;
  project: string | null;
  revision: string | null;
  image: string | null;
  /** Every container image, when the service has more than one container. */
  images?: string[];
  labels: Record<string, string>;
  severity: string | null;
  resourceName: string | null;
  userAgent?: string;
  /** The raw `vtid` label when it is not a valid VTID (then the event carries no vtid). */
  vtidLabel?: string;
  error?: { code: number; message: string };
  condition?: { type: 'Ready'; status: 'True' | 'False'; message: string | null };
  operation?: { id: string | null; first: boolean; last: boolean };
}

export type ParseResult = { outcome: 'deploy'; event: DeployEvent } | { outcome: 'skipped'; reason: string };

// --- small JSON accessors -----------------------------------------------------------------------

type Json = JsonValue | undefined;

/** The guard of core/object.ts, typed as the decoded audit log's JSON. */
function asObject(value: Json | unknown): JsonObject | undefined {
  return isJsonObject(value) ? (value as JsonObject) : undefined;
}


function asString(value: Json | unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function at(value: Json | unknown, ...path: string[]): Json {
  let current: Json = value as Json;
  for (const key of path) {
    const object = asObject(current);
    if (!object) return undefined;
    current = object[key];
  }
  return current;
}

function stringMap(value: Json): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(asObject(value) ?? {})) {
    if (typeof item === 'string') out[key] = item;
  }
  return out;
}

function lastSegment(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const parts = name.split('/');
  return asString(parts[parts.length - 1]);
}

function containerImages(containers: Json): string[] {
  if (!Array.isArray(containers)) return [];
  return containers.map((container) => asString(at(container, 'image'))).filter((image): image is string => !!image);
}

// --- decoding what the client returns ---------------------------------------------------------------

export class EntryDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EntryDecodeError';
  }
}

function toIsoTimestamp(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value === 'string') return Number.isNaN(Date.parse(value)) ? undefined : value;
  const object = asObject(value);
  if (object && object.seconds !== undefined) {
    const seconds = Number(object.seconds);
    const nanos = Number(object.nanos ?? 0);
    if (!Number.isFinite(seconds) || !Number.isFinite(nanos)) return undefined;
    const base = new Date(seconds * 1000).toISOString().slice(0, 19);
    return `${base}.${String(nanos).padStart(9, '0')}Z`;
  }
  return undefined;
}

function toBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'base64');
  const object = asObject(value);
  // A Buffer that went through JSON: { type: 'Buffer', data: [...] }.
  if (object && object.type === 'Buffer' && Array.isArray(object.data)) return Uint8Array.from(object.data as number[]);
  return undefined;
}

/** The AuditLog inside a protoPayload: an encoded Any (gRPC), or already JSON with `@type` (REST, fixtures). */
export function decodeProtoPayload(payload: unknown): AuditLogJson {
  const object = asObject(payload);
  if (!object) throw new EntryDecodeError('entry has no protoPayload');
  if (typeof object['@type'] === 'string') {
    if (object['@type'] !== AUDIT_LOG_TYPE_URL) throw new EntryDecodeError(`protoPayload is ${object['@type']}, not an AuditLog`);
    return object;
  }
  const typeUrl = asString(object.type_url) ?? asString(object.typeUrl);
  if (typeUrl !== AUDIT_LOG_TYPE_URL) throw new EntryDecodeError(`protoPayload is ${typeUrl ?? 'an Any without type_url'}, not an AuditLog`);
  const bytes = toBytes(object.value);
  if (!bytes) throw new EntryDecodeError('protoPayload Any has no value bytes');
  try {
    return decodeAuditLogBytes(bytes);
  } catch (error) {
    throw new EntryDecodeError(`protoPayload is not a valid AuditLog: ${(error as Error).message}`);
  }
}

/** An Entry's metadata as @google-cloud/logging returns it -> AuditLogEntry. Throws EntryDecodeError. */
export function decodeLogEntry(raw: unknown): AuditLogEntry {
  const entry = asObject(raw);
  if (!entry) throw new EntryDecodeError('entry is not an object');
  const insertId = asString(entry.insertId);
  if (!insertId) throw new EntryDecodeError('entry has no insertId');
  const timestamp = toIsoTimestamp(entry.timestamp);
  if (!timestamp) throw new EntryDecodeError(`entry ${insertId} has no valid timestamp`);
  const resource = asObject(entry.resource);
  const operation = asObject(entry.operation);
  const decoded: AuditLogEntry = {
    insertId,
    timestamp,
    logName: asString(entry.logName) ?? '',
    protoPayload: decodeProtoPayload(entry.protoPayload),
  };
  const severity = asString(entry.severity) ?? (typeof entry.severity === 'number' ? String(entry.severity) : undefined);
  if (severity) decoded.severity = severity;
  if (resource) decoded.resource = { type: asString(resource.type) ?? '', labels: stringMap(resource.labels) };
  const labels = stringMap(entry.labels as Json);
  if (Object.keys(labels).length > 0) decoded.labels = labels;
  if (operation && (asString(operation.id) || operation.first === true || operation.last === true)) {
    decoded.operation = {
      id: asString(operation.id) ?? '',
      producer: asString(operation.producer) ?? '',
      first: operation.first === true,
      last: operation.last === true,
    };
  }
  return decoded;
}

// --- the mapping ------------------------------------------------------------------------------------

/** `projects/P/logs/cloudaudit.googleapis.com%2Factivity` -> `cloudaudit.googleapis.com/activity`. */
export function logIdOf(logName: string): string {
  const index = logName.indexOf('/logs/');
  const id = index >= 0 ? logName.slice(index + '/logs/'.length) : logName;
  try {
    return decodeURIComponent(id);
  } catch {
    return id;
  }
}

const READY_MESSAGE = /Ready condition status changed to (True|False|Unknown)\b/i;

interface ReadyCondition {
  status: 'True' | 'False' | 'Unknown';
  message: string | null;
}

/** The Ready condition a system event reports: from status.message, else response.status.conditions. */
export function readyCondition(payload: AuditLogJson): ReadyCondition | undefined {
  const message = asString(at(payload, 'status', 'message'));
  const match = message ? READY_MESSAGE.exec(message) : null;
  if (match) {
    const word = match[1]!.toLowerCase();
    const status = word === 'true' ? 'True' : word === 'false' ? 'False' : 'Unknown';
    return { status, message: message ?? null };
  }
  const conditions = at(payload, 'response', 'status', 'conditions');
  if (!message && Array.isArray(conditions)) {
    const ready = conditions.find((condition) => at(condition, 'type') === 'Ready');
    const status = asString(at(ready, 'status'));
    if (status === 'True' || status === 'False' || status === 'Unknown') {
      return { status, message: asString(at(ready, 'message')) ?? null };
    }
  }
  return undefined;
}

interface Facts {
  service?: string;
  region?: string;
  revision?: string;
  images: string[];
  /** The service's labels (a Revision's own labels for revision-level system events). */
  labels: Record<string, string>;
  /** The revision template's labels: where vtid / vt_layer / vt_module are looked up second. */
  templateLabels: Record<string, string>;
  actor?: string;
}

/** v1 (Knative-shaped) Service or Revision object: request.service or a system event's response. */
function factsFromKnative(object: Json, kind: 'service' | 'revision' | 'unknown'): Facts {
  const isRevision = kind === 'revision' || at(object, 'kind') === 'Revision';
  const metadata = at(object, 'metadata');
  const templateLabels = stringMap(at(object, 'spec', 'template', 'metadata', 'labels'));
  const labels = stringMap(at(metadata, 'labels'));
  const annotations = stringMap(at(metadata, 'annotations'));
  const images = isRevision
    ? containerImages(at(object, 'spec', 'containers'))
    : containerImages(at(object, 'spec', 'template', 'spec', 'containers'));
  const facts: Facts = { images, labels, templateLabels };
  const name = asString(at(metadata, 'name'));
  if (isRevision) {
    facts.revision = name;
    facts.service = labels[KNATIVE_SERVICE_LABEL];
  } else {
    facts.service = name;
    facts.revision = asString(at(object, 'spec', 'template', 'metadata', 'name'));
  }
  facts.region = labels[LOCATION_LABEL];
  facts.actor = annotations[LAST_MODIFIER] ?? annotations[CREATOR];
  return facts;
}

/** v2 Service (request.service of google.cloud.run.v2.Services.*). */
function factsFromV2Service(service: Json): Facts {
  const name = asString(at(service, 'name'));
  const facts: Facts = {
    images: containerImages(at(service, 'template', 'containers')),
    labels: stringMap(at(service, 'labels')),
    templateLabels: stringMap(at(service, 'template', 'labels')),
  };
  const service_ = lastSegment(name);
  if (service_) facts.service = service_;
  const region = /\/locations\/([^/]+)\//.exec(name ?? '')?.[1];
  if (region) facts.region = region;
  const revision = lastSegment(asString(at(service, 'template', 'revision')));
  if (revision) facts.revision = revision;
  const lastModifier = asString(at(service, 'lastModifier'));
  if (lastModifier) facts.actor = lastModifier;
  return facts;
}

/** `namespaces/P/services/S` (v1) or `projects/P/locations/R/services/S` (v2). */
function fromResourceName(resourceName: string | undefined): { service?: string; region?: string } {
  if (!resourceName) return {};
  const out: { service?: string; region?: string } = {};
  const service = /(?:^|\/)services\/([^/]+)/.exec(resourceName)?.[1];
  if (service) out.service = service;
  const region = /(?:^|\/)locations\/([^/]+)/.exec(resourceName)?.[1];
  if (region) out.region = region;
  return out;
}

function labelWord(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? truncate(trimmed.toUpperCase(), LAYER_MAX_LENGTH) : undefined;
}

export function consoleUrl(project: string | undefined, region: string | undefined, service: string | undefined): string | undefined {
  if (!project || !region || !service) return undefined;
  return `https://console.cloud.google.com/run/detail/${encodeURIComponent(region)}/${encodeURIComponent(service)}/revisions?project=${encodeURIComponent(project)}`;
}

/**
 * One audit-log entry -> one deploy event, or the reason it is not one (another method, a system event
 * that is not about the Ready condition, Ready=Unknown).
 */
export function toDeployEvent(entry: AuditLogEntry): ParseResult {
  const payload = entry.protoPayload;
  const logId = logIdOf(entry.logName);
  const method = asString(payload.methodName) ?? '';
  const resourceName = asString(payload.resourceName);
  const resourceLabels = entry.resource?.labels ?? {};

  let log: DeployMetadata['log'];
  let status: DeployStatus;
  let facts: Facts;
  let condition: DeployMetadata['condition'];
  let error: DeployMetadata['error'];
  let operation: DeployMetadata['operation'];

  if (logId === ACTIVITY_LOG) {
    if (!(DEPLOY_METHODS as readonly string[]).includes(method)) return { outcome: 'skipped', reason: `method ${method || '(none)'} is not a deploy` };
    log = 'activity';
    const request = at(payload, 'request', 'service');
    facts = method.includes('.v2.') ? factsFromV2Service(request) : factsFromKnative(request, 'service');
    const code = Number(at(payload, 'status', 'code') ?? 0);
    if (entry.operation) {
      operation = { id: entry.operation.id || null, first: entry.operation.first === true, last: entry.operation.last === true };
    }
    if (Number.isFinite(code) && code !== 0) {
      status = 'failure';
      error = { code, message: asString(at(payload, 'status', 'message')) ?? '' };
    } else {
      // A v2 long-running operation logs again when it completes (operation.last): the rollout is done.
      status = operation?.last && !operation.first ? 'success' : 'in_progress';
    }
  } else if (logId === SYSTEM_EVENT_LOG) {
    const ready = readyCondition(payload);
    if (!ready) return { outcome: 'skipped', reason: 'system event without a Ready condition change' };
    if (ready.status === 'Unknown') return { outcome: 'skipped', reason: 'Ready condition is Unknown (still rolling out)' };
    log = 'system_event';
    const response = at(payload, 'response');
    facts = factsFromKnative(response, 'unknown');
    if (at(response, 'kind') !== 'Revision') {
      // The Service's template name may be unset; its status names the revision the condition is about.
      const revisionField = ready.status === 'True' ? 'latestReadyRevisionName' : 'latestCreatedRevisionName';
      const named = asString(at(response, 'status', revisionField));
      if (named) facts.revision = named;
    }
    status = ready.status === 'True' ? 'success' : 'failure';
    condition = { type: 'Ready', status: ready.status, message: ready.message };
  } else {
    return { outcome: 'skipped', reason: `log ${logId || '(none)'} is not a Cloud Run audit log` };
  }

  const fromName = fromResourceName(resourceName);
  const service = asString(resourceLabels.service_name) ?? facts.service ?? fromName.service;
  const region =
    asString(resourceLabels.location) ??
    facts.region ??
    fromName.region ??
    asString((at(payload, 'resourceLocation', 'currentLocations') as JsonValue[] | undefined)?.[0]);
  const project = asString(resourceLabels.project_id) ?? /^projects\/([^/]+)\//.exec(entry.logName)?.[1];
  const revision = asString(resourceLabels.revision_name) ?? facts.revision;
  const actor = asString(at(payload, 'authenticationInfo', 'principalEmail')) ?? facts.actor;
  const labels = facts.labels;

  const metadata: DeployMetadata = {
    log,
    method,
    service: service ?? null,
    region: region ?? null,
    project: project ?? null,
    revision: revision ?? null,
    image: facts.images[0] ?? null,
    labels,
    severity: entry.severity ?? null,
    resourceName: resourceName ?? null,
  };
  if (facts.images.length > 1) metadata.images = facts.images;
  const userAgent = asString(at(payload, 'requestMetadata', 'callerSuppliedUserAgent'));
  if (userAgent) metadata.userAgent = userAgent;
  if (error) metadata.error = error;
  if (condition) metadata.condition = condition;
  if (operation) metadata.operation = operation;

  const event: DeployEvent = {
    source: DEPLOY_SOURCE,
    kind: DEPLOY_KIND,
    status,
    externalId: entry.insertId,
    ts: new Date(entry.timestamp).toISOString(),
    title: truncate(`Deploy ${service ?? 'unknown service'}${revision ? ` rev ${revision}` : ''}: ${status}`, EVENT_TITLE_MAX_LENGTH),
    metadata,
  };

  // Labels are lower-case on GCP; VTIDs are stored upper-case. A label that is not a VTID is kept in
  // metadata only: the gateway would refuse the whole event for it.
  const label = (key: string) => asString(labels[key]?.trim()) ?? asString(facts.templateLabels[key]?.trim());
  const vtidLabel = label('vtid');
  const vtid = vtidLabel ? parseVtid(vtidLabel) : null;
  if (vtid) event.vtid = vtid.vtid;
  else if (vtidLabel) metadata.vtidLabel = vtidLabel;
  // Family ids (DEV-CICDL-0031) name their layer and module; explicit labels win.
  const layer = labelWord(label('vt_layer')) ?? vtid?.layer;
  const module = labelWord(label('vt_module')) ?? vtid?.module;
  if (layer) event.layer = layer;
  if (module) event.module = module;
  if (actor) event.actor = truncate(actor, EVENT_ACTOR_MAX_LENGTH);
  const url = consoleUrl(project, region, service);
  if (url) event.url = url;
  return { outcome: 'deploy', event };
}

// --- the filter ---------------------------------------------------------------------------------------

/** RFC 3339 with milliseconds, as Cloud Logging filters take timestamps. */
export function filterTimestamp(date: Date): string {
  return date.toISOString();
}

/**
 * The Cloud Logging filter for one poll: deploy requests in the Admin Activity log and Cloud Run system
 * events, with explicit timestamp bounds (the client would otherwise add a 24 h window of its own).
 */
export function deployLogFilter(options: { projectId: string; from: Date; to: Date }): string {
  const logName = (log: string) => `"projects/${options.projectId}/logs/${encodeURIComponent(log)}"`;
  const methods = DEPLOY_METHODS.map((method) => `"${method}"`).join(' OR ');
  return [
    `timestamp >= "${filterTimestamp(options.from)}"`,
    `timestamp <= "${filterTimestamp(options.to)}"`,
    '(' +
      `(logName = ${logName(ACTIVITY_LOG)} AND protoPayload.serviceName = "run.googleapis.com" AND protoPayload.methodName = (${methods}))` +
      ' OR ' +
      `(logName = ${logName(SYSTEM_EVENT_LOG)} AND resource.type = "cloud_run_revision")` +
      ')',
  ].join(' AND ');
}
