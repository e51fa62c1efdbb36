import { CRAFTED_VTIDS } from './values.js';

/**
 * Boundary values read from the gateway's own OpenAPI document (generated from the zod schemas that
 * validate the requests): every length, range, pattern and enum of a field, just inside and just
 * outside (±1), so a bound the database enforces differently from the schema shows up as a 500.
 */

export interface JsonSchema {
  type?: string | string[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  enum?: unknown[];
  format?: string;
  example?: unknown;
  $ref?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

export interface Boundary {
  label: string;
  value: unknown;
}

const TIMESTAMPS = [
  '0001-01-01T00:00:00Z',
  '0000-12-31T23:59:59Z',
  '9999-12-31T23:59:59.999Z',
  '2026-02-30T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-06-30T23:59:60Z',
  '2026-01-01T24:00:00Z',
  '2026-01-01T00:00:00+15:59',
  '2026-01-01T00:00:00+16:00',
  '2026-01-01T00:00:00-23:59',
  '2026-01-01T00:00:00',
  '2026-01-01',
  '2026-01-01T00:00:00.123456789Z',
  '+275760-09-13T00:00:00Z',
];

function resolve(schema: JsonSchema, components: Record<string, JsonSchema>): JsonSchema {
  if (!schema.$ref) return schema;
  return components[schema.$ref.replace('#/components/schemas/', '')] ?? schema;
}

const repeat = (unit: string, length: number) => unit.repeat(Math.max(0, length));

/** The boundary values of one property. */
export function propertyBoundaries(name: string, raw: JsonSchema, components: Record<string, JsonSchema>): Boundary[] {
  const schema = resolve(raw, components);
  const out: Boundary[] = [];
  const add = (label: string, value: unknown) => out.push({ label: `${name}: ${label}`, value });
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (schema.enum) {
    for (const value of schema.enum) {
      add(`enum ${String(value)}`, value);
      if (typeof value === 'string') {
        add(`enum ${value} upper-cased`, value.toUpperCase());
        add(`enum ${value} padded`, ` ${value} `);
      }
    }
    add('not in the enum', 'not-a-member');
  }
  if (types.includes('string')) {
    if (schema.maxLength !== undefined) {
      const max = schema.maxLength;
      add(`max length ${max}`, repeat('b', max));
      add(`max length ${max} + 1`, repeat('b', max + 1));
      add(`max length ${max} in 2-byte characters`, repeat('é', max));
      add(`max length ${max} in 4-byte characters`, repeat('😀', Math.floor(max / 2)));
      add(`max length ${max} + 1 with 4-byte characters`, `${repeat('😀', Math.floor(max / 2))}x`);
    }
    if (schema.minLength !== undefined) {
      add(`min length ${schema.minLength}`, repeat('b', schema.minLength));
      if (schema.minLength > 0) add(`min length ${schema.minLength} - 1`, repeat('b', schema.minLength - 1));
      add('only whitespace', repeat(' ', Math.max(1, schema.minLength)));
    }
    if (schema.pattern) {
      // The patterns of this API are character classes with a length range: probe its ends.
      const range = /\{(\d+),(\d+)\}\$$/.exec(schema.pattern);
      if (range) {
        const [lo, hi] = [Number(range[1]), Number(range[2])];
        const lead = schema.pattern.startsWith('^[A-Za-z0-9]') ? 'a' : '';
        const unit = schema.pattern.includes('0-9a-fA-F') ? 'f' : 'a';
        for (const length of [lo - 1, lo, hi, hi + 1]) add(`pattern length ${length + lead.length}`, lead + repeat(unit, length));
      }
      add('pattern broken by a space', 'a b');
      add('pattern broken by a control character', 'a\u0007b');
    }
    if (schema.format === 'date-time') for (const ts of TIMESTAMPS) add(`timestamp ${ts}`, ts);
    if (schema.format === 'uri') {
      add('uri without a scheme', 'example.com/x');
      add('javascript: uri', 'javascript:alert(1)');
      if (schema.maxLength !== undefined) {
        add(`uri of ${schema.maxLength} characters`, `https://x.io/${repeat('p', schema.maxLength - 13)}`);
        add(`uri of ${schema.maxLength + 1} characters`, `https://x.io/${repeat('p', schema.maxLength - 12)}`);
      }
    }
    // A VTID field documents its shape by its example.
    if (typeof schema.example === 'string' && /VTID-\d{4}-\d{4}/.test(schema.example)) {
      for (const vtid of CRAFTED_VTIDS) add(`crafted VTID ${JSON.stringify(vtid.slice(0, 40))}`, vtid);
    }
  }
  if (types.includes('integer') || types.includes('number')) {
    for (const [label, bound] of [
      ['minimum', schema.minimum],
      ['maximum', schema.maximum],
    ] as const) {
      if (bound === undefined) continue;
      add(`${label} ${bound}`, bound);
      add(`${label} ${bound} - 1`, bound - 1);
      add(`${label} ${bound} + 1`, bound + 1);
      add(`${label} ${bound} + 0.5`, bound + 0.5);
      add(`${label} ${bound} as a string`, String(bound));
    }
    add('2^53', 2 ** 53);
    add('-2^31 - 1', -(2 ** 31) - 1);
  }
  if (types.includes('null')) add('null', null);
  return out;
}

/** Every boundary of every property of an object schema. */
export function objectBoundaries(schema: JsonSchema, components: Record<string, JsonSchema>): Array<Boundary & { field: string }> {
  return Object.entries(schema.properties ?? {}).flatMap(([field, property]) =>
    propertyBoundaries(field, property, components).map((boundary) => ({ ...boundary, field })),
  );
}
