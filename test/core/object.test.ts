import { describe, expect, it } from 'vitest';
import { asObject, isJsonObject } from '../../runtime/core/object.js';

describe('the JSON object guard', () => {
  it('accepts plain objects only', () => {
    expect(isJsonObject({ a: 1 })).toBe(true);
    for (const value of [null, undefined, [], [1], 'x', 1, true]) expect(isJsonObject(value)).toBe(false);
  });

  it('asObject gives the object or undefined', () => {
    const value = { tenant: 'acme' };
    expect(asObject(value)).toBe(value);
    expect(asObject(['tenant'])).toBeUndefined();
    expect(asObject(null)).toBeUndefined();
  });
});
