/**
 * The platform's CrossGuard policies, kept apart from `new PolicyPack(...)` (index.ts), which starts a
 * gRPC server as soon as it is constructed: tests import this file and call `validateResource` directly.
 * Self-contained on purpose (no imports from the program) so any stack of the platform can run the pack.
 */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from '@pulumi/policy';

/** Labels every labellable resource must carry (infra/labels.ts produces them). */
export const REQUIRED_LABELS = ['vtid', 'vt_layer', 'vt_module'] as const;

/** GCP label values: lower-case letters, digits, `_`, `-`; at most 63 characters (non-empty: it must say something). */
const LABEL_VALUE = /^[a-z0-9_-]{1,63}$/;

/**
 * Labellable resource types the platform uses, and where their labels live. Any other `gcp:` resource
 * that sets a top-level `labels` map is checked too.
 *
 * A Cloud Run service carries them on the service, not on its revision template: any change to the
 * template, labels included, makes a new revision and moves traffic to it, so a `vtid` there would
 * restart the service (and drop every open connection) on each deploy, whatever it changes.
 */
export const LABEL_PATHS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  'gcp:cloudrunv2/service:Service': [['labels']],
  'gcp:cloudrunv2/job:Job': [['labels'], ['template', 'labels']],
  'gcp:cloudrun/service:Service': [['metadata', 'labels']],
  'gcp:secretmanager/secret:Secret': [['labels']],
  'gcp:artifactregistry/repository:Repository': [['labels']],
  'gcp:storage/bucket:Bucket': [['labels']],
  'gcp:pubsub/topic:Topic': [['labels']],
  'gcp:pubsub/subscription:Subscription': [['labels']],
  'gcp:cloudfunctionsv2/function:Function': [['labels']],
  'gcp:compute/instance:Instance': [['labels']],
  'gcp:bigquery/dataset:Dataset': [['labels']],
};

/** Cloud Run services allowed to be public unless the policy config says otherwise. */
export const DEFAULT_PUBLIC_SERVICES = ['vitana-gateway'];

const PUBLIC_MEMBERS = new Set(['allUsers', 'allAuthenticatedUsers']);

type Props = Record<string, unknown>;

function at(props: unknown, path: readonly string[]): unknown {
  let cur = props;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Props)[key];
  }
  return cur;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

// ---------------------------------------------------------------------------------------------------

