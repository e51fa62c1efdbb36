import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssues } from '../../runtime/core/zod-issues.js';

/** Every issue on one line, named by its path, in the form each caller asks for. */
describe('describeIssues', () => {
  const schema = z.object({ status: z.enum(['ok', 'failed']), nested: z.object({ at: z.iso.datetime() }) });
  const issues = () => {
    const parsed = schema.safeParse({ status: 'maybe', nested: { at: 'yesterday' } });
    if (parsed.success) throw new Error('the input was meant to fail');
    return parsed.error.issues;
  };

  it('joins path and message with what stands after the path, issues with "; "', () => {
    expect(describeIssues(issues(), { afterPath: ': ' })).toBe('status: Invalid option: expected one of "ok"|"failed"; nested.at: Invalid ISO datetime');
    expect(describeIssues(issues(), { afterPath: ' ' })).toBe('status Invalid option: expected one of "ok"|"failed"; nested.at Invalid ISO datetime');
  });

  it('an issue without a path is its message alone', () => {
    const parsed = z.string().safeParse(1);
    expect(parsed.success).toBe(false);
    expect(describeIssues(parsed.error!.issues, { afterPath: ': ' })).toBe('Invalid input: expected string, received number');
  });
});
