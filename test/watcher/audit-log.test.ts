import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { IngestBodySchema } from '../../runtime/events/schema.js';
import {
  decodeLogEntry,
  decodeProtoPayload,
  deployLogFilter,
  EntryDecodeError,
  logIdOf,
  toDeployEvent,
  type AuditLogEntry,
  type DeployEvent,
} from '../../runtime/watcher/audit-log.js';
import { AUDIT_LOG_TYPE_URL, decodeAuditLogBytes, encodeAuditLogJson } from '../../runtime/watcher/proto.js';
import { toWireEntry } from '../../scripts/demo/cloud-logging-server.js';
import { fixture, FIXTURE_NAMES, type FixtureName } from './fixtures.js';

/** A fixture as decodeLogEntry sees it: the fixture's JSON with protoPayload still JSON (REST-like). */
function entryOf(name: FixtureName): AuditLogEntry {
  return decodeLogEntry(fixture(name));
}

function eventOf(name: FixtureName): DeployEvent {
  const result = toDeployEvent(entryOf(name));
  if (result.outcome === 'skipped') throw new Error(`${name} was skipped: ${result.reason}`);
  return result.event;
}

const GATEWAY_IMAGE =
  'us-central1-docker.pkg.dev/vitana-dev/oasis/gateway@sha256:4f1c0a9e2b7d5c3a8e6f9b1d2c4a7e0f3b5d8c1a9e2f4b6d8c0a1e3f5b7d9c2a';

