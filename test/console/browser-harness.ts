// Shared by the console's browser tests: the BUILT server binary (`keyhaven server --dev`), Debian's
// Chromium through playwright-core, a REST helper with the root token, axe-core in the page and
// screenshots at 1280×800 and 390×844 into test-artifacts/console/. The browser reaches only this
// machine: any request to another host is aborted and listed in `offMachine`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { assertBuiltCli, REPO_ROOT, scratchDir, startDevServer, type DevServer } from '../e2e/support/surface.js';

export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.CI === 'true')
    throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium for the console browser tests`);
  console.warn(`console browser tests SKIPPED: ${CHROMIUM} is missing (apt-get install -y chromium)`);
}
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'console');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
export const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

export interface Harness {
  server: DevServer;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  dir: string;
  cspViolations: string[];
  pageErrors: string[];
  requests: Array<{ url: string; body: string | null }>;
  /** Requests the browser tried to send off 127.0.0.1/localhost (aborted). */
  offMachine: string[];
  /** Replaces `context` and `page` with fresh ones (no cookies anywhere), with the same listeners. */
  freshContext: () => Promise<void>;
  api: (method: string, url: string, body?: unknown, tenant?: string | null) => Promise<any>;
  capture: (name: string) => Promise<void>;
  signIn: () => Promise<void>;
  close: () => Promise<void>;
}

/** `config` is the server's config file (or made from the scratch directory it lives in);
 *  `serverArgs` are added to `keyhaven server --dev` (a fixed `--listen` address, for example). */
export const startHarness = async (
  config: Record<string, unknown> | ((dir: string) => Record<string, unknown>) = { rotation: { enabled: false } },
  o: { serverArgs?: string[] } = {},
): Promise<Harness> => {
  assertBuiltCli();
  if (!existsSync(path.join(REPO_ROOT, 'packages/console/dist/index.html')))
    throw new Error('packages/console/dist is missing: run npm run build first.');
  mkdirSync(ARTIFACTS, { recursive: true });
  const dir = scratchDir('keyhaven-console-');
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(typeof config === 'function' ? config(dir) : config));
  const server = await startDevServer({ env: { KEYHAVEN_CONFIG: path.join(dir, 'config.json') }, args: o.serverArgs });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];
  const requests: Array<{ url: string; body: string | null }> = [];
  const offMachine: string[] = [];
  const open = async () => {
    const context = await browser.newContext({ viewport: SIZES.desktop });
    await context.route('**/*', (route) => {
      const host = new URL(route.request().url()).hostname;
      if (host === '127.0.0.1' || host === 'localhost') return route.continue();
      offMachine.push(route.request().url());
      return route.abort();
    });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('request', (r) => requests.push({ url: r.url(), body: r.postData() }));
    return { context, page };
  };
  let { context, page } = await open();

  const api = async (method: string, url: string, body?: unknown, tenant: string | null = 'default') => {
    const res = await fetch(server.url + url, {
      method,
      headers: {
        authorization: `Bearer ${server.rootToken}`,
        ...(tenant ? { 'x-tenant-id': tenant } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const accessibility = async (label: string) => {
    await page.evaluate(AXE_SOURCE);
    const result = await page.evaluate(async () => {
      const r = await (
        window as unknown as {
          axe: {
            run: (
              o: unknown,
            ) => Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> }>;
          };
        }
      ).axe.run({ resultTypes: ['violations'] });
      return r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
      }));
    });
    const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad, `${label}: axe violations ${JSON.stringify(bad, null, 1)}`).toEqual([]);
  };
  const capture = async (name: string) => {
    const page = h.page;
    for (const [size, viewport] of Object.entries(SIZES)) {
      await page.setViewportSize(viewport);
      await page.waitForTimeout(100);
      await accessibility(`${name} at ${size}`);
      await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${size}.png`), fullPage: true });
    }
    await page.setViewportSize(SIZES.desktop);
  };
  const signIn = async () => {
    const page = h.page;
    await page.goto(`${server.url}/ui/`);
    await page.getByLabel('Token').fill(server.rootToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Secrets', level: 1 }).waitFor();
  };
  const h: Harness = {
    server,
    browser,
    context,
    page,
    dir,
    cspViolations,
    pageErrors,
    requests,
    offMachine,
    freshContext: async () => {
      await h.context.close();
      ({ context, page } = await open());
      h.context = context;
      h.page = page;
    },
    api,
    capture,
    signIn,
    close: async () => {
      await browser.close();
      await server.stop();
    },
  };
  return h;
};
