// `keyhaven rotation register`, `keyhaven schedule`, `keyhaven schedules` and `keyhaven history`:
// registering secrets for rotation, their schedules, and the rotation history.
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { print, renderTable, shortDate } from '../output.js';

const parseJson = (flag: string, raw: string | undefined) => {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw new UsageError(`${flag} must be a JSON object, e.g. '{"strategy":"single"}'.`);
  }
};
const int = (flag: string, raw: string | undefined) => {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new UsageError(`${flag} must be a whole number.`);
  return n;
};
const windowOf = (o: { days?: string; businessDays?: boolean; hours?: string; windowTz?: string }) => {
  if (!o.days && !o.businessDays && !o.hours) return undefined;
  const hours = o.hours?.match(/^(\d{1,2})-(\d{1,2})$/);
  if (o.hours && !hours) throw new UsageError('--hours must look like 2-5 (local hours, start-end).');
  return {
    days: o.days?.split(',').map((d) => d.trim().toLowerCase().slice(0, 3)),
    business_days: o.businessDays,
    hours: hours ? { start: Number(hours[1]), end: Number(hours[2]) } : undefined,
    timezone: o.windowTz,
  };
};
type ScheduleFlags = {
  intervalDays?: string;
  cron?: string;
  tz?: string;
  days?: string;
  businessDays?: boolean;
  hours?: string;
  windowTz?: string;
  auto?: boolean;
  criticality?: string;
  beforeExpiryDays?: string;
};
const scheduleOptions = (cmd: Command) =>
  cmd
    .option('--interval-days <n>', 'days between rotations')
    .option('--cron <expr>', 'cron expression instead of an interval')
    .option('--tz <zone>', 'time zone of the cron expression (IANA, default UTC)')
    .option('--days <list>', 'window: allowed days, e.g. mon,tue,wed')
    .option('--business-days', 'window: Monday to Friday only')
    .option('--hours <start-end>', 'window: allowed local hours, e.g. 2-5')
    .option('--window-tz <zone>', 'window: time zone')
    .option('--no-auto', 'turn automatic rotation off')
    .option('--criticality <level>', 'low, medium, high or critical')
    .option('--before-expiry-days <n>', 'rotate this many days before the secret expires');
const scheduleBody = (o: ScheduleFlags) => ({
  rotation_interval_days: int('--interval-days', o.intervalDays),
  cron: o.cron,
  timezone: o.tz,
  window: windowOf(o),
  auto_rotation_enabled: o.auto === false ? false : undefined,
  criticality: o.criticality as 'high' | undefined,
  rotate_before_expiry_days: int('--before-expiry-days', o.beforeExpiryDays),
});

