/**
 * VTID parsing: pure, no I/O. Two id formats occur on the platform:
 *  - ledger ids   `VTID-2026-0042`  (year + a sequence of at least 4 digits)
 *  - family ids   `DEV-CICDL-0031`  (layer + module word parts + at least 4 digits)
 * Ids are matched case-insensitively (branch names are often lower-case), stored upper-case, and only
 * as a whole token: the characters around a match must not be letters or digits of any script.
 */

export const UNSET_VTID = 'UNSET';

export type VtidKind = 'ledger' | 'family';

export interface Vtid {
  /** The id, upper-case. */
  vtid: string;
  kind: VtidKind;
  /** Family ids carry their layer and module in the first two parts; ledger ids carry none. */
  layer?: string;
  module?: string;
  /** Ledger ids only. */
  year?: number;
  sequence?: number;
}

// Bounds: a sequence has at most 9 digits and a family word at most 24 letters, so the longest id is
// 59 characters: every id fits the columns that store it (oasis_agents.vtid is at most 64; a btree
// entry at most ~2.7 kB), and a VTID-shaped token of absurd length (a commit message with thousands
// of digits) is simply not a VTID instead of a row the database refuses.
export const VTID_MAX_LENGTH = 59;

// One pattern for both formats so "leftmost match wins" needs no second pass. The look-arounds make the
// token whole: `XDEV-CICDL-00311X`, `VTID-2026-00421234a` and `DEV-CICDL-0031é` do not match. Case is
// spelled out in the classes instead of using the `i` flag: with `iu`, `[a-z]` would also match `ſ` and
// the Kelvin sign through Unicode case folding; the `u` flag is needed for \p{L}\p{N}.
const TOKEN = /(?<![\p{L}\p{N}])(?:([Vv][Tt][Ii][Dd])-(\d{4})-(\d{4,9})|([A-Za-z]{2,24})-([A-Za-z]{2,24})-(\d{4,9}))(?![\p{L}\p{N}])/gu;

function fromMatch(m: RegExpExecArray): Vtid {
  const [whole, ledger, year, seq, layer, module] = m;
  const vtid = whole.toUpperCase();
  if (ledger) return { vtid, kind: 'ledger', year: Number(year), sequence: Number(seq) };
  return { vtid, kind: 'family', layer: layer!.toUpperCase(), module: module!.toUpperCase() };
}

/** All ids in `text`, leftmost first. */
export function findAllVtids(text: string): Vtid[] {
  const found: Vtid[] = [];
  for (const m of text.matchAll(TOKEN)) found.push(fromMatch(m as RegExpExecArray));
  return found;
}

/** The leftmost id in `text`, or null. */
export function findVtid(text: string | null | undefined): Vtid | null {
  if (!text) return null;
  TOKEN.lastIndex = 0;
  const m = TOKEN.exec(text);
  TOKEN.lastIndex = 0;
  return m ? fromMatch(m) : null;
}

/**
 * The first id found in `sources`, taken in priority order (for GitHub: PR title, then branch, then
 * commit messages). Returns null when none has one; callers store `UNSET_VTID` then.
 */
export function extractVtid(sources: ReadonlyArray<string | null | undefined>): Vtid | null {
  for (const source of sources) {
    const hit = findVtid(source);
    if (hit) return hit;
  }
  return null;
}

/** Parses a string that must be exactly one id (surrounding whitespace allowed). */
export function parseVtid(id: string): Vtid | null {
  const trimmed = id.trim();
  const hit = findVtid(trimmed);
  return hit && hit.vtid.length === trimmed.length ? hit : null;
}

const LEDGER_EXACT = /^VTID-(\d{4})-(\d{4,9})$/;

/** Exactly a ledger id (`VTID-YYYY-NNNN`, upper-case as stored). */
export function parseLedgerVtid(id: string): { year: number; sequence: number } | null {
  const m = LEDGER_EXACT.exec(id.trim().toUpperCase());
  if (!m) return null;
  return { year: Number(m[1]), sequence: Number(m[2]) };
}

/** `VTID-2026-0001`; sequences past 9999 simply grow (`VTID-2026-10000`). */
export function formatLedgerVtid(year: number, sequence: number): string {
  if (!Number.isInteger(year) || year < 1000 || year > 9999) throw new RangeError(`year out of range: ${year}`);
  if (!Number.isInteger(sequence) || sequence < 1) throw new RangeError(`sequence must be >= 1: ${sequence}`);
  return `VTID-${year}-${String(sequence).padStart(4, '0')}`;
}
