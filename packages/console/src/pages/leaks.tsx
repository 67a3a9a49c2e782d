// Scan findings that match stored secrets: a `keyhaven scan --format json` report, pasted or chosen
// as a file, is parsed here in the browser. Only each finding's SHA-256 digest goes to the server
// (POST /v1/fingerprints/match, as `keyhaven scan --vault` does); a report made with --reveal holds
// full values, and those are dropped while parsing, never kept, shown or sent. A matched secret can
// be emergency-rotated from its row, behind a confirmation.
import { useState } from 'preact/hooks';
import { api, type FingerprintMatch } from '../api';
import { DataTable } from '../components/table';
import { Badge, Confirm, ErrorNote, StatusNote } from '../components/ui';
import { href } from '../router';

interface Finding {
  ruleId: string;
  severity: string;
  file: string;
  line: number;
  redacted: string;
  sha256: string;
}
const SHA256 = /^[0-9a-f]{64}$/;
const MAX_HASHES = 10_000;

/** The findings of a JSON report, keeping only what is safe to hold: never the `secret` field. */
export const parseReport = (text: string): { findings: Finding[]; skipped: number; hadValues: boolean } => {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error('This is not JSON: run keyhaven scan with --format json and give its output.');
  }
  const list = Array.isArray(data) ? data : (data as { findings?: unknown } | null)?.findings;
  if (!Array.isArray(list)) throw new Error('No "findings" list in this report: run keyhaven scan with --format json.');
  const findings: Finding[] = [];
  let skipped = 0;
  let hadValues = false;
  for (const f of list as Array<Record<string, unknown>>) {
    if (f && typeof f === 'object' && 'secret' in f) hadValues = true;
    const sha = typeof f?.sha256 === 'string' ? f.sha256.toLowerCase() : '';
    if (!SHA256.test(sha)) {
      skipped++;
      continue;
    }
    findings.push({
      ruleId: String(f.ruleId ?? '?'),
      severity: String(f.severity ?? ''),
      file: String(f.file ?? '?'),
      line: Number(f.line ?? 0),
      redacted: typeof f.redacted === 'string' ? f.redacted : '…',
      sha256: sha,
    });
  }
  return { findings, skipped, hadValues };
};

