import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/**
 * The contract check over real traffic: every response a test receives through the gateway helpers is
 * validated against its operation's response schema in the committed openapi/gateway-v1.yml. A response
 * with a status the spec does not list, or a body that does not match, fails the test that received it.
 */

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components?: Record<string, unknown>;
}

const SPEC_FILE = fileURLToPath(new URL('../../openapi/gateway-v1.yml', import.meta.url));

let spec: Spec | undefined;
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const compiled = new Map<string, ValidateFunction>();

function loadSpec(): Spec {
  spec ??= parse(readFileSync(SPEC_FILE, 'utf8')) as Spec;
  return spec;
}

/** Literal segments win over parameters, so /vtid/list is not taken for /vtid/{vtid}. */
function findPath(pathname: string): string | undefined {
  const candidates = Object.keys(loadSpec().paths)
    .filter((template) => new RegExp('^' + template.replace(/\{[^}]+\}/g, '[^/]+') + '$').test(pathname))
    .sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  return candidates[0];
}

export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

/** Paths served outside the spec on purpose (405 for DELETE on the ledger is an HTTP answer, not an operation). */
function undocumentedOnPurpose(method: string, status: number): boolean {
  return status === 405 || (status === 404 && method === 'unknown');
}

export async function checkContract(method: string, url: string, response: Response): Promise<void> {
  const { pathname } = new URL(url);
  const template = findPath(pathname);
  const verb = method.toLowerCase();
  if (!template || !loadSpec().paths[template]![verb]) {
    // Unknown routes answer the generic 404 JSON error; anything else must be in the spec.
    if (response.status === 404 || undocumentedOnPurpose(verb, response.status)) return;
    throw new ContractViolation(`${method} ${pathname} answered ${response.status} but the spec has no such operation`);
  }
  const operation = loadSpec().paths[template]![verb]!;
  // `default` documents the 5xx error body; every 2xx-4xx answer must be listed by its own status.
  const documented = operation.responses[String(response.status)] ?? (response.status >= 500 ? operation.responses.default : undefined);
  if (!documented) {
    throw new ContractViolation(`${method} ${template} answered ${response.status}, which the spec does not list (${Object.keys(operation.responses).join(', ')})`);
  }
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const media = documented.content?.[contentType];
  if (!documented.content) return;
  if (!media) throw new ContractViolation(`${method} ${template} ${response.status}: content type ${contentType || '(none)'} is not documented`);
  if (contentType !== 'application/json' || media.schema === undefined) return;
  const key = `${verb} ${template} ${response.status}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile({ ...(media.schema as object), components: loadSpec().components });
    compiled.set(key, validate);
  }
  const body: unknown = await response.clone().json();
  if (!validate(body)) {
    throw new ContractViolation(`${method} ${template} ${response.status}: body does not match the spec: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`);
  }
}

/**
 * `fetch` with the contract check: for clients under test that talk to the gateway themselves (the
 * deploy watcher, the heartbeat client), so their real traffic is checked against the spec too.
 */
export const contractFetch: typeof fetch = async (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
  const response = await fetch(input, init);
  await checkContract(method, url, response);
  return response;
};
