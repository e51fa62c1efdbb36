import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TEST_WEBHOOK_SECRET } from './tokens.js';
import { checkContract } from './contract.js';

/**
 * GitHub deliveries as GitHub sends them: the headers of a real hook and an HMAC-SHA256 signature
 * computed here, independently of the gateway's code, with the test webhook secret by default.
 *
 *   await postWebhook(gateway.url, { event: 'ping', payload: { zen: 'Keep it simple.' } });
 *   const { event, payload } = githubFixture('workflow_run.completed');
 *   const res = await postWebhook(url, { event, payload, deliveryId: 'fixed-id' });
 */

export interface DeliveryOptions {
  /** X-GitHub-Event. */
  event: string;
  /** Serialized with JSON.stringify; ignored when `body` is given. */
  payload?: unknown;
  /** X-GitHub-Delivery; a fresh GUID by default. */
  deliveryId?: string;
  /** Sign with this secret (default: the test secret the test gateways use). */
  secret?: string;
  /** `form` sends `payload=<json>` as application/x-www-form-urlencoded, as a hook set to that content type does. */
  contentType?: 'json' | 'form';
  /** Send these exact bytes instead of the serialized payload (they are what gets signed). */
  body?: string;
  /** Extra or replaced headers; `null` removes one (e.g. `{ 'x-hub-signature-256': null }`). */
  headers?: Record<string, string | null>;
}

export interface SignedDelivery {
  deliveryId: string;
  body: string;
  headers: Record<string, string>;
}

/** `sha256=<hex HMAC-SHA256(secret, body)>`: the X-Hub-Signature-256 value. */
export function signGithubBody(body: string | Uint8Array, secret: string = TEST_WEBHOOK_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The body and headers of a signed delivery, ready for fetch. */
export function signedDelivery(options: DeliveryOptions): SignedDelivery {
  const deliveryId = options.deliveryId ?? randomUUID();
  const json = JSON.stringify(options.payload ?? {});
  const form = options.contentType === 'form';
  const body = options.body ?? (form ? new URLSearchParams({ payload: json }).toString() : json);
  const headers: Record<string, string> = {
    'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
    'user-agent': 'GitHub-Hookshot/7e4b2f1',
    'x-github-event': options.event,
    'x-github-delivery': deliveryId,
    'x-github-hook-id': '482919237',
    'x-github-hook-installation-target-type': 'repository',
    'x-github-hook-installation-target-id': '300029405',
    'x-hub-signature-256': signGithubBody(body, options.secret),
  };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) delete headers[name.toLowerCase()];
    else headers[name.toLowerCase()] = value;
  }
  return { deliveryId, body, headers };
}

/** POSTs a signed delivery to `${baseUrl}/webhooks/github`. */
export async function postWebhook(baseUrl: string, options: DeliveryOptions): Promise<Response> {
  const { body, headers } = signedDelivery(options);
  const url = `${baseUrl}/webhooks/github`;
  const response = await fetch(url, { method: 'POST', headers, body });
  await checkContract('POST', url, response);
  return response;
}

const FIXTURES = fileURLToPath(new URL('../fixtures/github/', import.meta.url));

/**
 * A payload from test/fixtures/github. The file name is `<event>.<variant>.json`; the event name
 * (the X-GitHub-Event to send) is the part before the first dot.
 */
export function githubFixture(name: string): { event: string; payload: Record<string, unknown> } {
  const payload = JSON.parse(readFileSync(`${FIXTURES}${name}.json`, 'utf8')) as Record<string, unknown>;
  return { event: name.split('.', 1)[0]!, payload };
}
