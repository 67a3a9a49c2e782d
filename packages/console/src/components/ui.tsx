// Shared pieces: a confirmation dialog (native <dialog>: focus kept inside, Escape cancels), error
// and status notices announced to screen readers, labels (current/pending/previous) and badges.
import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure } from '../api';

export const errorText = (e: unknown) =>
  e instanceof ApiFailure
    ? `${e.message} (${e.code}${e.requestId ? `, request ${e.requestId}` : ''})`
    : e instanceof Error
      ? e.message
      : String(e);

export const ErrorNote = ({ error }: { error: unknown }) =>
  error ? (
    <p class="note error" role="alert">
      {errorText(error)}
    </p>
  ) : null;

export const StatusNote = ({ children }: { children?: ComponentChildren }) =>
  children ? (
    <p class="note ok" role="status">
      {children}
    </p>
  ) : null;

export const Badge = ({ kind, children }: { kind: string; children: ComponentChildren }) => (
  <span class={`badge badge-${kind}`}>{children}</span>
);

/** An audit entry's outcome as a badge, with its error code when there is one. */
export const Outcome = ({ outcome, errorCode }: { outcome: string; errorCode?: string | null }) => (
  <>
    <Badge kind={outcome}>{outcome}</Badge>
    {errorCode ? (
      <>
        {' '}
        <code>{errorCode}</code>
      </>
    ) : null}
  </>
);

export const Confirm = (p: {
  title: string;
  confirmLabel: string;
  danger?: boolean;
  requireText?: string;
  children: ComponentChildren;
  onConfirm: () => Promise<void> | void;
  onClose: () => void;
}) => {
  const ref = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const d = ref.current!;
    d.showModal();
    const close = () => p.onClose();
    d.addEventListener('close', close);
    return () => d.removeEventListener('close', close);
  }, []);
  const ready = !p.requireText || typed === p.requireText;
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!ready || busy) return;
    setBusy(true);
    setError(null);
    try {
      await p.onConfirm();
      ref.current?.close();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <dialog ref={ref} class="confirm" aria-labelledby="confirm-title">
      <form onSubmit={submit}>
        <h2 id="confirm-title">{p.title}</h2>
        <div class="confirm-body">{p.children}</div>
        {p.requireText ? (
          <label class="field">
            <span>
              Type <code>{p.requireText}</code> to confirm
            </span>
            <input value={typed} onInput={(e) => setTyped((e.target as HTMLInputElement).value)} autocomplete="off" spellcheck={false} />
          </label>
        ) : null}
        <ErrorNote error={error} />
        <div class="actions">
          <button type="button" class="secondary" onClick={() => ref.current?.close()}>
            Cancel
          </button>
          <button type="submit" class={p.danger ? 'danger' : 'primary'} disabled={!ready || busy}>
            {busy ? 'Working…' : p.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
};

/** A table in a labelled region, reachable by keyboard. On a narrow screen each row becomes a
 *  card whose cells are labelled with their column's header (copied into data-label after each render). */
export const TableWrap = ({ label, children }: { label: string; children: ComponentChildren }) => {
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const heads = [...(ref.current?.querySelectorAll('thead th') ?? [])].map((th) => th.textContent ?? '');
    ref.current
      ?.querySelectorAll('tbody tr')
      .forEach((tr) => [...tr.children].forEach((td, i) => td.setAttribute('data-label', heads[i] ?? '')));
  });
  return (
    <div ref={ref} class="table-wrap stack" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
};