export const requiredLabels: ResourceValidationPolicy = {
  name: 'vitana-required-labels',
  description: `Every labellable GCP resource carries the labels ${REQUIRED_LABELS.join(', ')} with valid GCP label values.`,
  enforcementLevel: 'mandatory',
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    let paths = LABEL_PATHS[args.type];
    if (!paths) {
      if (!args.type.startsWith('gcp:') || !('labels' in args.props)) return;
      paths = [['labels']];
    }
    for (const path of paths) {
      const where = path.join('.');
      const labels = at(args.props, path);
      if (labels === null || typeof labels !== 'object') {
        reportViolation(`${args.type} "${args.name}": no ${where}; it needs ${REQUIRED_LABELS.join(', ')}.`);
        continue;
      }
      for (const key of REQUIRED_LABELS) {
        const value = (labels as Props)[key];
        if (value === undefined) {
          reportViolation(`${args.type} "${args.name}": ${where} lacks "${key}".`);
        } else if (typeof value !== 'string' || !LABEL_VALUE.test(value)) {
          reportViolation(
            `${args.type} "${args.name}": ${where}.${key} = ${JSON.stringify(value)} is not a GCP label value ` +
              '(1 to 63 lower-case letters, digits, "_" and "-").',
          );
        }
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------------

/** The Cloud Run service an IAM resource targets (`name`, v1 `service`, or the last part of a full id). */
function targetService(props: Props): string | undefined {
  const ref = props.name ?? props.service;
  return typeof ref === 'string' ? ref.split('/').pop() : undefined;
}

function publicMembersOf(type: string, props: Props): string[] {
  switch (type) {
    case 'gcp:cloudrunv2/serviceIamMember:ServiceIamMember':
    case 'gcp:cloudrun/iamMember:IamMember':
      return typeof props.member === 'string' && PUBLIC_MEMBERS.has(props.member) ? [props.member] : [];
    case 'gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding':
    case 'gcp:cloudrun/iamBinding:IamBinding':
      return asArray(props.members).filter((m): m is string => typeof m === 'string' && PUBLIC_MEMBERS.has(m));
    case 'gcp:cloudrunv2/serviceIamPolicy:ServiceIamPolicy':
    case 'gcp:cloudrun/iamPolicy:IamPolicy': {
      if (typeof props.policyData !== 'string') return [];
      try {
        const policy = JSON.parse(props.policyData) as { bindings?: { role?: string; members?: string[] }[] };
        return (policy.bindings ?? [])
          .filter((b) => b.role === 'roles/run.invoker')
          .flatMap((b) => b.members ?? [])
          .filter((m) => PUBLIC_MEMBERS.has(m));
      } catch {
        return [];
      }
    }
    default:
      return [];
  }
}

export const onlyGatewayPublic: ResourceValidationPolicy = {
  name: 'vitana-only-gateway-public',
  description: 'No Cloud Run service but the gateway may be invoked by allUsers / allAuthenticatedUsers.',
  enforcementLevel: 'mandatory',
  configSchema: {
    properties: {
      publicServices: { type: 'array', items: { type: 'string' }, default: DEFAULT_PUBLIC_SERVICES },
    },
  },
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    const allowed = new Set(args.getConfig<{ publicServices?: string[] }>().publicServices ?? DEFAULT_PUBLIC_SERVICES);

    if (args.type === 'gcp:cloudrunv2/service:Service') {
      if (args.props.invokerIamDisabled === true && !allowed.has(String(args.props.name ?? args.name))) {
        reportViolation(`Cloud Run service "${args.props.name ?? args.name}" disables invoker IAM, which makes it public.`);
      }
      return;
    }

    const members = publicMembersOf(args.type, args.props);
    if (members.length === 0) return;
    const role = args.props.role;
    if (role !== undefined && role !== 'roles/run.invoker') return;
    const service = targetService(args.props);
    // Unknown during a preview of a brand-new service; the check runs again with the real value on `up`.
    if (service === undefined) return;
    if (!allowed.has(service)) {
      reportViolation(
        `Cloud Run service "${service}" is made public (${members.join(', ')}); only ${[...allowed].join(', ')} may be.`,
      );
    }
  },
};

// ---------------------------------------------------------------------------------------------------

const SECRET_NAME = /(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|API_?KEY|ACCESS_KEY|SERVICE_ROLE|DATABASE_URL|DB_URL|CONNECTION_STRING)/i;

const SECRET_VALUES: readonly [RegExp, string][] = [
  [/^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^@\s]+@/i, 'a URL with a password'],
  [/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/, 'a JWT'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/^(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})$/, 'a GitHub token'],
];

const CONTAINER_PATHS: Readonly<Record<string, readonly string[]>> = {
  'gcp:cloudrunv2/service:Service': ['template', 'containers'],
  'gcp:cloudrunv2/job:Job': ['template', 'template', 'containers'],
  'gcp:cloudrun/service:Service': ['template', 'spec', 'containers'],
};

export const noPlaintextSecretEnv: ResourceValidationPolicy = {
  name: 'vitana-no-plaintext-secret-env',
  description: 'Cloud Run containers take secrets from Secret Manager (valueSource.secretKeyRef), never as plain env values.',
  enforcementLevel: 'mandatory',
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    const path = CONTAINER_PATHS[args.type];
    if (!path) return;
    for (const container of asArray(at(args.props, path))) {
      const containerName = (at(container, ['name']) as string | undefined) ?? 'container';
      for (const env of asArray(at(container, ['envs']))) {
        const name = at(env, ['name']);
        const value = at(env, ['value']);
        if (typeof name !== 'string' || typeof value !== 'string' || value === '') continue;
        const looksLike = SECRET_VALUES.find(([re]) => re.test(value))?.[1];
        if (SECRET_NAME.test(name) || looksLike) {
          reportViolation(
            `${args.type} "${args.name}": env ${name} of ${containerName} is a plain value` +
              `${looksLike ? ` that looks like ${looksLike}` : ' but names a secret'}; ` +
              'mount it from Secret Manager with valueSource.secretKeyRef.',
          );
        }
      }
    }
  },
};

export const policies: ResourceValidationPolicy[] = [requiredLabels, onlyGatewayPublic, noPlaintextSecretEnv];
