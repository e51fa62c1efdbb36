/**
 * index.ts as the Pulumi entry point: imported after the mocks are set, it reads the stack config and
 * exports exactly the stack outputs the issue names.
 */
import { expect, it } from 'vitest';
import * as pulumi from '@pulumi/pulumi';
import { devConfig, PROJECT, SECRET_VALUES, serviceUri } from './harness.js';

it('exports the stack outputs', async () => {
  const types: string[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        types.push(args.type);
        const uri = args.type === 'gcp:cloudrunv2/service:Service' ? serviceUri(args.inputs.name) : undefined;
        return { id: `${args.name}-id`, state: { ...args.inputs, uri } };
      },
      call: (args) => args.inputs,
    },
    PROJECT,
    'dev',
    false,
  );
  const config: Record<string, string> = {};
  // index.ts reads process.env, which has no VTID here: the config override stands in for it.
  for (const [k, v] of Object.entries(devConfig({ vtid: 'DEV-CICDL-0031' }))) config[k.includes(':') ? k : `${PROJECT}:${k}`] = String(v);
  pulumi.runtime.setAllConfig(config, Object.keys(SECRET_VALUES).map((k) => `${PROJECT}:${k}`));

  const program = await import('../../index.js');
  expect(Object.keys(program).sort()).toEqual(
    ['consoleUrl', 'eventsApiUrl', 'feedUrl', 'gatewayUrl', 'watcherUrl', 'webhookSecret', 'webhookUrl'],
  );
  const gatewayUrl = await new Promise((resolve) => program.gatewayUrl.apply(resolve));
  expect(gatewayUrl).toBe(serviceUri('vitana-gateway'));
  await pulumi.runtime.disconnect();
  expect(types).toContain('gcp:cloudscheduler/job:Job');
});
