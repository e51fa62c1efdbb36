/**
 * GCP labels: the one place that decides what every labellable resource carries. Resource transforms do
 * not run under unit-test mocks, so each component passes `labels` explicitly instead of relying on a
 * stack transform.
 */

/** GCP label values: lower-case letters, digits, `_` and `-`; at most 63 characters. */
export const LABEL_VALUE_MAX = 63;

/** GCP's rule for label values (keys must start with a letter; values need not). */
const LABEL_VALUE = /^[a-z0-9_-]*$/;

export interface Labels {
  vtid: string;
  vt_layer: string;
  vt_module: string;
  managed_by: 'pulumi';
  [key: string]: string;
}

/**
 * Converts a value to a GCP label value (`DEV-CICDL-0031` -> `dev-cicdl-0031`): trims, lower-cases and
 * turns spaces and dots into `-`. Returns an error message instead when the result still is not a valid
 * label value (empty, too long, other characters). GCP allows an empty value, but an empty `vtid` label
 * would attribute the resource to nothing, so it is refused.
 */
export function toLabelValue(raw: string): { value: string } | { error: string } {
  const value = raw.trim().toLowerCase().replace(/[\s.]+/g, '-');
  if (value.length === 0) return { error: 'it is empty' };
  if (value.length > LABEL_VALUE_MAX) {
    return { error: `it is ${value.length} characters long once converted; GCP allows at most ${LABEL_VALUE_MAX}` };
  }
  if (!LABEL_VALUE.test(value)) {
    return { error: `"${value}" has characters other than lower-case letters, digits, "_" and "-"` };
  }
  return { value };
}

/** The labels for one stack. Throws on a value that cannot be converted (config.ts turns that into its message). */
export function makeLabels(parts: { vtid: string; layer: string; module: string }): Labels {
  const out: Record<string, string> = {};
  for (const [key, raw] of [
    ['vtid', parts.vtid],
    ['vt_layer', parts.layer],
    ['vt_module', parts.module],
  ] as const) {
    const converted = toLabelValue(raw);
    if ('error' in converted) throw new Error(`${key} "${raw}" cannot be a GCP label value: ${converted.error}`);
    out[key] = converted.value;
  }
  return { vtid: out.vtid!, vt_layer: out.vt_layer!, vt_module: out.vt_module!, managed_by: 'pulumi' };
}

/**
 * The labels of a Cloud Run revision template. Cloud Run makes a new revision whenever anything in the
 * template changes, labels included, and rolls traffic (and every open SSE connection) over to it. The
 * change-specific labels (`vtid`, `vt_layer`, `vt_module`) name the change a deploy ships, so they go on
 * the service itself, where a new value is a metadata update; the template keeps only what never changes
 * between deploys. A revision is then made by what it runs (image, env, settings), not by who deployed.
 */
export function revisionTemplateLabels(labels: Labels): Record<string, string> {
  return { managed_by: labels.managed_by };
}
