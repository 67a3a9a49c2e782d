// Notifications (the tenant's admins): subscriptions (list; add a webhook, Slack or NATS one with
// its filters, a generated signing secret shown once; send a test; switch on or off; remove behind a
// confirmation), dead letters with retry (one or all), and the secrets waiting for a manual rotation.
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, secretPath, type Delivery, type ManualRotation, type NewSubscription, type Subscription } from '../api';
import { DataTable } from '../components/table';
import { Badge, Confirm, ErrorNote, StatusNote } from '../components/ui';
import { href } from '../router';
import { relative, when } from '../format';

const CRITICALITIES = ['low', 'medium', 'high', 'critical'];

/** Where a subscription sends to, without its secret settings. */
const destination = (s: Subscription) => {
  const c = s.config as { url?: string; servers?: string[]; subject?: string };
  if (c.url) return c.url;
  if (c.servers) return `${c.servers.join(', ')}${c.subject ? ` → ${c.subject}` : ''}`;
  return s.channel === 'slack' ? 'Slack incoming webhook (stored sealed)' : '—';
};

/** A URL that wraps after its slashes rather than inside a word (copying it gives the plain URL). */
const Wrapped = ({ text }: { text: string }) => (
  <>
    {text.split(/(?<=[/?&])/).map((part, i) => (
      <Fragment key={i}>
        {part}
        <wbr />
      </Fragment>
    ))}
  </>
);

const emptyForm = {
  id: '',
  channel: 'webhook',
  url: '',
  subject: 'keyhaven.{tenant}.{type}',
  events: [] as string[],
  minCrit: '',
  prefix: '',
};

