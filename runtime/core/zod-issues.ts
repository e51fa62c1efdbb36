import type { z } from 'zod';

export interface DescribeIssuesOptions {
  /**
   * What stands between an issue's path and its message: ': ' in a 400 ("status: Invalid option"),
   * ' ' for a setting, whose path is the variable's name ("PORT must be an integer").
   */
  afterPath: string;
}

/**
 * Zod issues as one line, every issue named by its path: `path<afterPath>message; …` (an issue with
 * no path is its message alone). Used for the 400s of request validation and for the start-up
 * refusal of a bad setting. Not z.prettifyError(): it writes two lines per issue ("✖ message",
 * "  → at path"), while a start-up refusal is one line naming each setting, and the public 400
 * messages and the configuration error texts are fixed by tests that assert them.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], options: DescribeIssuesOptions): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}${options.afterPath}${issue.message}` : issue.message;
    })
    .join('; ');
}