const EXPECTED: Record<FixtureName, DeployEvent> = {
  'v1-replace-service-success': {
    source: 'gcp.cloudrun',
    kind: 'deploy',
    status: 'in_progress',
    externalId: '-r5x2k1d3h7a',
    ts: '2026-03-14T10:00:01.012Z',
    title: 'Deploy vitana-gateway rev vitana-gateway-00042-abc: in_progress',
    vtid: 'VTID-2026-0042',
    layer: 'INFRA',
    module: 'GATEWAY',
    actor: 'deployer@vitana-dev.iam.gserviceaccount.com',
    url: 'https://console.cloud.google.com/run/detail/us-central1/vitana-gateway/revisions?project=vitana-dev',
    metadata: {
      log: 'activity',
      method: 'google.cloud.run.v1.Services.ReplaceService',
      service: 'vitana-gateway',
      region: 'us-central1',
      project: 'vitana-dev',
      revision: 'vitana-gateway-00042-abc',
      image: GATEWAY_IMAGE,
      labels: {
        'cloud.googleapis.com/location': 'us-central1',
        'managed-by': 'pulumi',
        vt_layer: 'infra',
        vt_module: 'gateway',
        vtid: 'vtid-2026-0042',
      },
      severity: 'NOTICE',
      resourceName: 'namespaces/vitana-dev/services/vitana-gateway',
      userAgent:
        'google-cloud-sdk gcloud/470.0.0 command/gcloud.run.deploy invocation-id/7d0e2f environment/GitHubActions,gzip(gfe)',
    },
  },
  'v1-replace-service-failed': {
    source: 'gcp.cloudrun',
    kind: 'deploy',
    status: 'failure',
    externalId: '-8h2m1tc9q4e',
    ts: '2026-03-14T10:05:00.250Z',
    title: 'Deploy vitana-gateway rev vitana-gateway-00043-bad: failure',
    vtid: 'VTID-2026-0043',
    layer: 'INFRA',
    module: 'GATEWAY',
    actor: 'dana@vitana.dev',
    url: 'https://console.cloud.google.com/run/detail/us-central1/vitana-gateway/revisions?project=vitana-dev',
    metadata: {
      log: 'activity',
      method: 'google.cloud.run.v1.Services.ReplaceService',
      service: 'vitana-gateway',
      region: 'us-central1',
      project: 'vitana-dev',
      revision: 'vitana-gateway-00043-bad',
      image: 'us-central1-docker.pkg.dev/vitana-dev/oasis/gateway:not a tag',
      labels: { 'cloud.googleapis.com/location': 'us-central1', vt_layer: 'infra', vt_module: 'gateway', vtid: 'vtid-2026-0043' },
      severity: 'ERROR',
      resourceName: 'namespaces/vitana-dev/services/vitana-gateway',
      userAgent: 'google-cloud-sdk gcloud/470.0.0 command/gcloud.run.services.replace,gzip(gfe)',
      error: {
        code: 3,
        message: 'spec.template.spec.containers[0].image: Invalid image name "us-central1-docker.pkg.dev/vitana-dev/oasis/gateway:not a tag".',
      },
    },
  },
  'v2-update-service': {
    source: 'gcp.cloudrun',
    kind: 'deploy',
    status: 'in_progress',
    externalId: '1a2b3c4d5e6f7',
    ts: '2026-03-14T10:10:01.500Z',
    title: 'Deploy vitana-agent rev vitana-agent-00003-kip: in_progress',
    vtid: 'VTID-2026-0107',
    layer: 'AGENTS',
    module: 'PLANNER',
    actor: 'github-deployer@vitana-dev.iam.gserviceaccount.com',
    url: 'https://console.cloud.google.com/run/detail/europe-west1/vitana-agent/revisions?project=vitana-dev',
    metadata: {
      log: 'activity',
      method: 'google.cloud.run.v2.Services.UpdateService',
      service: 'vitana-agent',
      region: 'europe-west1',
      project: 'vitana-dev',
      revision: 'vitana-agent-00003-kip',
      image: 'europe-west1-docker.pkg.dev/vitana-dev/oasis/agent:1.4.0',
      images: [
        'europe-west1-docker.pkg.dev/vitana-dev/oasis/agent:1.4.0',
        'europe-west1-docker.pkg.dev/vitana-dev/oasis/otel-collector:0.98.0',
      ],
      labels: { vt_layer: 'agents', vt_module: 'planner', vtid: 'vtid-2026-0107' },
      severity: 'NOTICE',
      resourceName: 'projects/vitana-dev/locations/europe-west1/services/vitana-agent',
      userAgent: 'pulumi/3 grpc-node-js/1.14.7,gzip(gfe)',
      operation: {
        id: 'projects/vitana-dev/locations/europe-west1/operations/0f6e2d4c-9a1b-4c3d-8e7f-5a6b7c8d9e0f',
        first: true,
        last: false,
      },
    },
  },
  'system-event-ready-true': {
    source: 'gcp.cloudrun',
    kind: 'deploy',
    status: 'success',
    externalId: 'oq1f8ne2kfx3',
    ts: '2026-03-14T10:00:31.610Z',
    title: 'Deploy vitana-gateway rev vitana-gateway-00042-abc: success',
    vtid: 'VTID-2026-0042',
    layer: 'INFRA',
    module: 'GATEWAY',
    actor: 'deployer@vitana-dev.iam.gserviceaccount.com',
    url: 'https://console.cloud.google.com/run/detail/us-central1/vitana-gateway/revisions?project=vitana-dev',
    metadata: {
      log: 'system_event',
      method: '/Services.ReplaceService',
      service: 'vitana-gateway',
      region: 'us-central1',
      project: 'vitana-dev',
      revision: 'vitana-gateway-00042-abc',
      image: GATEWAY_IMAGE,
      labels: {
        'cloud.googleapis.com/location': 'us-central1',
        'managed-by': 'pulumi',
        vt_layer: 'infra',
        vt_module: 'gateway',
        vtid: 'vtid-2026-0042',
      },
      severity: 'INFO',
      resourceName: 'namespaces/vitana-dev/services/vitana-gateway',
      condition: { type: 'Ready', status: 'True', message: 'Ready condition status changed to True for Service vitana-gateway.' },
    },
  },
  'system-event-ready-false': {
    source: 'gcp.cloudrun',
    kind: 'deploy',
    status: 'failure',
    externalId: 'w4tgz9e1xm0b',
    ts: '2026-03-14T10:20:44.200Z',
    title: 'Deploy vitana-worker rev vitana-worker-00007-xyz: failure',
    vtid: 'DEV-CICDL-0031',
    layer: 'DEV',
    module: 'CICDL',
    actor: 'dana@vitana.dev',
    url: 'https://console.cloud.google.com/run/detail/us-central1/vitana-worker/revisions?project=vitana-dev',
    metadata: {
      log: 'system_event',
      method: '/Services.ReplaceService',
      service: 'vitana-worker',
      region: 'us-central1',
      project: 'vitana-dev',
      revision: 'vitana-worker-00007-xyz',
      image: 'us-central1-docker.pkg.dev/vitana-dev/oasis/worker:2026.03.14',
      labels: {
        'cloud.googleapis.com/location': 'us-central1',
        'serving.knative.dev/configuration': 'vitana-worker',
        'serving.knative.dev/service': 'vitana-worker',
        vtid: 'dev-cicdl-0031',
      },
      severity: 'ERROR',
      resourceName: 'namespaces/vitana-dev/revisions/vitana-worker-00007-xyz',
      condition: {
        type: 'Ready',
        status: 'False',
        message:
          'Ready condition status changed to False for Revision vitana-worker-00007-xyz with message: The user-provided container failed to start and listen on the port defined provided by the PORT=8080 environment variable within the allocated timeout.',
      },
    },
  },
  'v1-create-service-no-vtid': {
    source: 'gcp.cloudrun',
    kind: 'deploy',
    status: 'in_progress',
    externalId: '-k3j9x0b2c1pq',
    ts: '2026-03-14T10:15:00.100Z',
    title: 'Deploy vitana-console: in_progress',
    actor: 'sam@vitana.dev',
    url: 'https://console.cloud.google.com/run/detail/us-central1/vitana-console/revisions?project=vitana-dev',
    metadata: {
      log: 'activity',
      method: 'google.cloud.run.v1.Services.CreateService',
      service: 'vitana-console',
      region: 'us-central1',
      project: 'vitana-dev',
      revision: null,
      image: 'us-docker.pkg.dev/cloudrun/container/hello',
      labels: { 'cloud.googleapis.com/location': 'us-central1', team: 'console' },
      severity: 'NOTICE',
      resourceName: 'namespaces/vitana-dev/services/vitana-console',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64),gzip(gfe)',
    },
  },
};