const Subscriptions = ({ eventTypes, channels, onChange }: { eventTypes: string[]; channels: string[]; onChange: () => void }) => {
  const [items, setItems] = useState<Subscription[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const [form, setForm] = useState(emptyForm);
  const [secret, setSecret] = useState<{ id: string; value: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [deleting, setDeleting] = useState<Subscription | null>(null);
  const load = () =>
    api.subscriptions().then(
      (r) => {
        setItems(r.items);
      },
      (e) => {
        setError(e);
        setItems([]);
      },
    );
  useEffect(() => {
    void load();
  }, []);
  const act = async (what: () => Promise<string>) => {
    setError(null);
    setStatus('');
    try {
      setStatus(await what());
      await load();
      onChange();
    } catch (e) {
      setError(e);
    }
  };
  const create = (e: Event) => {
    e.preventDefault();
    setSecret(null);
    setCopied(false);
    const config: Record<string, unknown> =
      form.channel === 'slack'
        ? { webhook_url: form.url.trim() }
        : form.channel === 'nats'
          ? { servers: [form.url.trim()], subject: form.subject.trim() }
          : { url: form.url.trim() };
    const body: NewSubscription = {
      id: form.id.trim(),
      channel: form.channel,
      config,
      ...(form.events.length ? { event_types: form.events } : {}),
      ...(form.minCrit ? { min_criticality: form.minCrit } : {}),
      ...(form.prefix.trim() ? { name_prefix: form.prefix.trim() } : {}),
    };
    void act(async () => {
      const s = await api.createSubscription(body);
      const generated = (s.generated as { signing_secret?: string } | undefined)?.signing_secret;
      if (generated) setSecret({ id: s.id, value: generated });
      setForm({ ...emptyForm, channel: form.channel });
      return `Subscription "${s.id}" added.`;
    });
  };
  const urlLabel = form.channel === 'slack' ? 'Slack webhook URL' : form.channel === 'nats' ? 'NATS server' : 'Webhook URL';
  return (
    <section aria-labelledby="subs-title">
      <h2 id="subs-title">Subscriptions</h2>
      <form class="filters" aria-label="Add a subscription" onSubmit={create}>
        <label class="field">
          <span>Id</span>
          <input
            value={form.id}
            onInput={(e) => setForm({ ...form, id: (e.target as HTMLInputElement).value })}
            required
            maxLength={64}
            pattern="[a-z0-9][a-z0-9_-]*"
            title="lower-case letters, digits, - and _"
            placeholder="ops"
          />
        </label>
        <label class="field">
          <span>Channel</span>
          <select value={form.channel} onChange={(e) => setForm({ ...form, channel: (e.target as HTMLSelectElement).value })}>
            {channels.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label class="field grow">
          <span>{urlLabel}</span>
          <input
            value={form.url}
            onInput={(e) => setForm({ ...form, url: (e.target as HTMLInputElement).value })}
            required
            maxLength={2048}
            inputMode="url"
            spellcheck={false}
            placeholder={form.channel === 'nats' ? 'nats://127.0.0.1:4222' : 'https://ops.example.com/keyhaven'}
          />
        </label>
        {form.channel === 'nats' ? (
          <label class="field">
            <span>Subject</span>
            <input value={form.subject} onInput={(e) => setForm({ ...form, subject: (e.target as HTMLInputElement).value })} required />
          </label>
        ) : null}
        <label class="field">
          <span>Minimum criticality</span>
          <select value={form.minCrit} onChange={(e) => setForm({ ...form, minCrit: (e.target as HTMLSelectElement).value })}>
            <option value="">any</option>
            {CRITICALITIES.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Name prefix</span>
          <input
            value={form.prefix}
            onInput={(e) => setForm({ ...form, prefix: (e.target as HTMLInputElement).value })}
            maxLength={256}
            placeholder="prod/"
          />
        </label>
        <fieldset class="field events">
          <legend>Events (none checked: every event)</legend>
          {eventTypes.map((t) => (
            <label class="check" key={t}>
              <input
                type="checkbox"
                checked={form.events.includes(t)}
                onChange={(e) =>
                  setForm({
                    ...form,
                    events: (e.target as HTMLInputElement).checked ? [...form.events, t] : form.events.filter((x) => x !== t),
                  })
                }
              />{' '}
              <code>{t}</code>
            </label>
          ))}
        </fieldset>
        <div class="actions">
          <button type="submit" class="primary">
            Add subscription
          </button>
        </div>
      </form>
      <ErrorNote error={error} />
      <StatusNote>{status}</StatusNote>
      {secret ? (
        <div class="card new-token" role="status">
          <p>
            <strong>Signing secret of "{secret.id}".</strong> Receivers verify <code>X-Keyhaven-Signature</code> with it. It is shown this
            once: Keyhaven keeps it sealed and never lists it.
          </p>
          <pre class="value" data-testid="signing-secret">
            {secret.value}
          </pre>
          <div class="actions">
            <button
              type="button"
              class="secondary"
              onClick={() => void navigator.clipboard.writeText(secret.value).then(() => setCopied(true))}
            >
              {copied ? 'Copied' : 'Copy'}
            </button>
            <button type="button" class="primary" onClick={() => setSecret(null)}>
              Done, hide it
            </button>
          </div>
        </div>
      ) : null}
      {items === null ? (
        <p role="status">Loading subscriptions…</p>
      ) : (
        <DataTable
          label="Subscriptions"
          columns={['Id', 'Channel', 'Destination', 'Events', 'Filters', 'State', '']}
          items={items}
          empty="No subscriptions: events are not sent anywhere."
          row={(s) => (
            <tr key={s.id} class={s.enabled ? '' : 'row-muted'}>
              <td>
                <strong>{s.id}</strong>
                <div class="muted" title={when(s.created_at)}>
                  added {relative(s.created_at)}
                </div>
              </td>
              <td>{s.channel}</td>
              <td class="break">
                <Wrapped text={destination(s)} />
              </td>
              <td>
                {s.event_types.length
                  ? s.event_types.map((t) => (
                      <code key={t} class="tag">
                        {t}
                      </code>
                    ))
                  : 'every event'}
              </td>
              <td>
                {s.min_criticality ? `${s.min_criticality} and above` : 'any criticality'}
                {s.name_prefix ? (
                  <>
                    {', under '}
                    <code>{s.name_prefix}</code>
                  </>
                ) : null}
              </td>
              <td>
                <Badge kind={s.enabled ? 'success' : 'none'}>{s.enabled ? 'enabled' : 'disabled'}</Badge>
              </td>
              <td>
                <div class="actions">
                  <button
                    type="button"
                    class="secondary small"
                    aria-label={`Send test to ${s.id}`}
                    onClick={() =>
                      void act(async () => {
                        const r = await api.testSubscription(s.id);
                        return `Test event ${r.event_id} delivered to "${s.id}".`;
                      })
                    }
                  >
                    Send test
                  </button>
                  <button
                    type="button"
                    class="secondary small"
                    aria-label={`${s.enabled ? 'Disable' : 'Enable'} ${s.id}`}
                    onClick={() =>
                      void act(async () => {
                        await api.setSubscriptionEnabled(s.id, !s.enabled);
                        return `Subscription "${s.id}" ${s.enabled ? 'disabled' : 'enabled'}.`;
                      })
                    }
                  >
                    {s.enabled ? 'Disable' : 'Enable'}
                  </button>
                  <button type="button" class="danger small" aria-label={`Delete ${s.id}`} onClick={() => setDeleting(s)}>
                    Delete…
                  </button>
                </div>
              </td>
            </tr>
          )}
        />
      )}
      {deleting ? (
        <Confirm
          title={`Delete subscription "${deleting.id}"?`}
          confirmLabel="Delete subscription"
          danger
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api.deleteSubscription(deleting.id);
            setStatus(`Subscription "${deleting.id}" deleted.`);
            await load();
            onChange();
          }}
        >
          <p>
            Events stop going to <strong>{destination(deleting)}</strong>, and what it still had to deliver (pending deliveries and dead
            letters) is dropped. Its signing secret is gone with it: a new subscription gets a new one.
          </p>
        </Confirm>
      ) : null}
    </section>
  );
};

const DeadLetters = ({ version }: { version: number }) => {
  const [items, setItems] = useState<Delivery[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const load = () =>
    api.deadLetters().then(
      (r) => setItems(r.items),
      (e) => {
        setError(e);
        setItems([]);
      },
    );
  useEffect(() => {
    void load();
  }, [version]);
  const retry = async (what: () => Promise<{ retried: number }>) => {
    setError(null);
    setStatus('');
    try {
      const r = await what();
      setStatus(
        `${r.retried} deliver${r.retried === 1 ? 'y' : 'ies'} queued again; the worker sends ${r.retried === 1 ? 'it' : 'them'} shortly.`,
      );
      await load();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section aria-labelledby="dead-title">
      <h2 id="dead-title">Dead letters</h2>
      <p class="muted">Deliveries that failed every attempt. A retry starts the attempts over.</p>
      <ErrorNote error={error} />
      <StatusNote>{status}</StatusNote>
      {items === null ? (
        <p role="status">Loading dead letters…</p>
      ) : (
        <>
          {items.length ? (
            <div class="actions">
              <button type="button" class="secondary" onClick={() => void retry(() => api.retryAllDeadLetters())}>
                Retry all ({items.length})
              </button>
            </div>
          ) : null}
          <DataTable
            label="Dead letters"
            columns={['Delivery', 'Subscription', 'Event', 'Secret', 'Attempts', 'Last error', 'Since', '']}
            items={items}
            empty="No dead letters."
            row={(d) => (
              <tr key={d.id} class="row-bad">
                <td>
                  <code>{d.id}</code>
                </td>
                <td>{d.subscription}</td>
                <td>
                  <code>{d.type}</code>
                </td>
                <td>{d.secret ? <a href={href(`/secret/${secretPath(d.secret)}`)}>{d.secret}</a> : '—'}</td>
                <td>{d.attempts}</td>
                <td class="break">{d.last_error ?? '—'}</td>
                <td class="nowrap" title={when(d.created_at)}>
                  {relative(d.created_at)}
                </td>
                <td>
                  <button
                    type="button"
                    class="secondary small"
                    aria-label={`Retry delivery ${d.id}`}
                    onClick={() => void retry(() => api.retryDeadLetter(d.id))}
                  >
                    Retry
                  </button>
                </td>
              </tr>
            )}
          />
        </>
      )}
    </section>
  );
};

const Reminders = () => {
  const [items, setItems] = useState<ManualRotation[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.manualRotations(30).then(
      (r) => setItems(r.items),
      (e) => {
        setError(e);
        setItems([]);
      },
    );
  }, []);
  return (
    <section aria-labelledby="reminders-title">
      <h2 id="reminders-title">Manual rotations due</h2>
      <p class="muted">
        Secrets with an expiry date and no automatic rotation, expired or expiring within 30 days: <code>secret.expiry_reminder</code>{' '}
        events are sent for these.
      </p>
      <ErrorNote error={error} />
      {items === null ? (
        <p role="status">Loading reminders…</p>
      ) : (
        <DataTable
          label="Manual rotations due"
          columns={['Secret', 'Expires', 'Days left', 'Criticality', 'Owner']}
          items={items}
          empty="Nothing expires within 30 days."
          row={(m) => (
            <tr key={m.name} class={m.status === 'expired' ? 'row-bad' : ''}>
              <td>
                <a href={href(`/secret/${secretPath(m.name)}`)}>{m.name}</a>
              </td>
              <td class="nowrap">
                {when(m.expires_at)} {m.status === 'expired' ? <Badge kind="bad">expired</Badge> : null}
              </td>
              <td>{m.days_left}</td>
              <td>{m.criticality ?? '—'}</td>
              <td>{m.owner ?? '—'}</td>
            </tr>
          )}
        />
      )}
    </section>
  );
};

export const NotificationsPage = () => {
  const [kinds, setKinds] = useState<{ channels: string[]; events: string[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    api.notificationChannels().then(
      (r) => setKinds({ channels: r.channels.map((c) => c.kind), events: r.event_types }),
      (e) => setError(e),
    );
  }, []);
  return (
    <>
      <h1>Notifications</h1>
      <p class="muted">
        Events about this tenant's secrets go to webhooks (signed), Slack and NATS. Delivery is at least once: receivers deduplicate on the
        event id. No secret value is ever part of an event.
      </p>
      <ErrorNote error={error} />
      {kinds ? <Subscriptions eventTypes={kinds.events} channels={kinds.channels} onChange={() => setVersion(version + 1)} /> : null}
      <DeadLetters version={version} />
      <Reminders />
    </>
  );
};