export const registerScheduleCommands = (program: Command, ctx: CommandContext) => {
  const rotation = program.command('rotation').description('register secrets for rotation');
  scheduleOptions(
    rotation
      .command('register')
      .description('register a secret for rotation (creates it with a generated value when missing)')
      .argument('<name>', 'secret name')
      .option('--rotator <kind>', 'generated, postgres, mysql, redis, webhook…', 'generated')
      .option('--config <json>', 'rotator configuration (JSON)')
      .option('--admin-secret <name>', 'Keyhaven secret holding the admin credential the rotator uses')
      .option('--type <type>', 'secret type (api_key, database_credentials, …)')
      .option('--generator <kind>', 'value generator (default: by secret type)')
      .option('--generator-options <json>', 'generator options (JSON)')
      .option('--provider <name>', 'provider-backed rotation (needs the provider rotator)')
      .option('--description <text>', 'description'),
  )
    .addHelpText(
      'after',
      `
Examples:
  keyhaven rotation register openai-api-key --type api_key --interval-days 30 --criticality high
  keyhaven rotation register pg/app --rotator postgres --config '{"strategy":"alternating","users":["app_a","app_b"]}' --admin-secret pg/admin`,
    )
    .action(
      async (
        name: string,
        o: ScheduleFlags & {
          rotator: string;
          config?: string;
          adminSecret?: string;
          type?: string;
          generator?: string;
          generatorOptions?: string;
          provider?: string;
          description?: string;
        },
      ) => {
        const r = await ctx.getClient().rotation.register(name, {
          ...scheduleBody(o),
          rotator: o.provider && o.rotator === 'generated' ? undefined : o.rotator,
          rotator_config: parseJson('--config', o.config),
          admin_credential_secret: o.adminSecret,
          secret_type: o.type,
          generator: o.generator ? { kind: o.generator, options: parseJson('--generator-options', o.generatorOptions) } : undefined,
          provider_name: o.provider,
          description: o.description,
        });
        print(
          ctx.io,
          ctx.globals().format,
          r,
          () =>
            `Registered ${name} (${r.rotator}); next rotation ${shortDate(r.next_rotation_date)}${r.secret_created ? ' — secret created with a generated value' : ''}\n`,
        );
      },
    );

  scheduleOptions(
    program.command('schedule').description('change the rotation schedule of a registered secret').argument('<name>', 'secret name'),
  )
    .addHelpText(
      'after',
      `
Examples:
  keyhaven schedule openai-api-key --interval-days 30
  keyhaven schedule pg/app --cron "0 3 * * 1" --tz Europe/Paris --business-days --hours 2-5`,
    )
    .action(async (name: string, o: ScheduleFlags) => {
      if (o.intervalDays && o.cron) throw new UsageError('Give either --interval-days or --cron.');
      const r = await ctx.getClient().rotation.schedule(name, scheduleBody(o));
      print(ctx.io, ctx.globals().format, r, () => `Next rotation of ${name}: ${shortDate(r.next_rotation_date)}\n`);
    });

  program
    .command('schedules')
    .description('list rotation schedules')
    .action(async () => {
      const items = await ctx.getClient().rotation.schedules();
      print(ctx.io, ctx.globals().format, items, () =>
        renderTable(
          items,
          [
            { header: 'SECRET', value: (i) => i.secret_name },
            { header: 'ROTATOR', value: (i) => i.rotator },
            { header: 'EVERY', value: (i) => (i.cron ? `${i.cron} (${i.timezone})` : `${i.rotation_interval_days}d`) },
            { header: 'AUTO', value: (i) => (i.auto_rotation_enabled ? 'yes' : 'no') },
            { header: 'CRITICALITY', value: (i) => i.criticality },
            { header: 'NEXT', value: (i) => shortDate(i.next_rotation_date) },
            { header: 'LAST', value: (i) => i.last_status },
          ],
          ctx.io.color,
        ),
      );
    });

  program
    .command('history')
    .description('rotation history (all secrets, or one)')
    .argument('[name]', 'secret name')
    .option('--status <status>', 'success, failed, partial, rolled_back, in_progress')
    .option('--method <method>', 'automatic, manual, emergency, rollback')
    .option('--limit <n>', 'rows', '50')
    .action(async (name: string | undefined, o: { status?: string; method?: string; limit: string }) => {
      const items = await ctx
        .getClient()
        .rotation.history({ secret_name: name, status: o.status, method: o.method, limit: int('--limit', o.limit) });
      print(ctx.io, ctx.globals().format, items, () =>
        renderTable(
          items,
          [
            { header: 'DATE', value: (i) => shortDate(i.rotation_date) },
            { header: 'SECRET', value: (i) => i.secret_name },
            { header: 'STATUS', value: (i) => i.rotation_status },
            { header: 'METHOD', value: (i) => i.rotation_method },
            { header: 'VERSIONS', value: (i) => `${i.previous_version ?? '-'} → ${i.new_version ?? '-'}` },
            { header: 'SECONDS', value: (i) => i.duration_seconds },
            { header: 'ATTEMPT', value: (i) => i.attempt },
            { header: 'ACTOR', value: (i) => i.actor },
            { header: 'ERROR', value: (i) => (i.error_code ? `${i.error_code}: ${i.error_message}` : '') },
          ],
          ctx.io.color,
        ),
      );
    });
};
