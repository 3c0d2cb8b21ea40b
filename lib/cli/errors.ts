/**
 * The two kinds of expected failure a task reports in one or two lines instead of a stack trace
 * (lib/cli/boundary.ts): a bad command line (exit 2), and anything else the user can fix — missing
 * or damaged data, an unwritable or full output folder, impossible model settings (exit 1).
 * Their messages say what happened, which file or flag, and what to do.
 */
export class UsageError extends Error {
  override name = "UsageError";
}

export class UserError extends Error {
  override name = "UserError";
}
