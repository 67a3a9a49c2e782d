// Lint fixture, never run: keyhaven/single-exit-code outside the CLI's entry points.
export const fail = () => {
  process.exitCode = 1; // ✗ keyhaven/single-exit-code
};
export const failUnlessSet = () => {
  process.exitCode ??= 2; // ✗ keyhaven/single-exit-code
};
export const read = () => Number(process.exitCode ?? 0);
