// Formats found missing or too narrow when every rule of gitleaks' default config, Nosey Parker's
// default ruleset and secretlint's recommended preset was compared with ours (test/data/
// reference-vendors.json maps each of their rule ids to ours): vendor client/app identifiers next to
// the vendor's name (low severity: they are half of a credential pair), Mapbox public/temporary tokens,
// Vault unseal keys and legacy recovery/batch tokens, Kubernetes bootstrap tokens, the Jenkins setup
// password, WireGuard preshared keys, literal JWT signing secrets and a few keyed variants.
import type { Rule } from '../types.js';
import { A36, A62, B64, B64URL, HEX, NUM, fake, keyed, tok, uuid, UUID_RE } from './define.js';

const low = { severity: 'low', confidence: 'medium' } as const;

export const referenceVendorRules: Rule[] = [
  tok({ id: 'resend-api-key', description: 'Resend API key', prefix: 're_', body: [[A62, 8], '_', [A62, 24]], entropy: 3.5 }),
  tok({
    id: 'aws-appsync-api-key',
    description: 'AWS AppSync API key',
    prefix: 'da2-',
    body: [[A36, 26]],
    entropy: 3.5,
    severity: 'medium',
  }),
  keyed({
    id: 'adafruit-api-key-named',
    description: 'Adafruit IO key (next to the vendor name, no aio_ prefix)',
    ids: ['adafruit'],
    secret: '[a-z0-9_-]{32}',
    sample: fake(A36, 32, 'ada'),
    entropy: 3.2,
  }),
  keyed({
    id: 'asana-client-id',
    description: 'Asana OAuth client ID',
    ids: ['asana_client', 'asana-client', 'asanaclient'],
    secret: '[0-9]{16}',
    sample: fake(NUM, 16, 'asana'),
    entropy: 2.5,
    ...low,
  }),
  keyed({
    id: 'discord-client-id',
    description: 'Discord application/client ID',
    ids: ['discord_client', 'discord-client', 'discordclient', 'discord_app', 'discord_application'],
    secret: '[0-9]{17,19}',
    sample: fake(NUM, 18, 'disc'),
    entropy: 2.5,
    ...low,
  }),
  keyed({
    id: 'linkedin-client-id',
    description: 'LinkedIn OAuth client ID',
    ids: ['linkedin_client', 'linkedin-client', 'linkedinclient', 'linked_in_client'],
    secret: '[a-z0-9]{14}',
    sample: fake(A36, 14, 'lnk'),
    entropy: 2.8,
    ...low,
  }),
  keyed({
    id: 'plaid-client-id',
    description: 'Plaid client ID',
    ids: ['plaid_client', 'plaid-client', 'plaidclient'],
    secret: '[a-z0-9]{24}',
    sample: fake(A36, 24, 'plaidid'),
    entropy: 3,
    ...low,
  }),
  keyed({
    id: 'messagebird-client-id',
    description: 'MessageBird client ID',
    ids: ['messagebird', 'message_bird', 'message-bird'],
    secret: UUID_RE,
    sample: uuid('mbird'),
    ...low,
  }),
  keyed({
    id: 'sendbird-app-id',
    description: 'Sendbird application ID',
    ids: ['sendbird'],
    secret: '[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}',
    sample: uuid('sbird').toUpperCase(),
    ...low,
  }),
  keyed({
    id: 'dropbox-app-key',
    description: 'Dropbox app key / API token (15 characters, next to the vendor name)',
    ids: ['dropbox_app', 'dropbox_api', 'dropbox_key', 'dropbox-app', 'dropboxapp'],
    secret: '[a-z0-9]{15}',
    sample: fake(A36, 15, 'dbx'),
    entropy: 3,
    ...low,
  }),
  keyed({
    id: 'launchdarkly-access-token',
    description: 'LaunchDarkly access token (40 characters, next to the vendor name)',
    ids: ['launchdarkly', 'launch_darkly'],
    secret: '[\\w=-]{40}',
    sample: fake(B64URL, 40, 'ldat'),
    entropy: 3.5,
  }),
  keyed({
    id: 'newrelic-user-api-id',
    description: 'New Relic user API ID',
    ids: ['new-relic', 'newrelic', 'new_relic'],
    secret: '[a-z0-9]{64}',
    sample: fake(A36, 64, 'nrid'),
    entropy: 3.5,
    severity: 'medium',
  }),
  keyed({
    id: 'newrelic-license-key-plain',
    description: 'New Relic license key without the NRAL suffix (40 hex, next to license_key)',
    ids: ['newrelic_license', 'new_relic_license', 'newrelic-license', 'new-relic-license', 'nr_license'],
    secret: [HEX, 40],
    entropy: 3,
  }),
  keyed({
    id: 'lob-publishable-key',
    description: 'Lob publishable API key',
    ids: ['lob'],
    secret: '(?:test|live)_pub_[a-f0-9]{31}',
    sample: 'test_pub_' + fake(HEX, 31, 'lobpub'),
    ...low,
  }),
  keyed({
    id: 'mapbox-token',
    description: 'Mapbox public (pk.) or temporary (tk.) access token',
    ids: ['mapbox'],
    secret: '[pt]k\\.[\\w+/=-]{32,128}\\.[\\w+/=-]{20,30}',
    sample: 'tk.eyJ1Ijoi' + fake(A62, 36, 'mbx') + '.' + fake(B64URL, 22, 'mbx2'),
    entropy: 3.5,
    severity: 'medium',
  }),
  keyed({
    id: 'sonarqube-login-token',
    description: 'SonarQube token passed as sonar.login / sonar.token',
    ids: ['sonar.login', 'sonar_login', 'sonarlogin', 'sonar-login', 'sonar_token', 'sonar.token'],
    // 40 hex (SonarQube) or the 40 alphanumerics gitleaks takes; sqp_/squ_/sqa_ tokens have their own rule
    secret: '[A-Za-z0-9]{40}',
    sample: fake(HEX, 40, 'sonarlt'),
    entropy: 3,
  }),
  keyed({
    id: 'azure-devops-pat-named',
    description: 'Azure DevOps personal access token (52 chars, named as a PAT)',
    ids: ['personal_access_token', 'personalaccesstoken', 'pat_token', '$token'],
    secret: '[a-z2-7]{52}',
    sample: fake({ chars: 'abcdefghijklmnopqrstuvwxyz234567', cls: 'a-z2-7' }, 52, 'adopat'),
    entropy: 3.5,
  }),
  {
    // b./r. tokens (Vault < 1.10 batch and recovery tokens) next to a Vault name; s. is vault-token-legacy.
    id: 'vault-token-legacy-br',
    description: 'HashiCorp Vault batch or recovery token (legacy b./r. prefix)',
    keywords: ['vault'],
    // r./b. + 24 or more (Nosey Parker takes up to 100) or the long b.AAAAAQ… batch form; the short forms must
    // mix upper case, lower case and digits so member accesses (`b.removeTransientObservers`) stay out
    pattern: /vault[\w.-]{0,25}["'\s]{0,3}(?:=|:|=>)["'\s]{0,3}((?:[rb]\.[A-Za-z0-9]{24,100}|b\.AAAAAQ[\w-]{60,300}))(?![\w-])/gi,
    validate: (s) => s.startsWith('b.AAAAAQ') || (/[a-z]/.test(s.slice(2)) && /[A-Z]/.test(s) && /\d/.test(s)),
    entropy: 3.5,
    severity: 'critical',
    confidence: 'medium',
    examples: {
      positive: [
        `VAULT_TOKEN=r.${fake(A62, 24, 'vr')}`,
        `vault_token: "b.AAAAAQ${fake(B64URL, 90, 'vb')}"`,
        `VAULT_CLIENT_TOKEN="b.${fake(A62, 26, 'vb2')}"`,
      ],
      negative: [`VAULT_TOKEN=r.${'x'.repeat(24)}`, `other=r.${fake(A62, 24, 'vr')}`, 'vault_handler = b.removeTransientObservers'],
    },
  },
  {
    id: 'slack-legacy-workspace-token',
    description: 'Slack legacy workspace/refresh token (xoxa-, xoxr- without numeric ids)',
    keywords: ['xoxa-', 'xoxr-'],
    // one run; the dash-separated form with numeric ids (xoxa-2-<id>-…) is slack-legacy-token
    pattern: /(?<![\w-])(xox[ar]-[A-Za-z0-9]{8,48})(?![\w-])/g,
    entropy: 3.5,
    severity: 'high',
    confidence: 'high',
    examples: {
      positive: [`SLACK_REFRESH=xoxr-${fake(A62, 40, 'xoxr')}`],
      negative: ['xoxr-xxxxxxxxxxxxxxxx', 'xoxr-short', 'https://github.com/xoxa-nyc/xoxa-nyc.github.io/blob/master/README.md'],
    },
  },
  {
    id: 'freemius-secret-key',
    description: 'Freemius SDK secret key in a PHP array',
    keywords: ['secret_key'],
    paths: /\.php$/i,
    pattern: /["']secret_key["']\s{0,4}=>\s{0,4}["'](sk_[^\s"']{29})["']/g,
    entropy: 3.5,
    severity: 'high',
    confidence: 'high',
    examples: {
      path: 'freemius-init.php',
      positive: [`    'secret_key' => 'sk_${fake(A62, 29, 'frm')}',`],
      negative: ["    'secret_key' => 'sk_xxxxxxxxxxxxxxxxxxxxxxxxxxxxx',", "    'public_key' => 'pk_1234'"],
    },
  },
  {
    id: 'vault-unseal-key',
    description: 'HashiCorp Vault unseal key (operator init output)',
    keywords: ['unseal key'],
    pattern: /Unseal Key(?: \d{1,2})?:[ \t]{0,4}([A-Za-z0-9+/]{43,44}={0,2}|[a-f0-9]{64,66})(?![\w+/=])/g,
    entropy: 3.5,
    severity: 'critical',
    confidence: 'high',
    examples: {
      positive: [`Unseal Key 1: ${fake(B64, 44, 'unseal')}`, `Unseal Key 3: ${fake(HEX, 66, 'unseal-hex')}`],
      negative: ['Unseal Key 1: <redacted>', `Unseal Key 1: ${'A'.repeat(44)}`],
    },
  },
  {
    id: 'kubernetes-bootstrap-token',
    description: 'Kubernetes bootstrap token (kubeadm join/init --token)',
    keywords: ['--token'],
    pattern: /--token[= ]["']?([a-z0-9]{6}\.[a-z0-9]{16})(?![\w.])/g,
    entropy: 2.8,
    severity: 'high',
    confidence: 'high',
    examples: {
      positive: [
        `kubeadm join 10.0.0.5:6443 --token ${fake(A36, 6, 'kb1')}.${fake(A36, 16, 'kb2')} --discovery-token-ca-cert-hash sha256:${fake(HEX, 64, 'kb3')}`,
      ],
      negative: ['kubeadm join 10.0.0.5:6443 --token abcdef.0123456789abcdef', 'kubeadm token create --token <token>'],
    },
  },
  {
    id: 'kubernetes-bootstrap-token-secret',
    description: 'Kubernetes bootstrap token secret (bootstrap.kubernetes.io/token Secret)',
    keywords: ['token-secret'],
    pattern: /token-secret:[ \t]{0,4}["']?([a-z0-9]{16})(?![\w.])/g,
    entropy: 2.8,
    severity: 'high',
    confidence: 'high',
    examples: {
      positive: [
        `apiVersion: v1\nkind: Secret\ntype: bootstrap.kubernetes.io/token\nstringData:\n  token-id: ${fake(A36, 6, 'kb4')}\n  token-secret: ${fake(A36, 16, 'kb5')}`,
      ],
      negative: ['  token-secret: 0123456789abcdef', '  token-secret: <secret>'],
    },
  },
  {
    id: 'jenkins-setup-admin-password',
    description: 'Jenkins initial admin password (setup wizard log output)',
    keywords: ['proceed to installation', 'initialadminpassword'],
    pattern: /(?:proceed to installation:|initialAdminPassword["']?\s{0,4}[:=]?)\s{0,8}([a-f0-9]{32})(?![a-f0-9])/gi,
    window: { after: 200 },
    entropy: 3,
    severity: 'high',
    confidence: 'high',
    examples: {
      positive: [
        `Please use the following password to proceed to installation:\n\n${fake(HEX, 32, 'jk')}\n\nThis may also be found at: /var/jenkins_home/secrets/initialAdminPassword`,
      ],
      negative: ['Please use the following password to proceed to installation:\n\n<password>\n'],
    },
  },
  {
    id: 'wireguard-preshared-key',
    description: 'WireGuard peer preshared key',
    keywords: ['presharedkey'],
    // 43 base64 + `=`; the last character is not checked (a hand-edited or sample key is still a key here)
    pattern: /^\s{0,8}PresharedKey\s{0,4}=\s{0,4}([A-Za-z0-9+/]{43}=)/gm,
    entropy: 3.5,
    severity: 'high',
    confidence: 'high',
    examples: {
      positive: [`[Peer]\nPresharedKey = ${fake(B64, 42, 'wgpsk')}A=`, `[Peer]\nPresharedKey = ${fake(B64, 43, 'wgpsk2')}=`],
      negative: ['PresharedKey = <your preshared key>', `PresharedKey = ${'A'.repeat(43)}=`],
    },
  },
  {
    id: 'jwt-literal-signing-secret',
    description: 'Literal secret passed to jwt.sign / jwt.verify / jwt.encode',
    keywords: ['jwt.sign', 'jwt.verify', 'jwt.encode', 'jwt.decode'],
    pattern: /\bjwt\.(?:sign|verify|encode|decode)\(\s{0,4}[\w.$]{1,40}\s{0,4},\s{0,4}(["'`])([^"'`\s\\]{8,200})\1/g,
    secretGroup: 2,
    entropy: 3,
    severity: 'high',
    confidence: 'medium',
    examples: {
      positive: [
        `const t = jwt.sign(payload, '${fake(A62, 24, 'jwtlit')}', { expiresIn: '1h' });`,
        `jwt.encode(claims, "${fake(A62, 20, 'jwtpy')}", algorithm="HS256")`,
      ],
      negative: ['jwt.sign(payload, process.env.JWT_SECRET)', "jwt.sign(payload, 'changeme-secret')", "jwt.verify(token, 'xxxxxxxxxxxx')"],
    },
  },
  {
    // Figma's older personal access tokens: 4 hex, then a v4-looking UUID, next to the name
    id: 'figma-pat-legacy',
    description: 'Figma personal access token (legacy UUID form)',
    keywords: ['figma'],
    pattern: new RegExp(`figma[\\w.-]{0,20}[\\s'":=]{1,6}([0-9a-f]{4}-${UUID_RE})(?![\\w-])`, 'gi'),
    entropy: 3,
    severity: 'high',
    confidence: 'high',
    examples: {
      positive: [
        `--header='X-Figma-Token: ${fake(HEX, 4, 'fig1')}-${uuid('fig2')}'`,
        `FIGMA_TOKEN=${fake(HEX, 4, 'fig3')}-${uuid('fig4')}`,
      ],
      negative: [`request_id: ${fake(HEX, 4, 'fig5')}-${uuid('fig6')}`],
    },
  },
  tok({
    id: 'segment-public-api-token',
    description: 'Segment Public API token',
    prefix: 'sgp_',
    body: [[A62, 64]],
    entropy: 4,
  }),
  {
    // Twitch stream keys: live_<user id>_<30-36 characters>
    id: 'twitch-stream-key',
    description: 'Twitch stream key',
    keywords: ['live_'],
    pattern: /(?<![\w-])(live_\d{8,12}_[A-Za-z0-9]{30,36})(?![\w-])/g,
    entropy: 3.5,
    severity: 'high',
    confidence: 'high',
    examples: {
      positive: [
        `STREAM_KEY=live_${fake(NUM, 9, 'tws1')}_${fake(A62, 30, 'tws2')}`,
        `rtmp://live.twitch.tv/app/live_${fake(NUM, 9, 'tws3')}_${fake(A62, 34, 'tws4')}`,
      ],
      negative: [`live_${fake(NUM, 9, 'tws5')}_${fake(A62, 25, 'tws6')}`, 'stream_url: "rtmp://live.twitch.tv/app/STREAM_KEY"'],
    },
  },
  {
    // api_key= in a request URL to api.nasa.gov
    id: 'nasa-api-key-url',
    description: 'NASA API key in an api.nasa.gov URL',
    keywords: ['nasa.gov/'],
    pattern: /nasa\.gov\/[^\s'"`<>]{0,200}?[?&]api_key=([A-Za-z0-9]{40})(?![A-Za-z0-9])/g,
    entropy: 3.5,
    severity: 'medium',
    confidence: 'high',
    examples: {
      positive: [`get('https://api.nasa.gov/planetary/earth/imagery?lon=1&api_key=${fake(A62, 40, 'nasa1')}')`],
      negative: ['https://api.nasa.gov/planetary/apod?api_key=DEMO_KEY', `https://example.com/?api_key=${fake(A62, 40, 'nasa2')}`],
    },
  },
  {
    // particle.io access tokens in the calls the docs show: access_token=… or a Bearer header, with the
    // api.particle.io URL before or after them on the same command
    id: 'particle-access-token-url',
    description: 'Particle.io access token in an API call',
    keywords: ['api.particle.io'],
    pattern: /(?:access_token=|Authorization:\s{0,4}Bearer\s{1,4})([A-Za-z0-9]{40})(?![A-Za-z0-9])/g,
    window: { before: 300, after: 300 },
    validate: (_s, ctx) => ctx.window.includes('api.particle.io'),
    entropy: 3,
    severity: 'high',
    confidence: 'high',
    examples: {
      positive: [
        `curl https://api.particle.io/v1/devices -H "Authorization: Bearer ${fake(HEX, 40, 'pio1')}"`,
        `curl -d access_token=${fake(HEX, 40, 'pio2')} \\\nhttps://api.particle.io/v1/devices`,
      ],
      negative: [`curl https://api.example.com/v1 -H "Authorization: Bearer ${fake(HEX, 40, 'pio3')}"`],
    },
  },
  {
    // the license key in newrelic.yml without the NRAL suffix (40 hex), under the generated file's own comment
    id: 'newrelic-license-key-yml',
    description: 'New Relic license key in newrelic.yml (40 hex)',
    keywords: ['license_key'],
    pattern: /\blicense_key:\s{0,4}['"]?([a-f0-9]{40})(?![\w-])/g,
    window: { before: 400 },
    validate: (_s, ctx) => /new[ _-]?relic/i.test(ctx.window),
    entropy: 3,
    severity: 'high',
    confidence: 'high',
    examples: {
      positive: [`# Required license key associated with your New Relic account.\nlicense_key: ${fake(HEX, 40, 'nrl1')}`],
      negative: [`license_key: ${fake(HEX, 40, 'nrl2')}`, `# New Relic\nlicense_key: '<%= ENV["NEW_RELIC_LICENSE_KEY"] %>'`],
    },
  },
  {
    // API- + 26 upper-case alphanumerics; must contain digits, so words after API- (API-DOCUMENTATION…) stay out
    id: 'octopus-deploy-api-key',
    description: 'Octopus Deploy API key',
    keywords: ['api-'],
    pattern: /(?<![\w-])(API-[A-Z0-9]{26})(?![\w-])/g,
    window: { before: 8, after: 40 },
    validate: (s) => (s.slice(4).match(/\d/g) ?? []).length >= 3 && /[A-Z]/.test(s.slice(4)),
    entropy: 3.5,
    severity: 'high',
    confidence: 'high',
    examples: {
      positive: [`set apikey="API-${fake({ chars: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', cls: 'A-Z0-9' }, 26, 'oct1')}"`],
      negative: ['msgstr "GSSAPI-VIRHEKAPSELOINTIMERKKIJONO."', 'https://fog-ringer-f42.notion.site/API-BD80F56CDC1441E6BF6011AB6D852875'],
    },
  },
  {
    // Okta API tokens are 00 + 40; gitleaks also takes any 42 base64url characters next to "okta"
    ...keyed({
      id: 'okta-access-token-keyed',
      description: 'Okta access token (42 characters next to the name)',
      ids: ['okta'],
      secret: '(?!00)[\\w=-]{42}',
      sample: fake(B64URL, 42, 'oktak'),
      entropy: 3.5,
    }),
    validate: (s: string) => /\d/.test(s) && /[a-zA-Z]/.test(s),
  },
  {
    // Blynk organization API: a 40-character bearer token or OAuth client secret (after `client_secret=`) in a
    // call whose URL is on blynk.cloud, before or after it
    id: 'blynk-organization-token',
    description: 'Blynk organization access token or OAuth client secret',
    keywords: ['blynk.cloud'],
    // (`curl -u oa2-client-id_…:<secret>` is reported as curl user credentials)
    pattern: /(?:Authorization:\s{0,4}Bearer\s{1,4}|oa2-client-id_[\w-]{32}&client_secret=)([\w-]{40})(?![\w-])/g,
    window: { before: 300, after: 300 },
    validate: (_s, ctx) => ctx.window.includes('blynk.cloud'),
    entropy: 3.5,
    severity: 'high',
    confidence: 'high',
    examples: {
      positive: [
        `curl https://fra1.blynk.cloud/api/organization/profile -H "Authorization: Bearer ${fake(B64URL, 40, 'bo1')}"`,
        `curl -X POST "https://fra1.blynk.cloud/oauth2/token?grant_type=client_credentials&client_id=oa2-client-id_${fake(B64URL, 32, 'bo2')}&client_secret=${fake(B64URL, 40, 'bo3')}"`,
      ],
      negative: [`curl https://api.example.com/ -H "Authorization: Bearer ${fake(B64URL, 40, 'bo4')}"`],
    },
  },
  {
    // sk- + 48 alphanumerics: the pre-2024 OpenAI key format (Nosey Parker's rule), also when the T3BlbkFJ
    // marker has been altered; mixed case and digits are required
    id: 'openai-api-key-48',
    description: 'OpenAI API key (sk- + 48 characters)',
    keywords: ['sk-'],
    pattern: /(?<![\w-])(sk-[A-Za-z0-9]{48})(?![\w-])/g,
    window: { before: 120, after: 60 },
    // (Stability AI keys have the same shape and their own rule, next to the name: not when it is nearby)
    validate: (s, ctx) =>
      /[a-z]/.test(s.slice(3)) && /[A-Z]/.test(s) && /\d/.test(s) && !/T3BlbkFJ/.test(s) && !/stabilit/i.test(ctx.window),
    entropy: 4,
    severity: 'critical',
    confidence: 'high',
    examples: {
      positive: [`curl https://api.openai.com/v1/models -H "Authorization: Bearer sk-${fake(A62, 48, 'oa48')}"`],
      negative: [`sk-${fake(A62, 40, 'oa48b')}`, `sk-${'a'.repeat(48)}`, `sk-${fake(A62, 20, 'oa48c')}T3BlbkFJ${fake(A62, 20, 'oa48d')}`],
    },
  },
];
