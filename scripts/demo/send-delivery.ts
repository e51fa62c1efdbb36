import { createHmac, randomUUID } from 'node:crypto';
import { asObject } from '../../runtime/core/object.js';
import type { GithubDelivery } from './github-payloads.js';

/**
 * Sends one delivery to `POST /webhooks/github` the way GitHub's webhook service does: the JSON body,
 * signed with the hook's secret (X-Hub-Signature-256, and the legacy SHA-1 X-Hub-Signature GitHub
 * still sends beside it), a fresh X-GitHub-Delivery GUID, and the hook's identifying headers.
 * Docs: https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers
 */

/** The hook the demo pretends to be (any stable id; the gateway records it in metadata). */
const HOOK_ID = '482919237';

export interface DeliveryAnswer {
  status: number;
  deliveryId: string;
  body: Record<string, unknown>;
}

function hmac(algorithm: 'sha256' | 'sha1', secret: string, body: string): string {
  return `${algorithm}=${createHmac(algorithm, secret).update(body).digest('hex')}`;
}

export async function sendDelivery(gateway: string, secret: string, delivery: GithubDelivery): Promise<DeliveryAnswer> {
  const body = JSON.stringify(delivery.payload);
  const deliveryId = randomUUID();
  const repository = delivery.payload.repository as { id?: number } | undefined;
  const response = await fetch(`${gateway}/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/7e4b2f1',
      'x-github-event': delivery.event,
      'x-github-delivery': deliveryId,
      'x-github-hook-id': HOOK_ID,
      'x-github-hook-installation-target-type': 'repository',
      'x-github-hook-installation-target-id': String(repository?.id ?? ''),
      'x-hub-signature': hmac('sha1', secret, body),
      'x-hub-signature-256': hmac('sha256', secret, body),
    },
    body,
  });
  return { status: response.status, deliveryId, body: await readJsonObject(response) };
}

/** The answer's JSON object, or `{}` when the body is not one (a proxy's error page). */
export async function readJsonObject(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  try {
    const parsed: unknown = JSON.parse(text);
    return asObject(parsed) ?? {};
  } catch {
    return {};
  }
}