describe('toDeployEvent: every fixture, field by field', () => {
  for (const name of FIXTURE_NAMES) {
    it(name, () => {
      const event = eventOf(name);
      const expected = EXPECTED[name];
      // Field by field first, so a failure names the field; then the whole object (no extra fields).
      for (const key of Object.keys(expected) as Array<keyof DeployEvent>) {
        if (key === 'metadata') continue;
        expect(event[key], key).toEqual(expected[key]);
      }
      for (const key of Object.keys(expected.metadata)) expect(event.metadata[key], `metadata.${key}`).toEqual(expected.metadata[key]);
      expect(event).toEqual(expected);
    });
  }

  it('omits vtid, layer and module when the service has no such labels', () => {
    const event = eventOf('v1-create-service-no-vtid');
    expect(event).not.toHaveProperty('vtid');
    expect(event).not.toHaveProperty('layer');
    expect(event).not.toHaveProperty('module');
  });

  it('every event is a body the gateway accepts, unchanged', () => {
    for (const name of FIXTURE_NAMES) {
      const event = eventOf(name);
      const parsed = IngestBodySchema.safeParse(event);
      expect(parsed.success, `${name}: ${parsed.success ? '' : parsed.error.message}`).toBe(true);
      if (parsed.success) expect(parsed.data.vtid).toBe(event.vtid);
    }
  });
});

