import { describe, expect, it } from 'vitest';
import { extractVtid, findAllVtids, findVtid, formatLedgerVtid, parseLedgerVtid, parseVtid, UNSET_VTID, VTID_MAX_LENGTH } from '@vitana/vtid';

describe('findVtid: both formats', () => {
  it.each([
    ['VTID-2026-0042', { vtid: 'VTID-2026-0042', kind: 'ledger', year: 2026, sequence: 42 }],
    ['VTID-2026-10000', { vtid: 'VTID-2026-10000', kind: 'ledger', year: 2026, sequence: 10000 }],
    ['vtid-2026-0042', { vtid: 'VTID-2026-0042', kind: 'ledger', year: 2026, sequence: 42 }],
    ['DEV-CICDL-0031', { vtid: 'DEV-CICDL-0031', kind: 'family', layer: 'DEV', module: 'CICDL' }],
    ['dev-cicdl-0031', { vtid: 'DEV-CICDL-0031', kind: 'family', layer: 'DEV', module: 'CICDL' }],
    ['Dev-CiCdl-00031', { vtid: 'DEV-CICDL-00031', kind: 'family', layer: 'DEV', module: 'CICDL' }],
    ['OPS-DB-1234', { vtid: 'OPS-DB-1234', kind: 'family', layer: 'OPS', module: 'DB' }],
  ])('%s', (text, expected) => {
    expect(findVtid(text)).toEqual(expected);
  });

  it('ledger ids carry no layer or module; family ids no year or sequence', () => {
    expect(findVtid('VTID-2026-0042')).not.toHaveProperty('layer');
    expect(findVtid('DEV-CICDL-0031')).not.toHaveProperty('year');
  });
});

describe('findVtid: inside branch names, titles and messages', () => {
  it.each([
    ['vt/DEV-CICDL-0031-phase2', 'DEV-CICDL-0031'],
    ['vt/dev-cicdl-0031-phase2', 'DEV-CICDL-0031'],
    ['feature/vtid-2026-0042', 'VTID-2026-0042'],
    ['vt-dev-cicdl-0031', 'DEV-CICDL-0031'],
    ['vt_dev-cicdl-0031_fix', 'DEV-CICDL-0031'],
    ['refs/heads/vt/VTID-2026-0107-ledger', 'VTID-2026-0107'],
    ['DEV-CICDL-0031: Verify webhooks', 'DEV-CICDL-0031'],
    ['[VTID-2026-0042] live feed', 'VTID-2026-0042'],
    ['(DEV-CICDL-0031)', 'DEV-CICDL-0031'],
    ['TEST · VTID-2026-0042 · main', 'VTID-2026-0042'],
    ['Merge pull request #61 from org/vt/dev-cicdl-0034-docs', 'DEV-CICDL-0034'],
    ['first line\n\nVTID-2026-0042 in the body', 'VTID-2026-0042'],
    ['ends with VTID-2026-0042.', 'VTID-2026-0042'],
    ['TEST ·VTID-2026-0042·main', 'VTID-2026-0042'],
    ['deploy—DEV-CICDL-0031—done', 'DEV-CICDL-0031'],
    ['\u00a0DEV-CICDL-0031\u00a0', 'DEV-CICDL-0031'],
  ])('%s -> %s', (text, vtid) => {
    expect(findVtid(text)?.vtid).toBe(vtid);
  });
});

describe('findVtid: near misses and the whole-token rule', () => {
  it.each([
    ['VTID-2026-12', 'sequence under 4 digits'],
    ['VTID-2026-012', 'sequence of 3 digits'],
    ['VTID-26-0042', 'two-digit year'],
    ['VTID-20260-0042', 'five-digit year'],
    ['VTID2026-0042', 'no dash after VTID'],
    ['XDEV-CICDL-00311X', 'letters on both sides'],
    ['1DEV-CICDL-0031', 'a digit before'],
    ['DEV-CICDL-0031é', 'a non-ASCII letter after'],
    ['éDEV-CICDL-0031', 'a non-ASCII letter before'],
    ['VTID-2026-0042٣', 'a non-ASCII digit after'],
    ['DEV-ſCDL-0031', 'long s is not an ASCII letter'],
    ['DEV-\u212ACDL-0031', 'the Kelvin sign is not an ASCII K'],
    ['DEV-CICDL-0031X', 'a letter after'],
    ['DEV-CICDL-00311x', 'a lower-case letter after'],
    ['1VTID-2026-0042', 'a digit before'],
    ['VTID-2026-00421234a', 'a letter after a long sequence'],
    ['DEV-CICDL-031', 'three digits'],
    ['D-CICDL-0031', 'one-letter layer'],
    ['DEV-C-0031', 'one-letter module'],
    ['DEV-CI2-0031', 'a digit in the module'],
    ['DEV_CICDL_0031', 'underscores instead of dashes'],
    ['DEV CICDL 0031', 'spaces instead of dashes'],
    ['', 'empty'],
    ['no id here', 'plain text'],
  ])('%s (%s) -> none', (text) => {
    expect(findVtid(text)).toBeNull();
  });

  it('null and undefined are no id', () => {
    expect(findVtid(null)).toBeNull();
    expect(findVtid(undefined)).toBeNull();
  });

  it('a near miss does not hide a real id later in the same text', () => {
    expect(findVtid('XDEV-CICDL-00311X then DEV-CICDL-0031')?.vtid).toBe('DEV-CICDL-0031');
    expect(findVtid('VTID-2026-12, VTID-2026-0012')?.vtid).toBe('VTID-2026-0012');
  });

  it('is stable across calls (no leftover regex state)', () => {
    const text = 'a DEV-CICDL-0031 b';
    expect(findVtid(text)?.vtid).toBe('DEV-CICDL-0031');
    expect(findAllVtids(text)).toHaveLength(1);
    expect(findVtid(text)?.vtid).toBe('DEV-CICDL-0031');
    expect(findVtid('DEV-CICDL-0031')?.vtid).toBe('DEV-CICDL-0031');
  });
});

