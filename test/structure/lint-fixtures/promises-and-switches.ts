// Lint fixture, never run: the type-aware typescript-eslint rules are on, with src/ severities.
const later = async () => 1;
type Kind = 'a' | 'b';

export const floating = () => {
  later(); // ✗ @typescript-eslint/no-floating-promises
};
export const handled = () => {
  void later();
  later().catch(() => {});
};
export const misused = (xs: number[]) => xs.forEach(async () => { await later(); }); // ✗ @typescript-eslint/no-misused-promises
export const notThenable = async () => await 1; // ✗ @typescript-eslint/await-thenable
export const missing = (k: Kind) => {
  switch (k) { // ✗ @typescript-eslint/switch-exhaustiveness-check
    case 'a':
      return 1;
  }
  return 0;
};
export const complete = (k: Kind) => {
  switch (k) {
    case 'a':
      return 1;
    case 'b':
      return 2;
  }
};
export const unused = (x: number) => {
  const y = x + 1; // ✗ @typescript-eslint/no-unused-vars
  return x;
};
