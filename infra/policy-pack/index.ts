// The vitana platform's CrossGuard pack. Run it with any stack of the platform:
//   pulumi preview --policy-pack ./infra/policy-pack
// The policies themselves live in policies.ts (unit-tested there); constructing the pack starts the
// gRPC server the Pulumi engine talks to, so this file does nothing else.
import { PolicyPack } from '@pulumi/policy';
import { policies } from './policies.js';

new PolicyPack('vitana-platform', {
  description: 'Labels on every labellable GCP resource, only the gateway public, no secrets in plain env vars.',
  enforcementLevel: 'mandatory',
  policies,
});
