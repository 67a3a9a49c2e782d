// More vendor formats, so that every vendor covered by gitleaks, Nosey Parker and secretlint is covered
// here too: prefixed tokens (Adafruit IO, Firecrawl, Tavily, Jina, Cast AI, StackHawk, Dependency-Track,
// Chief Tools, Adobe, ClickHouse Cloud, OpenShift, Intra42, Authress, Beamer, GitLab routable tokens...)
// and vendor-keyed secrets (Finicity, Finnhub, Flickr, Freshbooks, KuCoin, Lob, Looker, NYTimes...).
import type { Rule } from '../types.js';
import { A36, A62, B64, B64URL, HEX, NUM, fake, keyed, tok, uuid, UUID_RE } from './define.js';

const url = (r: Omit<Rule, 'severity' | 'confidence'> & Partial<Pick<Rule, 'severity' | 'confidence'>>): Rule => ({ severity: 'high', confidence: 'high', ...r });

export const vendorRules: Rule[] = [
  tok({ id: 'adafruit-io-key', description: 'Adafruit IO key', prefix: 'aio_', body: [[A62, 28]], entropy: 3.5 }),
  tok({ id: 'firecrawl-api-key', description: 'Firecrawl API key', prefix: 'fc-', body: [[HEX, 32]], entropy: 3 }),
  tok({ id: 'tavily-api-key', description: 'Tavily API key', prefix: 'tvly-', keywords: ['tvly-'], body: [[A62, 32]], entropy: 3.5 }),
  tok({ id: 'jina-api-key', description: 'Jina AI API key', prefix: 'jina_', body: [[A62, 60]], entropy: 3.5 }),
  tok({ id: 'castai-api-key', description: 'Cast AI API key', prefix: 'castai_v1_', body: [[A62, 64], '_', [A62, 8]] }),
  tok({ id: 'stackhawk-api-key', description: 'StackHawk API key', prefix: 'hawk.', body: [[B64URL, 20], '.', [B64URL, 20]], entropy: 3.5 }),
  tok({ id: 'dependency-track-api-key', description: 'Dependency-Track API key', prefix: 'odt_', body: [[A62, 32, 255]], entropy: 3.5 }),
  tok({ id: 'chieftools-token', description: 'Chief Tools personal/access/refresh token', prefix: 'ct', keywords: ['ctp_', 'cto_', 'ctr_'], body: [[{ chars: 'por', cls: 'por' }, 1], '_', [A62, 30, 248]], entropy: 3.5 }),
  tok({ id: 'adobe-client-secret', description: 'Adobe OAuth client secret', prefix: 'p8e-', body: [[A36, 32]], entropy: 3 }),
  keyed({ id: 'adobe-client-id', description: 'Adobe OAuth client ID', ids: ['adobe'], secret: [HEX, 32], severity: 'medium', confidence: 'low' }),
  tok({ id: 'clickhouse-cloud-api-secret', description: 'ClickHouse Cloud API secret key', prefix: '4b1d', body: [[A62, 38]], entropy: 3.5 }),
  tok({ id: 'openshift-user-token', description: 'OpenShift user (OAuth) token', prefix: 'sha256~', body: [[B64URL, 43]], entropy: 3.5 }),
  tok({ id: 'intra42-client-secret', description: '42 Intra client secret', prefix: 's-s4t2', keywords: ['s-s4t2'], body: [[{ chars: 'ua', cls: 'ua' }, 1], [{ chars: 'df', cls: 'df' }, 1], '-', [HEX, 64]] }),
  {
    id: 'authress-access-key', description: 'Authress service client access key', keywords: ['sc_', 'ext_', 'scauth_', 'authress_'],
    pattern: /(?<![\w-])((?:sc|ext|scauth|authress)_[a-z0-9]{5,30}\.[a-z0-9]{4,6}\.acc[_-][a-z0-9-]{10,32}\.[a-z0-9+/_=-]{30,120})(?![\w-])/gi,
    entropy: 3.5, severity: 'high', confidence: 'high',
    examples: { positive: [`AUTHRESS_KEY=sc_${fake(A36, 12, 'au1')}.${fake(A36, 5, 'au2')}.acc_${fake(A36, 16, 'au3')}.${fake(B64URL, 60, 'au4')}`], negative: ['sc_abc.def.acc_short.x'] },
  },
  keyed({ id: 'beamer-api-token', description: 'Beamer API token', ids: ['beamer'], secret: 'b_[a-z0-9=_-]{44}', sample: 'b_' + fake(A36, 44, 'beam') }),
  tok({ id: 'gitlab-pat-routable', description: 'GitLab personal access token (routable)', prefix: 'glpat-', body: [[B64URL, 27, 300], '.', [A36, 2], [A36, 7]], severity: 'critical', entropy: 3.5 }),
  tok({ id: 'gitlab-runner-token-routable', description: 'GitLab runner authentication token (routable)', prefix: 'glrt-t', body: [[NUM, 1], '_', [B64URL, 27, 300], '.', [A36, 9]], entropy: 3.5 }),
  {
    id: 'gitlab-session-cookie', description: 'GitLab session cookie', keywords: ['_gitlab_session='],
    pattern: /_gitlab_session=([0-9a-z]{32})(?![0-9a-z])/g, entropy: 3, severity: 'high', confidence: 'high',
    examples: { positive: [`Cookie: _gitlab_session=${fake(A36, 32, 'gls')}`], negative: ['_gitlab_session=abc'] },
  },
  {
    // base64 of a JWT: "eyJ" encodes to ZXlK; a header field name follows.
    id: 'jwt-base64', description: 'Base64-encoded JSON Web Token', keywords: ['zxlk'],
    pattern: /(?<![A-Za-z0-9+/])(ZXlK[A-Za-z0-9+/]{60,4000}={0,2})(?![A-Za-z0-9+/=])/g,
    entropy: 4, severity: 'medium', confidence: 'medium',
    validate: (v) => /^eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{16,}/.test(Buffer.from(v, 'base64').toString('latin1')),
    examples: { positive: [`token: ${Buffer.from(`eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.${fake(B64URL, 43, 'jb64')}`).toString('base64')}`], negative: [`x: ZXlK${fake(B64, 80, 'jb64n')}`] },
  },
  tok({ id: 'facebook-page-access-token', description: 'Facebook page/user access token', prefix: 'EAA', keywords: ['eaam', 'eaac'], body: [[{ chars: 'MC', cls: 'MC' }, 1], [A62, 100, 400]], entropy: 4 }),
  keyed({ id: 'facebook-app-token', description: 'Facebook app access token (app id|secret)', ids: ['facebook', 'fb_access_token', 'fb_token'], secret: '\\d{15,16}(?:\\||%7C)[\\w-]{27,40}', sample: fake(NUM, 15, 'fbid') + '|' + fake(B64URL, 30, 'fbs'), entropy: 3 }),
  tok({ id: 'flutterwave-public-key', description: 'Flutterwave public key', prefix: 'FLWPUBK', keywords: ['flwpubk'], body: [[{ chars: '_TES', cls: '_A-Z' }, 0, 5], '-', [HEX, 32], '-X'], severity: 'low' }),
  tok({ id: 'shippo-test-token', description: 'Shippo test API token', prefix: 'shippo_test_', body: [[HEX, 40]], severity: 'low' }),
  tok({ id: 'duffel-test-token', description: 'Duffel test API token', prefix: 'duffel_test_', body: [[B64URL, 43]], severity: 'low' }),
  tok({ id: 'stripe-prod-key', description: 'Stripe secret/restricted key (sk_prod_/rk_prod_/rk_test_)', prefix: '', keywords: ['sk_prod_', 'rk_prod_', 'rk_test_'], body: [[{ chars: 'rs', cls: 'rs' }, 1], 'k_', [{ chars: 'p', cls: 'p' }, 1], 'rod_', [A62, 24, 99]] }),
  tok({ id: 'harness-sat', description: 'Harness service account token', prefix: 'sat.', body: [[B64URL, 22], '.', [A62, 24], '.', [A62, 20]] }),
  {
    id: 'azure-app-configuration-connection-string', description: 'Azure App Configuration connection string (Id/Secret)', keywords: ['azconfig.io'],
    pattern: /https:\/\/[\w-]{1,64}\.azconfig\.io;Id=[\w-]{1,12}:[A-Za-z0-9+/]{18,22};Secret=([A-Za-z0-9+/]{36,50}=)/g,
    severity: 'critical', confidence: 'high',
    examples: { positive: [`Endpoint=https://acme.azconfig.io;Id=ABCD-E6-s0:${fake(B64, 20, 'azc')};Secret=${fake(B64, 43, 'azc2')}=`], negative: ['Endpoint=https://contoso.azconfig.io;Id=xxx;Secret=xxx'] },
  },
  {
    // AccountName=…;AccountKey=… / SharedAccessKeyName=…;SharedAccessKey=… with any key length (emulator-like
    // keys, new account key lengths), complementing the exact-length Azure rules.
    id: 'azure-connection-string-key', description: 'Azure connection string with an account/shared access key', keywords: ['accountkey=', 'sharedaccesskey=', 'sharedsecretvalue='],
    pattern: /(?:AccountName|SharedAccessKeyName|SharedSecretIssuer)\s{0,2}=\s{0,2}[^${;<[.\s*][^.;\n]{2,80}\s{0,2};[^;\n]{0,120}?(?:AccountKey|SharedAccessKey|SharedSecretValue)\s{0,2}=\s{0,2}([A-Za-z0-9+/]{20,200}={0,2})/gi,
    generic: true, entropy: 3.5, severity: 'critical', confidence: 'medium',
    examples: { positive: [`HostName=hub.azure-devices.net;SharedAccessKeyName=registryReadWrite;SharedAccessKey=${fake(B64, 43, 'azs')}=`], negative: ['AccountName=<YOUR_ACCOUNT_NAME>;AccountKey=<YOUR_ACCOUNT_KEY>;', 'AccountName=X;AccountKey=X;'] },
  },
  tok({ id: 'azure-data-factory-shir-key', description: 'Azure Data Factory self-hosted integration runtime key', prefix: 'IR@', keywords: ['ir@'], body: [[{ chars: HEX.chars + '-', cls: '0-9a-zA-Z-' }, 36], '@', [{ chars: A36.chars + '-', cls: '\\w.-' }, 3, 64], '@', [{ chars: A36.chars, cls: '\\w-' }, 2, 30], '@', [B64, 43], '='] }),
  keyed({ id: 'google-oauth-client-secret-legacy', description: 'Google OAuth client secret (legacy 24-char form)', ids: ['client_secret', 'clientsecret', 'google_client_secret'], secret: '[a-zA-Z0-9_-]{24}', sample: fake(B64URL, 24, 'gocs'), entropy: 3.8, confidence: 'low', severity: 'medium' }),
  keyed({ id: 'kagi-api-key', description: 'Kagi API key', ids: ['kagi'], secret: '[\\w-]{11}\\.[\\w-]{43}', sample: fake(B64URL, 11, 'kagi') + '.' + fake(B64URL, 43, 'kagi2') }),
  keyed({ id: 'cisco-meraki-api-key', description: 'Cisco Meraki API key', ids: ['meraki'], secret: [HEX, 40], entropy: 3 }),
  keyed({ id: 'finicity-client-secret', description: 'Finicity client secret / API token', ids: ['finicity'], secret: '(?:[a-f0-9]{32}|[a-z0-9]{20})', sample: fake(HEX, 32, 'fin') }),
  keyed({ id: 'finnhub-access-token', description: 'Finnhub access token', ids: ['finnhub'], secret: [A36, 20] }),
  keyed({ id: 'flickr-access-token', description: 'Flickr API key', ids: ['flickr'], secret: [A36, 32] }),
  keyed({ id: 'freshbooks-access-token', description: 'FreshBooks access token', ids: ['freshbooks'], secret: [A36, 64] }),
  keyed({ id: 'kucoin-secret-key', description: 'KuCoin API secret', ids: ['kucoin'], secret: '(?:' + UUID_RE + '|[a-f0-9]{24})', sample: uuid('kucoin') }),
  keyed({ id: 'lob-api-key', description: 'Lob API key', ids: ['lob_api', 'lob_key', 'lob_secret', 'lob.'], secret: '(?:live|test)_(?:pub_)?[a-f0-9]{31,35}', sample: 'live_' + fake(HEX, 35, 'lob') }),
  keyed({ id: 'looker-client-secret', description: 'Looker API client ID/secret', ids: ['looker'], secret: '(?:[A-Za-z0-9]{24}|[A-Za-z0-9]{20})', sample: fake(A62, 24, 'looker') }),
  keyed({ id: 'nytimes-access-token', description: 'New York Times API key', ids: ['nytimes', 'newyorktimes', 'new-york-times'], secret: [B64URL, 32] }),
  keyed({ id: 'privateai-api-token', description: 'Private AI API token', ids: ['privateai', 'private_ai', 'private-ai'], secret: [A36, 32] }),
  keyed({ id: 'rapidapi-access-token', description: 'RapidAPI key', ids: ['rapidapi', 'x-rapidapi-key'], secret: [B64URL, 50] }),
  keyed({ id: 'squarespace-access-token', description: 'Squarespace API key', ids: ['squarespace'], secret: UUID_RE, sample: uuid('sqs') }),
  keyed({ id: 'sumologic-access-id', description: 'Sumo Logic access ID', ids: ['sumo'], secret: 'su[A-Za-z0-9]{12}', sample: 'su' + fake(A62, 12, 'sumo') }),
  keyed({ id: 'nasa-api-key', description: 'NASA API key', ids: ['nasa'], secret: [A62, 40] }),
  keyed({ id: 'particle-access-token', description: 'Particle.io access token', ids: ['particle'], secret: [HEX, 40] }),
  keyed({ id: 'codeclimate-reporter-id', description: 'Code Climate test reporter ID / repo token', ids: ['cc_test_reporter_id', 'codeclimate'], secret: [HEX, 64], severity: 'medium' }),
  keyed({ id: 'gitalk-client-secret', description: 'Gitalk (GitHub OAuth) client secret', ids: ['clientsecret', 'client_secret'], secret: [HEX, 40] }),
  keyed({ id: 'thingsboard-provision-secret', description: 'ThingsBoard provision device key/secret', ids: ['provisiondevicekey', 'provisiondevicesecret'], secret: [A36, 20] }),
  url({
    id: 'thingsboard-access-token', description: 'ThingsBoard device access token in an API URL', keywords: ['thingsboard.cloud/api/v1/'],
    pattern: /thingsboard\.cloud\/api\/v1\/([a-z0-9]{20})(?![a-z0-9])/g,
    examples: { positive: [`https://thingsboard.cloud/api/v1/${fake(A36, 20, 'tb')}/telemetry`], negative: ['https://thingsboard.cloud/api/v1/short/telemetry'] },
  }),
  url({
    id: 'blynk-device-token', description: 'Blynk device auth token in an API URL', keywords: ['blynk.cloud/external/api'],
    pattern: /blynk\.cloud\/external\/api\/[\w/]{0,40}\?token=([\w-]{32})(?![\w-])/g,
    examples: { positive: [`curl "https://fra1.blynk.cloud/external/api/get?token=${fake(B64URL, 32, 'bly')}&V1"`], negative: ['https://blynk.cloud/external/api/get?token=abc'] },
  }),
  url({
    id: 'truenas-api-key', description: 'TrueNAS API key', keywords: ['bearer', 'login_with_api_key'],
    pattern: /(?:Bearer\s{1,4}|"params"\s{0,4}:\s{0,4}\[\s{0,4}")(\d{1,5}-[a-zA-Z0-9]{64})(?![\w-])/g,
    examples: { positive: [`-H "Authorization: Bearer 8-${fake(A62, 64, 'tn')}"`], negative: ['Authorization: Bearer 8-abc'] },
  }),
  url({
    id: 'sidekiq-sensitive-url', description: 'Sidekiq Pro/Enterprise gem source URL with credentials', keywords: ['gems.contribsys.com', 'enterprise.contribsys.com'],
    pattern: /https?:\/\/([a-f0-9]{8}:[a-f0-9]{8})@(?:gems|enterprise)\.contribsys\.com/gi,
    examples: { positive: [`source "https://${fake(HEX, 8, 'sq1')}:${fake(HEX, 8, 'sq2')}@gems.contribsys.com/"`], negative: ['source "https://gems.contribsys.com/"'] },
  }),
  url({
    id: 'claude-code-session-url', description: 'Claude Code remote session URL', keywords: ['claude.ai/code/session_'],
    pattern: /https?:\/\/claude\.ai\/code\/(session_[A-Za-z0-9]{16,})(?![A-Za-z0-9])/gi, severity: 'medium',
    examples: { positive: [`see https://claude.ai/code/session_${fake(A62, 24, 'ccs')} for context`], negative: ['https://claude.ai/code/session_short'] },
  }),
  url({
    id: 'nuget-config-password', description: 'Password in a NuGet.config packageSourceCredentials entry', keywords: ['<add key='], paths: /(?:^|\/)nuget\.config$/i,
    pattern: /<add\s{1,4}key\s{0,2}=\s{0,2}"(?:ClearText)?Password"\s{1,4}value\s{0,2}=\s{0,2}"([^"]{4,400})"/gi,
    validate: (v) => !/^%\S*%$|^\$\(/.test(v),
    examples: { positive: [`<packageSourceCredentials><acme><add key="Username" value="ci" /><add key="ClearTextPassword" value="${fake(A62, 16, 'nug')}" /></acme></packageSourceCredentials>`], negative: ['<add key="ClearTextPassword" value="%NUGET_PASSWORD%" />'], path: 'NuGet.config' },
  }),
  url({
    // curl -H "Authorization: Token x" / -H "X-Api-Key: x" / -H 'PRIVATE-TOKEN: x'
    id: 'curl-auth-header', description: 'Token passed in a curl request header', keywords: ['curl'],
    pattern: /\bcurl\b[^\n]{0,300}?\s(?:-H|--header)\s{0,4}["'](?:Authorization:\s{0,4}(?:Token|Api-Key|Key|token)\s{1,4}|(?:X-(?:[A-Za-z]+-)?)?(?:Api-?Key|Auth-?Token|Access-?Token|Token|PRIVATE-TOKEN)\s{0,2}:\s{0,4})([\w=~@.+/-]{12,300})["']/gi,
    entropy: 3.3, severity: 'high', confidence: 'medium',
    validate: (v) => !/^\$|^\{\{|^</.test(v),
    examples: { positive: [`curl -H "X-Api-Key: ${fake(A62, 32, 'cah')}" https://api.acme.io`, `curl --header 'PRIVATE-TOKEN: ${fake(B64URL, 20, 'cah2')}' https://gitlab.acme.io/api/v4/projects`], negative: ['curl -H "X-Api-Key: $API_KEY" https://api.acme.io', 'curl -H "Authorization: Token {{token}}" x'] },
  }),
  url({
    id: 'phpmailer-password', description: 'PHPMailer SMTP password', keywords: ['->password'],
    pattern: /\$\w{1,30}->Password\s{0,4}=\s{0,4}(["'])([^"'\r\n]{3,128})\1/g,
    validate: (v) => !/^\$|^getenv|^\{\{/.test(v),
    examples: { positive: [`$mail->Password = '${fake(A62, 12, 'phpm')}';`], negative: ["$mail->Password = getenv('SMTP_PASSWORD');", '$mail->Password = $pw;'] },
  }),
];