describe('multiple candidates', () => {
  it('findVtid takes the leftmost', () => {
    expect(findVtid('DEV-CICDL-0031 then VTID-2026-0042')?.vtid).toBe('DEV-CICDL-0031');
    expect(findVtid('VTID-2026-0042 then DEV-CICDL-0031')?.vtid).toBe('VTID-2026-0042');
  });

  it('findAllVtids lists every id, leftmost first, upper-cased', () => {
    expect(findAllVtids('vtid-2026-0001, DEV-CICDL-0031 and ops-db-1234; not VTID-2026-12').map((v) => v.vtid)).toEqual([
      'VTID-2026-0001',
      'DEV-CICDL-0031',
      'OPS-DB-1234',
    ]);
    expect(findAllVtids('nothing')).toEqual([]);
  });
});

describe('extractVtid: sources in priority order', () => {
  it('the first source with an id wins, even when a later one has an id further left', () => {
    expect(extractVtid(['PR: VTID-2026-0042', 'vt/dev-cicdl-0031', 'DEV-CICDL-0099 commit'])?.vtid).toBe('VTID-2026-0042');
  });

  it('skips sources without an id, null and undefined', () => {
    expect(extractVtid([null, 'Fix typo', undefined, 'vt/dev-cicdl-0031-phase2', 'VTID-2026-0042'])?.vtid).toBe('DEV-CICDL-0031');
    expect(extractVtid(['', 'VTID-2026-12', 'commit: VTID-2026-0042'])?.vtid).toBe('VTID-2026-0042');
  });

  it('none -> null (callers store UNSET)', () => {
    expect(extractVtid([])).toBeNull();
    expect(extractVtid(['main', 'Fix typo', null])).toBeNull();
    expect(UNSET_VTID).toBe('UNSET');
  });

  it('carries the family layer and module of the winning id', () => {
    expect(extractVtid(['no id', 'vt/ops-db-1234'])).toEqual({ vtid: 'OPS-DB-1234', kind: 'family', layer: 'OPS', module: 'DB' });
  });
});

describe('parseVtid: exactly one id', () => {
  it.each([
    ['VTID-2026-0042', 'VTID-2026-0042'],
    ['  vtid-2026-0042  ', 'VTID-2026-0042'],
    ['dev-cicdl-0031', 'DEV-CICDL-0031'],
  ])('%j -> %s', (text, vtid) => {
    expect(parseVtid(text)?.vtid).toBe(vtid);
  });

  it.each(['VTID-2026-0042 extra', 'x VTID-2026-0042', 'VTID-2026-12', 'vt/DEV-CICDL-0031', 'UNSET', ''])('%j -> null', (text) => {
    expect(parseVtid(text)).toBeNull();
  });
});

describe('ledger ids', () => {
  it('parseLedgerVtid accepts only VTID-YYYY-NNNN', () => {
    expect(parseLedgerVtid('VTID-2026-0042')).toEqual({ year: 2026, sequence: 42 });
    expect(parseLedgerVtid(' vtid-2026-10000 ')).toEqual({ year: 2026, sequence: 10000 });
    expect(parseLedgerVtid('DEV-CICDL-0031')).toBeNull();
    expect(parseLedgerVtid('VTID-2026-12')).toBeNull();
  });

  it('formatLedgerVtid pads to four digits and grows past 9999', () => {
    expect(formatLedgerVtid(2026, 1)).toBe('VTID-2026-0001');
    expect(formatLedgerVtid(2026, 9999)).toBe('VTID-2026-9999');
    expect(formatLedgerVtid(2026, 10000)).toBe('VTID-2026-10000');
    expect(parseVtid(formatLedgerVtid(2027, 10000))?.sequence).toBe(10000);
  });

  it.each([
    [999, 1],
    [10000, 1],
    [2026.5, 1],
    [2026, 0],
    [2026, -1],
    [2026, 1.5],
  ])('formatLedgerVtid(%d, %d) throws', (year, sequence) => {
    expect(() => formatLedgerVtid(year, sequence)).toThrow(RangeError);
  });
});

describe('bounded length: a VTID-shaped token of absurd length is not a VTID', () => {
  it('the longest id that is one has 59 characters and parses', () => {
    const longest = `${'A'.repeat(24)}-${'B'.repeat(24)}-${'9'.repeat(9)}`;
    expect(longest).toHaveLength(VTID_MAX_LENGTH);
    expect(parseVtid(longest)?.vtid).toBe(longest);
    expect(parseVtid('VTID-2026-123456789')?.sequence).toBe(123_456_789);
  });

  it.each([
    ['3,000 digits after VTID-2026-', `fix VTID-2026-${'7'.repeat(3_000)} now`],
    ['10 digits', 'VTID-2026-1234567890'],
    ['a 25-letter family word', `${'A'.repeat(25)}-CICDL-0031`],
    ['a family sequence of 10 digits', 'DEV-CICDL-0031000000'],
  ])('%s -> no id', (_label, text) => {
    expect(findVtid(text)).toBeNull();
  });

  it('an absurd token does not hide a real id after it', () => {
    expect(findVtid(`VTID-2026-${'1'.repeat(50)} then DEV-CICDL-0031`)?.vtid).toBe('DEV-CICDL-0031');
  });
});