describe('toDeployEvent: the table of other cases', () => {
  const base = () => structuredClone(fixture('v1-replace-service-success'));

  const cases: Array<{ name: string; change: (entry: ReturnType<typeof base>) => void; expect: (result: ReturnType<typeof toDeployEvent>) => void }> = [
    {
      name: 'v1 CreateService is a deploy',
      change: (e) => ((e.protoPayload as Record<string, unknown>).methodName = 'google.cloud.run.v1.Services.CreateService'),
      expect: (r) => expect(r.outcome === 'deploy' && r.event.metadata.method).toBe('google.cloud.run.v1.Services.CreateService'),
    },
    {
      name: 'another Cloud Run method (DeleteService) is skipped',
      change: (e) => ((e.protoPayload as Record<string, unknown>).methodName = 'google.cloud.run.v1.Services.DeleteService'),
      expect: (r) => expect(r).toEqual({ outcome: 'skipped', reason: 'method google.cloud.run.v1.Services.DeleteService is not a deploy' }),
    },
    {
      name: 'a log that is neither activity nor system_event is skipped',
      change: (e) => (e.logName = 'projects/vitana-dev/logs/cloudaudit.googleapis.com%2Fdata_access'),
      expect: (r) => expect(r.outcome).toBe('skipped'),
    },
    {
      name: 'status code 0 is not an error',
      change: (e) => ((e.protoPayload as Record<string, unknown>).status = { code: 0, message: '' }),
      expect: (r) => expect(r.outcome === 'deploy' && r.event.status).toBe('in_progress'),
    },
    {
      name: 'status code 10 (conflict) is a failure with the message',
      change: (e) => ((e.protoPayload as Record<string, unknown>).status = { code: 10, message: 'conflict' }),
      expect: (r) => {
        expect(r.outcome === 'deploy' && r.event.status).toBe('failure');
        expect(r.outcome === 'deploy' && r.event.metadata.error).toEqual({ code: 10, message: 'conflict' });
      },
    },
    {
      name: 'a vtid label that is not a VTID is kept in metadata only (the gateway would refuse it)',
      change: (e) => {
        const labels = (e.protoPayload as any).request.service.metadata.labels;
        labels.vtid = 'none';
        delete labels.vt_layer;
      },
      expect: (r) => {
        expect(r.outcome === 'deploy' && r.event.vtid).toBeUndefined();
        expect(r.outcome === 'deploy' && r.event.metadata.vtidLabel).toBe('none');
        expect(r.outcome === 'deploy' && r.event.layer).toBeUndefined();
        expect(r.outcome === 'deploy' && r.event.module).toBe('GATEWAY');
      },
    },
    {
      name: 'vtid only on the revision template is still found',
      change: (e) => {
        const labels = (e.protoPayload as any).request.service.metadata.labels;
        delete labels.vtid;
      },
      expect: (r) => expect(r.outcome === 'deploy' && r.event.vtid).toBe('VTID-2026-0042'),
    },
    {
      name: 'no principalEmail and no lastModifier: no actor',
      change: (e) => delete (e.protoPayload as Record<string, unknown>).authenticationInfo,
      expect: (r) => expect(r.outcome === 'deploy' && 'actor' in r.event).toBe(false),
    },
    {
      name: 'service and region come from resourceName and labels when resource labels are missing',
      change: (e) => delete (e as Record<string, unknown>).resource,
      expect: (r) => {
        expect(r.outcome === 'deploy' && [r.event.metadata.service, r.event.metadata.region, r.event.metadata.project]).toEqual([
          'vitana-gateway',
          'us-central1',
          'vitana-dev',
        ]);
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const entry = base();
      c.change(entry);
      c.expect(toDeployEvent(decodeLogEntry(entry)));
    });
  }

  it('v2 operation.last without error: the rollout finished (success)', () => {
    const entry = structuredClone(fixture('v2-update-service'));
    entry.operation = { id: 'op-1', producer: 'run.googleapis.com', last: true };
    entry.insertId = 'v2-last';
    const result = toDeployEvent(decodeLogEntry(entry));
    expect(result.outcome === 'deploy' && result.event.status).toBe('success');
    expect(result.outcome === 'deploy' && result.event.metadata.operation).toEqual({ id: 'op-1', first: false, last: true });
  });

  it('system events: Ready=Unknown and other messages are skipped; conditions are read when there is no message', () => {
    const unknown = structuredClone(fixture('system-event-ready-true'));
    (unknown.protoPayload as any).status.message = 'Ready condition status changed to Unknown for Service vitana-gateway.';
    expect(toDeployEvent(decodeLogEntry(unknown))).toEqual({ outcome: 'skipped', reason: 'Ready condition is Unknown (still rolling out)' });

    const other = structuredClone(fixture('system-event-ready-true'));
    (other.protoPayload as any).status.message = 'Revision vitana-gateway-00001-aaa was deleted.';
    expect(toDeployEvent(decodeLogEntry(other)).outcome).toBe('skipped');

    const noMessage = structuredClone(fixture('system-event-ready-false'));
    delete (noMessage.protoPayload as any).status;
    const result = toDeployEvent(decodeLogEntry(noMessage));
    expect(result.outcome === 'deploy' && result.event.status).toBe('failure');
    expect(result.outcome === 'deploy' && result.event.metadata.condition).toEqual({
      type: 'Ready',
      status: 'False',
      message: (fixture('system-event-ready-false').protoPayload as any).response.status.conditions[0].message,
    });
  });

  it('a Service Ready=False names the latest created revision, not the last ready one', () => {
    const entry = structuredClone(fixture('system-event-ready-true'));
    const payload = entry.protoPayload as any;
    payload.status.message = 'Ready condition status changed to False for Service vitana-gateway with message: boom';
    payload.response.status.latestReadyRevisionName = 'vitana-gateway-00041-zut';
    payload.response.status.latestCreatedRevisionName = 'vitana-gateway-00042-abc';
    const result = toDeployEvent(decodeLogEntry(entry));
    expect(result.outcome === 'deploy' && [result.event.status, result.event.metadata.revision]).toEqual(['failure', 'vitana-gateway-00042-abc']);
  });

  it('a very long service name keeps the title within the gateway limit', () => {
    const entry = structuredClone(fixture('v1-create-service-no-vtid'));
    entry.resource = { type: 'cloud_run_revision', labels: { service_name: 'x'.repeat(600), location: 'us-central1', project_id: 'p' } };
    const result = toDeployEvent(decodeLogEntry(entry));
    expect(result.outcome === 'deploy' && result.event.title.length).toBe(500);
  });
});

