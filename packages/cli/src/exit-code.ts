// The one way a command reports a non-zero exit code without throwing (scan: findings, rotate: a failed
// rotation, status: not authenticated). A code once raised is never lowered, so a later success along
// the same path cannot overwrite a failure (lint rule keyhaven/single-exit-code keeps this the only way).

/** Raises process.exitCode to `code`; a lower code (a later 0) leaves the higher one in place. */
export const raiseExitCode = (code: number): void => {
  const current = Number(process.exitCode ?? 0);
  if (code > current || process.exitCode === undefined) process.exitCode = Math.max(code, current);
};
