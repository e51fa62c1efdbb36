/**
 * The settings the webhook route reads. Declared by the feature, not taken from the gateway's
 * config type, so the feature does not import the composition root; the gateway's config has this
 * shape and is passed as it is.
 */
export interface WebhookSettings {
  secrets: { githubWebhook?: string; githubWebhookPrevious?: string };
  github: { maxBytes: number; storeTimeoutMs: number };
}
