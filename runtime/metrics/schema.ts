import { z } from '@hono/zod-openapi';
import { MAX_WINDOW_DAYS } from './window.js';
import { AccessTokenQuerySchema } from '../http/auth.js';

/** The zod schemas of GET /api/v1/oasis/metrics: they validate the request and generate the OpenAPI document. */

const filter = (description: string) => z.string().trim().min(1).max(200).optional().openapi({ description });
const instant = (description: string) => z.iso.datetime({ offset: true }).optional().openapi({ description });

export const MetricsQuerySchema = z.object({
  since: instant('Window start (inclusive). Default: 30 days before `until`.'),
  until: instant(`Window end (exclusive). Default: now. At most ${MAX_WINDOW_DAYS} days after \`since\`.`),
  service: filter('Only rollouts of this Cloud Run service.'),
  repo: filter('Only deployments whose VTID has a change (pull request or push) in this repository, `owner/name`.'),
  layer: filter('Only deployments of this layer (the `vt_layer` label or the family id).'),
  module: filter('Only deployments of this module (the `vt_module` label or the family id): the per-team split.'),
  access_token: AccessTokenQuerySchema,
});

const day = z.string().openapi({ example: '2026-03-02', description: 'A UTC day.' });
const seconds = z.number().nullable();

export const MetricsResponseSchema = z
  .object({
    ok: z.literal(true),
    window: z.object({ since: z.string().openapi({ format: 'date-time' }), until: z.string().openapi({ format: 'date-time' }), days: z.number() }),
    filters: z.object({ service: z.string().nullable(), repo: z.string().nullable(), layer: z.string().nullable(), module: z.string().nullable() }),
    deploymentFrequency: z.object({
      deployments: z.number().int().openapi({ description: 'Successful rollouts in the window (the samples).' }),
      perDay: z.number(),
      daily: z.array(z.object({ day, deployments: z.number().int() })),
    }),
    leadTime: z.object({
      samples: z.number().int().openapi({ description: 'Changes (VTIDs) first deployed successfully in the window.' }),
      medianSeconds: seconds,
      p90Seconds: seconds,
      daily: z.array(z.object({ day, samples: z.number().int(), medianSeconds: seconds })),
    }),
    changeFailureRate: z.object({
      deployments: z.number().int().openapi({ description: 'Rollouts with an outcome in the window (the samples).' }),
      failed: z.number().int(),
      rate: z.number().nullable().openapi({ description: 'failed / deployments; null without deployments.' }),
      daily: z.array(z.object({ day, deployments: z.number().int(), failed: z.number().int(), rate: z.number().nullable() })),
    }),
    recoveryTime: z.object({
      failures: z.number().int(),
      samples: z.number().int().openapi({ description: 'Failed rollouts in the window that a later successful rollout of the same service restored.' }),
      unrecovered: z.number().int(),
      medianSeconds: seconds,
      p90Seconds: seconds,
      daily: z.array(z.object({ day, samples: z.number().int(), medianSeconds: seconds })),
    }),
  })
  .openapi('FourKeys');
