import { describe, expect, it } from 'vitest';
import { isStorableText } from '../../runtime/core/storable.js';
import { truncate } from '../../runtime/core/text.js';

describe('truncate', () => {
  it('keeps text that fits, whole', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('', 3)).toBe('');
  });

  it('cuts longer text to exactly max characters, ending with …', () => {
    const cut = truncate('x'.repeat(1000), 200);
    expect(cut).toHaveLength(200);
    expect(cut.endsWith('…')).toBe(true);
  });

  it('never leaves half of a surrogate pair (which jsonb would refuse)', () => {
    // 'a' + 🚀 (two code units) ...: cutting at 3 would keep 'a' and the high surrogate alone.
    const cut = truncate('a🚀🚀🚀', 3);
    expect(cut).toBe('a…');
    expect(isStorableText(cut)).toBe(true);
    expect(cut.length).toBeLessThanOrEqual(3);
  });
});