export const LeaksPage = () => {
  const [text, setText] = useState('');
  const [findings, setFindings] = useState<Finding[] | null>(null);
  const [notes, setNotes] = useState<string[]>([]);
  const [matches, setMatches] = useState<Map<string, FingerprintMatch>>(new Map());
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [target, setTarget] = useState<{ secret: string; where: string } | null>(null);
  const [reason, setReason] = useState('');
  const [status, setStatus] = useState('');

  const match = async (list: Finding[]) => {
    const hashes = [...new Set(list.map((f) => f.sha256))].slice(0, MAX_HASHES);
    if (!hashes.length) {
      setMatches(new Map());
      return;
    }
    const r = await api.matchFingerprints(hashes);
    setMatches(new Map(r.matches.map((m) => [m.sha256, m])));
  };
  const check = async (raw: string) => {
    setBusy(true);
    setError(null);
    setStatus('');
    setFindings(null);
    try {
      const r = parseReport(raw);
      setText(''); // a --reveal report holds values: not kept in the form either
      const n: string[] = [];
      if (r.hadValues)
        n.push(
          'This report holds full values (made with --reveal): they were dropped in the browser and not sent. Only SHA-256 digests are sent.',
        );
      if (r.skipped) n.push(`${r.skipped} finding(s) without a valid sha256 were left out.`);
      setNotes(n);
      await match(r.findings);
      setFindings(r.findings);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const onFile = async (e: Event) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    const raw = await file.text();
    input.value = '';
    await check(raw);
  };

  const matched = (findings ?? []).filter((f) => matches.has(f.sha256));
  const secrets = [...new Set(matched.map((f) => matches.get(f.sha256)!.secret))];
  const whereOf = (secret: string) =>
    matched
      .filter((f) => matches.get(f.sha256)!.secret === secret)
      .map((f) => `${f.file}:${f.line}`)
      .slice(0, 3)
      .join(', ');

  return (
    <>
      <h1>Leaked secrets</h1>
      <p class="muted">
        Give the JSON report of <code>keyhaven scan --format json</code>. It is read in this browser; only the SHA-256 digest of each
        finding is sent to Keyhaven to find the stored secrets it matches. No value leaves the page.
      </p>
      <div class="grid-2">
        <section class="card" aria-labelledby="file-title">
          <h2 id="file-title">From a file</h2>
          <label class="field">
            <span>Scan report (JSON)</span>
            <input type="file" accept=".json,application/json" onChange={(e) => void onFile(e)} disabled={busy} />
          </label>
        </section>
        <form
          class="card"
          aria-labelledby="paste-title"
          onSubmit={(e) => {
            e.preventDefault();
            void check(text);
          }}
        >
          <h2 id="paste-title">Or paste it</h2>
          <label class="field">
            <span>Report text</span>
            <textarea
              rows={4}
              value={text}
              onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
              spellcheck={false}
              autocomplete="off"
            />
          </label>
          <button type="submit" class="primary" disabled={busy || !text.trim()}>
            Check against the vault
          </button>
        </form>
      </div>
      <ErrorNote error={error} />
      <StatusNote>{status}</StatusNote>
      {notes.map((n) => (
        <p key={n} class="note warn">
          {n}
        </p>
      ))}
      {busy ? <p role="status">Checking…</p> : null}
      {findings ? (
        <section aria-labelledby="found-title">
          <h2 id="found-title">
            {findings.length} finding{findings.length === 1 ? '' : 's'}, {matched.length} matching{' '}
            {secrets.length === 1 ? 'a stored secret' : `${secrets.length} stored secrets`}
          </h2>
          {secrets.length ? (
            <ul class="stats" aria-label="Matched secrets">
              {secrets.map((s) => (
                <li key={s} class="stat-bad">
                  <a href={href(`/secret/${s}`)}>{s}</a>{' '}
                  <button
                    type="button"
                    class="danger small"
                    onClick={() => {
                      setReason(`exposed in ${whereOf(s)} (console scan import)`);
                      setTarget({ secret: s, where: whereOf(s) });
                    }}
                    aria-label={`Emergency-rotate ${s}`}
                  >
                    Emergency-rotate…
                  </button>
                </li>
              ))}
            </ul>
          ) : (
            <p>None of these findings is a value stored in this tenant.</p>
          )}
          <DataTable
            label="Scan findings"
            columns={['Where', 'Rule', 'Severity', 'Found', 'In the vault']}
            items={findings}
            empty="The report has no findings."
            row={(f, i) => {
              const m = matches.get(f.sha256);
              return (
                <tr key={`${f.sha256}:${i}`} class={m ? 'row-bad' : ''}>
                  <td>
                    <code>
                      {f.file}:{f.line}
                    </code>
                  </td>
                  <td>{f.ruleId}</td>
                  <td>
                    <Badge kind={f.severity}>{f.severity}</Badge>
                  </td>
                  <td>
                    <code>{f.redacted}</code>
                  </td>
                  <td>
                    {m ? (
                      <>
                        <a href={href(`/secret/${m.secret}`)}>{m.secret}</a> v{m.version}
                        {m.label ? (
                          <>
                            {' '}
                            <Badge kind={m.label === 'current' ? 'bad' : 'none'}>{m.label}</Badge>
                          </>
                        ) : null}
                        {m.field ? (
                          <>
                            {' '}
                            field <code>{m.field}</code>
                          </>
                        ) : null}
                      </>
                    ) : (
                      <span class="muted">not stored</span>
                    )}
                  </td>
                </tr>
              );
            }}
          />
        </section>
      ) : null}

      {target ? (
        <Confirm
          title={`Emergency-rotate ${target.secret}?`}
          confirmLabel="Emergency-rotate"
          danger
          onClose={() => setTarget(null)}
          onConfirm={async () => {
            const r = await api.emergencyRotateOne(target.secret, reason);
            setStatus(`${r.secret_name}: emergency rotation ${r.status}${r.new_version ? `, now at version ${r.new_version}` : ''}.`);
            if (findings) await match(findings);
          }}
        >
          <p>
            <strong>{target.secret}</strong> was found in {target.where}. It gets a new value now and its old credentials are revoked on the
            target: every client still using the leaked value fails until it fetches the new one.
          </p>
          <label class="field">
            <span>Reason (kept in the history)</span>
            <input value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} maxLength={500} />
          </label>
        </Confirm>
      ) : null}
    </>
  );
};
