/**
 * Delivers a webhook the way GitHub does: a JSON POST with
 * `x-github-event`, `x-github-delivery` and an `x-hub-signature-256` HMAC
 * of the exact body bytes.
 */
import { createHmac, randomUUID } from 'node:crypto';

export interface WebhookDelivery {
  /** The app's webhook URL, e.g. `http://127.0.0.1:3000/api/github/webhooks`. */
  url: string;
  event: string;
  /** The exact body to send. */
  body: string;
  /** The value of `x-hub-signature-256`; use `signWebhookBody`. */
  signature: string;
  deliveryId?: string;
}

export interface WebhookAnswer {
  status: number;
  text: string;
}

/** `sha256=<hex HMAC-SHA256 of body with secret>`. */
export function signWebhookBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export async function deliverWebhook(delivery: WebhookDelivery): Promise<WebhookAnswer> {
  const response = await fetch(delivery.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/fake',
      'x-github-event': delivery.event,
      'x-github-delivery': delivery.deliveryId ?? randomUUID(),
      'x-hub-signature-256': delivery.signature,
    },
    body: delivery.body,
  });
  return { status: response.status, text: await response.text() };
}
