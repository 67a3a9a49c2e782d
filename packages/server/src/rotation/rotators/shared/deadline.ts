// Bounds a network wait by the rotator's timeout and abort signal; on expiry it calls `onCancel`
// (e.g. destroy the socket) and rejects with a code the error sanitizer knows (DEADLINE / ABORTED).
export const withDeadline = <T>(work: Promise<T>, opts: { timeoutMs: number; signal?: AbortSignal; onCancel?: () => void }): Promise<T> => {
  if (opts.signal?.aborted) {
    opts.onCancel?.();
    return Promise.reject(Object.assign(new Error('aborted'), { code: 'ABORTED' }));
  }
  return new Promise<T>((resolve, reject) => {
    const finish = (fn: () => void) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const cancel = (code: string) => {
      opts.onCancel?.();
      finish(() => reject(Object.assign(new Error(code.toLowerCase()), { code })));
    };
    const onAbort = () => cancel('ABORTED');
    const timer = setTimeout(() => cancel('DEADLINE'), opts.timeoutMs);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => finish(() => resolve(v)),
      (e: unknown) => finish(() => reject(e)),
    );
  });
};