describe('decoding what the client returns', () => {
  it('decodes every fixture from its gRPC wire form (Any with AuditLog bytes) to the same event', () => {
    for (const name of FIXTURE_NAMES) {
      const wire = toWireEntry(fixture(name));
      // What @google-cloud/logging hands back: metadata with a Date timestamp and an undecoded Any.
      const clientShape = {
        ...wire,
        timestamp: new Date(fixture(name).timestamp),
        protoPayload: wire.protoPayload,
      };
      expect((clientShape.protoPayload as { type_url: string }).type_url).toBe(AUDIT_LOG_TYPE_URL);
      expect(toDeployEvent(decodeLogEntry(clientShape))).toEqual({ outcome: 'deploy', event: EXPECTED[name] });
    }
  });

  it('reads the AuditLog field numbers of the published schema (independent wire check)', () => {
    // Written by hand with raw tags: 7 service_name, 8 method_name, 11 resource_name, 2 status{1 code,
    // 2 message}, 3 authentication_info{1 principal_email}, 4 request_metadata{2 user agent}, and an
    // unknown field 99 that must be skipped.
    const writer = protobuf.Writer.create();
    writer.uint32((7 << 3) | 2).string('run.googleapis.com');
    writer.uint32((8 << 3) | 2).string('google.cloud.run.v1.Services.ReplaceService');
    writer.uint32((11 << 3) | 2).string('namespaces/p/services/s');
    writer.uint32((2 << 3) | 2).fork().uint32((1 << 3) | 0).int32(3).uint32((2 << 3) | 2).string('bad').ldelim();
    writer.uint32((3 << 3) | 2).fork().uint32((1 << 3) | 2).string('a@b.c').ldelim();
    writer.uint32((4 << 3) | 2).fork().uint32((2 << 3) | 2).string('gcloud').ldelim();
    writer.uint32((99 << 3) | 2).string('future field');
    expect(decodeAuditLogBytes(writer.finish())).toEqual({
      serviceName: 'run.googleapis.com',
      methodName: 'google.cloud.run.v1.Services.ReplaceService',
      resourceName: 'namespaces/p/services/s',
      status: { code: 3, message: 'bad' },
      authenticationInfo: { principalEmail: 'a@b.c' },
      requestMetadata: { callerSuppliedUserAgent: 'gcloud' },
    });
  });

  it('round-trips Struct request/response through the wire', () => {
    const payload = fixture('v1-replace-service-success').protoPayload as Record<string, unknown>;
    const decoded = decodeAuditLogBytes(encodeAuditLogJson(payload));
    expect(decoded.request).toEqual(payload.request);
    expect(decoded.response).toEqual(payload.response);
  });

  it('keeps nanosecond timestamps from {seconds, nanos}', () => {
    const entry = decodeLogEntry({ ...toWireEntry(fixture('v2-update-service')) });
    expect(entry.timestamp).toBe('2026-03-14T10:10:01.500000000Z');
  });

  it('refuses what it cannot decode, with a reason', () => {
    const good = fixture('v1-replace-service-success');
    expect(() => decodeLogEntry({ ...good, insertId: '' })).toThrow(EntryDecodeError);
    expect(() => decodeLogEntry({ ...good, timestamp: 'yesterday' })).toThrow(/timestamp/);
    expect(() => decodeLogEntry({ ...good, protoPayload: undefined })).toThrow(/no protoPayload/);
    expect(() => decodeProtoPayload({ type_url: 'type.googleapis.com/google.protobuf.Empty', value: Buffer.alloc(0) })).toThrow(/not an AuditLog/);
    expect(() => decodeProtoPayload({ type_url: AUDIT_LOG_TYPE_URL, value: Buffer.from([0x3a, 0x50]) })).toThrow(/not a valid AuditLog/);
  });

  it('logIdOf decodes the escaped log id', () => {
    expect(logIdOf('projects/p/logs/cloudaudit.googleapis.com%2Fsystem_event')).toBe('cloudaudit.googleapis.com/system_event');
  });
});

describe('deployLogFilter', () => {
  it('bounds the time explicitly and names the deploy methods and the system-event log', () => {
    const filter = deployLogFilter({
      projectId: 'vitana-dev',
      from: new Date('2026-03-14T09:50:00Z'),
      to: new Date('2026-03-14T10:30:00Z'),
    });
    expect(filter).toBe(
      'timestamp >= "2026-03-14T09:50:00.000Z" AND timestamp <= "2026-03-14T10:30:00.000Z" AND (' +
        '(logName = "projects/vitana-dev/logs/cloudaudit.googleapis.com%2Factivity" AND protoPayload.serviceName = "run.googleapis.com" AND ' +
        'protoPayload.methodName = ("google.cloud.run.v1.Services.CreateService" OR "google.cloud.run.v1.Services.ReplaceService" OR ' +
        '"google.cloud.run.v2.Services.CreateService" OR "google.cloud.run.v2.Services.UpdateService"))' +
        ' OR (logName = "projects/vitana-dev/logs/cloudaudit.googleapis.com%2Fsystem_event" AND resource.type = "cloud_run_revision"))',
    );
  });
});
