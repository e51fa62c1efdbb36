/**
 * A bounded wait for IAM grants to take effect. Cloud Run checks at deploy time that the revision's
 * service account can read each secret it mounts; a `secretAccessor` grant made seconds earlier may not
 * have propagated yet (IAM changes usually apply within a minute), and the first `up` into a fresh
 * project would fail with "Permission denied on secret". So the services depend on this resource, which
 * depends on the grants and, when it is created or the set of grants changes, waits a fixed time.
 * Unchanged grants mean no diff and no wait: a normal deploy does not pay for it.
 *
 * It is a dynamic resource (no provider package needed). Its provider is serialized into the state and
 * run by Pulumi's Node.js dynamic provider host, so it must capture nothing but its own code.
 */
import * as pulumi from '@pulumi/pulumi';

/** How long a new grant gets to propagate. IAM documents "typically within 60 seconds". */
export const IAM_PROPAGATION_SECONDS = 60;

interface WaitInputs {
  /** Ids of the grants waited for; a change (a new grant) waits again. */
  grants: string[];
  seconds: number;
}

const waitProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: WaitInputs) {
    await new Promise((resolve) => setTimeout(resolve, inputs.seconds * 1000));
    return { id: 'iam-propagation', outs: inputs };
  },
  async diff(_id: string, olds: WaitInputs, news: WaitInputs) {
    const before = [...(olds.grants ?? [])].sort().join('\n');
    const after = [...(news.grants ?? [])].sort().join('\n');
    return { changes: before !== after, replaces: [], deleteBeforeReplace: false };
  },
  async update(_id: string, _olds: WaitInputs, news: WaitInputs) {
    // Only grants that are new need the time, but waiting once for all keeps this simple.
    await new Promise((resolve) => setTimeout(resolve, news.seconds * 1000));
    return { outs: news };
  },
};

/** The resource: depend on it instead of on the grants themselves. */
export class IamPropagationWait extends pulumi.dynamic.Resource {
  constructor(name: string, grants: pulumi.CustomResource[], opts: pulumi.CustomResourceOptions = {}) {
    super(
      waitProvider,
      name,
      { grants: grants.map((g) => g.id), seconds: IAM_PROPAGATION_SECONDS },
      { ...opts, dependsOn: grants },
    );
  }
}
