// Cloud provider credentials: AWS, GCP, Azure, Alibaba, Tencent, IBM, Oracle, DigitalOcean, Linode,
// Scaleway, Yandex, Heroku, Fly.io, Render, Railway, Supabase, Neon, PlanetScale, Databricks.
import type { Rule } from '../types.js';
import { A36, A36U, A62, B32, B64, B64URL, HEX, NUM, fake, keyed, keyedRegex, tok, uuid, UUID_RE } from './define.js';

const awsId = 'AKIA' + fake(B32, 16, 'aws');
const awsSecret = fake(A62, 40, 'aws-secret').slice(0, 38) + '/+';
const azureKey = fake(B64, 86, 'azure') + '==';
const gcpKeyId = fake(HEX, 40, 'gcp');

const PSCALE = { chars: B64URL.chars + '=.', cls: '\\w=.-' };
// Databricks tokens are lowercase hex; upper case is accepted too (secretlint's examples use it)
const DAPI = { chars: '0123456789abcdefABCDEF', cls: 'a-fA-F0-9' };

export const cloudRules: Rule[] = [
  {
    id: 'aws-access-key-id',
    description: 'AWS access key ID',
    keywords: ['akia', 'asia', 'abia', 'acca', 'a3t'],
    pattern: /(?<![A-Z0-9])((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Z0-9])/g,
    entropy: 3,
    severity: 'critical',
    confidence: 'high',
    examples: {
      positive: [`aws_access_key_id = ${awsId}`, `"AccessKeyId": "${'ASIA' + fake(B32, 16, 'sts')}"`],
      negative: ['AKIAIOSFODNN7EXAMPLE', `AKIA${fake(B32, 12, 's')}`],
    },
  },
  {
    id: 'aws-secret-access-key',
    description: 'AWS secret access key',
    keywords: ['aws', 'secret_access_key', 'secretaccesskey'],
    pattern: keyedRegex(
      ['aws_secret', 'aws-secret', 'awssecret', 'secret_access_key', 'secretaccesskey', 'aws_secret_access_key'],
      '[A-Za-z0-9/+]{40}',
    ),
    entropy: 4,
    severity: 'critical',
    confidence: 'high',
    examples: {
      positive: [`aws_secret_access_key = ${awsSecret}`, `  "SecretAccessKey": "${awsSecret}",`],
      negative: [`some_other = ${awsSecret}`, 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
    },
  },
  keyed({
    id: 'aws-session-token',
    description: 'AWS session token',
    ids: ['aws_session_token', 'aws-session-token', 'sessiontoken'],
    secret: '[A-Za-z0-9/+=]{100,1200}',
    sample: 'IQoJb3JpZ2luX2Vj' + fake(B64, 200, 'sess'),
    entropy: 4,
    severity: 'critical',
  }),
  tok({
    id: 'aws-mws-key',
    description: 'Amazon MWS auth token',
    prefix: 'amzn.mws.',
    body: [[HEX, 8], '-', [HEX, 4], '-', [HEX, 4], '-', [HEX, 4], '-', [HEX, 12]],
  }),
  tok({ id: 'aws-bedrock-api-key', description: 'Amazon Bedrock long-term API key', prefix: 'ABSK', body: [[B64, 100, 200]], entropy: 4 }),
  {
    id: 'gcp-service-account',
    description: 'Google Cloud service account key (JSON)',
    keywords: ['private_key_id'],
    pattern: /["']private_key_id["']\s{0,5}:\s{0,5}["']([a-f0-9]{40})["']/g,
    severity: 'critical',
    confidence: 'high',
    window: { before: 4096, after: 4096 },
    validate: (_s, ctx) => /service_account|client_email|gserviceaccount\.com|["']private_key["']/.test(ctx.window),
    examples: {
      positive: [
        `{"type": "service_account", "project_id": "demo", "private_key_id": "${gcpKeyId}", "private_key": "-----BEGIN PRIVATE KEY-----\\nMII..."}`,
        `{\n  'private_key_id': '${gcpKeyId}',\n  'client_email': 'ci@demo.iam.gserviceaccount.com'\n}`,
      ],
      negative: [`{"private_key_id": "${gcpKeyId}"}`, `{"type": "service_account", "private_key_id": "abc"}`],
    },
  },
  {
    // GOOGLE_CREDENTIALS / GCP_SA_KEY variables often hold the whole JSON file base64-encoded.
    id: 'gcp-service-account-base64',
    description: 'Base64-encoded Google Cloud service account key file',
    keywords: ['c2vydmljzv9hy2nvdw50', 'cnzpy2vfywnjb3vu', 'zxj2awnlx2fjy291bn'],
    window: { before: 8000, after: 8000 },
    pattern: /(?<![A-Za-z0-9+/])((?:ewo|eyJ)[A-Za-z0-9+/]{200,20000}={0,2})(?![A-Za-z0-9+/=])/g,
    severity: 'critical',
    confidence: 'high',
    validate: (v) => {
      const d = Buffer.from(v, 'base64').toString('latin1');
      return /service_account/.test(d) && /private_key/.test(d);
    },
    examples: {
      positive: [
        `GOOGLE_CREDENTIALS=${Buffer.from(JSON.stringify({ type: 'service_account', project_id: 'demo', private_key_id: gcpKeyId, private_key: '-----BEGIN PRIVATE KEY-----\n' + fake(B64, 64, 'gsa') + '\n-----END PRIVATE KEY-----\n', client_email: 'a@demo.iam.gserviceaccount.com' })).toString('base64')}`,
      ],
      negative: [
        `X=${Buffer.from(JSON.stringify({ type: 'service_account', project_id: 'demo', note: fake(A62, 200, 'gsn') })).toString('base64')}`,
      ],
    },
  },
  tok({
    id: 'gcp-api-key',
    description: 'Google API key (GCP, Firebase, Maps, Gemini)',
    prefix: 'AIza',
    body: [[B64URL, 35]],
    severity: 'high',
    entropy: 3.5,
  }),
  tok({ id: 'gcp-oauth-client-secret', description: 'Google OAuth client secret', prefix: 'GOCSPX-', body: [[B64URL, 28]] }),
  tok({
    id: 'gcp-oauth-refresh-token',
    description: 'Google OAuth refresh token',
    prefix: '1//0',
    body: [[B64URL, 60, 200]],
    confidence: 'medium',
    entropy: 4,
  }),
  tok({
    id: 'gcp-oauth-access-token',
    description: 'Google OAuth access token',
    prefix: 'ya29.',
    body: [[B64URL, 60, 400]],
    confidence: 'medium',
    entropy: 4,
  }),
  {
    id: 'azure-storage-connection-string',
    description: 'Azure storage / service connection string with AccountKey',
    keywords: ['accountkey='],
    pattern: /DefaultEndpointsProtocol=https?;AccountName=[\w-]{1,64};AccountKey=([A-Za-z0-9+/]{86}==)/gi,
    severity: 'critical',
    confidence: 'high',
    examples: {
      positive: [`AZURE_STORAGE="DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${azureKey};EndpointSuffix=core.windows.net"`],
      negative: ['DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=short=='],
    },
  },
  keyed({
    id: 'azure-storage-account-key',
    description: 'Azure storage account key',
    ids: ['azure', 'storage_key', 'storagekey', 'account_key', 'accountkey'],
    secret: '[A-Za-z0-9+/]{86}==',
    sample: azureKey,
    entropy: 4.5,
    severity: 'critical',
  }),
  {
    id: 'azure-service-bus-connection-string',
    description: 'Azure Service Bus / Event Hubs / IoT Hub SharedAccessKey',
    keywords: ['sharedaccesskey='],
    pattern: /SharedAccessKeyName=[\w-]{1,64};SharedAccessKey=([A-Za-z0-9+/]{43}=)/gi,
    severity: 'critical',
    confidence: 'high',
    examples: {
      positive: [
        `Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${fake(B64, 43, 'sb')}=`,
      ],
      negative: ['SharedAccessKeyName=Root;SharedAccessKey=abc='],
    },
  },
  {
    id: 'azure-cosmosdb-connection-string',
    description: 'Azure Cosmos DB account key',
    keywords: ['documents.azure.com'],
    pattern: /AccountEndpoint=https:\/\/[\w-]{1,64}\.documents\.azure\.com[\w:/]{0,10};AccountKey=([A-Za-z0-9+/]{86}==)/gi,
    severity: 'critical',
    confidence: 'high',
    examples: {
      positive: [`AccountEndpoint=https://acme.documents.azure.com:443/;AccountKey=${azureKey};`],
      negative: ['AccountEndpoint=https://acme.documents.azure.com:443/;AccountKey=abc=='],
    },
  },
  {
    id: 'azure-sas-token',
    description: 'Azure shared access signature (SAS) URL',
    keywords: ['sig='],
    pattern: /[?&]sv=\d{4}-\d\d-\d\d&[\w=&%:.-]{0,300}?sig=([A-Za-z0-9%+/]{40,100}(?:%3D|=){0,2})/gi,
    severity: 'high',
    confidence: 'high',
    examples: {
      positive: [
        `https://acme.blob.core.windows.net/c?sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2030-01-01T00:00:00Z&sig=${fake(B64, 43, 'sas')}%3D`,
      ],
      negative: ['https://example.org/?sig=abc'],
    },
  },
  {
    // 3 characters of [A-Za-z0-9_~.], a digit, `Q~`, then 31-34 more; the first three may be `_`, `.` or `~`
    // (`.IQ8Q~…`, `~Gg8Q~…`), so only word characters, dots and tildes right before it rule a match out.
    id: 'azure-ad-client-secret',
    description: 'Azure AD (Entra ID) client secret',
    keywords: ['q~'],
    pattern: /(?<![\w.~-])([\w~.]{3}\dQ~[\w~.-]{31,34})(?![\w~.-])/g,
    entropy: 3.5,
    severity: 'high',
    confidence: 'high',
    examples: {
      positive: [
        `client_secret=${fake(A62, 3, 'aad1')}8Q~${fake(A62, 34, 'aad2')}`,
        `client_secret: .${fake(A62, 2, 'aad3')}8Q~${fake(A62, 31, 'aad4')}`,
        `<value>~${fake(A62, 2, 'aad5')}8Q~${fake(A62, 33, 'aad6')}</value>`,
      ],
      negative: [
        `client_secret=${fake(A62, 4, 'aad7')}8Q~${'x'.repeat(34)}`,
        `a.ui.visible.right.sidebar~.ui.visible.left.sidebar~.pusher`,
      ],
    },
  },
  {
    // a client secret under an Azure-specific name, in the older formats without the Q~ marker (those with
    // it are azure-ad-client-secret, reported once)
    ...keyed({
      id: 'azure-client-secret-named',
      description: 'Azure AD (Entra ID) client secret under an Azure name',
      ids: ['azureclientsecret', 'azure_client_secret', 'azure-client-secret', 'azure_ad_client_secret', 'arm_client_secret'],
      secret: '[A-Za-z0-9_~.-]{34,40}',
      sample: fake(A62, 40, 'azcs'),
      entropy: 3.5,
    }),
    validate: (s: string) => !/^[\w~.]{3}\dQ~/.test(s) && !/^[A-Za-z]+(?:[_-][A-Za-z]+){2,}$/.test(s),
  },
  keyed({
    id: 'azure-devops-pat',
    description: 'Azure DevOps personal access token',
    ids: ['azure_devops', 'azdo', 'ado_pat', 'devops_pat', 'system_accesstoken'],
    secret: [{ chars: 'abcdefghijklmnopqrstuvwxyz234567', cls: 'a-z2-7' }, 52],
  }),
  tok({
    id: 'azure-devops-pat-v2',
    description: 'Azure DevOps personal access token (84 chars)',
    prefix: '',
    keywords: ['azdo'],
    body: [[A62, 52], 'AZDO', [A62, 28]],
  }),
  tok({ id: 'alibaba-access-key-id', description: 'Alibaba Cloud AccessKey ID', prefix: 'LTAI', body: [[A62, 20]] }),
  keyed({
    id: 'alibaba-secret-key',
    description: 'Alibaba Cloud AccessKey secret',
    ids: ['alibaba', 'aliyun', 'accesskeysecret', 'access_key_secret'],
    secret: [A62, 30],
  }),
  tok({ id: 'tencent-secret-id', description: 'Tencent Cloud SecretId', prefix: 'AKID', body: [[A62, 32]] }),
  {
    ...keyed({
      id: 'tencent-secret-key',
      description: 'Tencent Cloud SecretKey',
      ids: ['tencent', 'tencentcloud_secret_key', 'secretkey'],
      secret: [A62, 32],
      confidence: 'low',
    }),
    // IIoK8sApiCoreV1SecretKeySelector is a type name: most of it is capitalised words
    validate: (v: string) => (v.match(/[A-Z][a-z]{2,}/g) ?? []).join('').length < v.length * 0.6,
  },
  keyed({
    id: 'ibm-cloud-api-key',
    description: 'IBM Cloud IAM API key',
    ids: ['ibm', 'ibmcloud', 'iam_api_key', 'ic_api_key'],
    secret: [B64URL, 44],
  }),
  keyed({
    id: 'oracle-cloud-fingerprint-key',
    description: 'Oracle Cloud API signing key passphrase/auth token',
    ids: ['oci_', 'oracle_cloud', 'oci.auth_token'],
    secret: '[A-Za-z0-9+:;<>()._-]{20}',
    sample: fake(A62, 20, 'oci'),
  }),
  tok({
    id: 'digitalocean-pat',
    description: 'DigitalOcean personal access token',
    prefix: 'dop_v1_',
    body: [[HEX, 64]],
    severity: 'critical',
  }),
  tok({
    id: 'digitalocean-oauth-token',
    description: 'DigitalOcean OAuth token',
    prefix: 'doo_v1_',
    body: [[HEX, 64]],
    severity: 'critical',
  }),
  tok({ id: 'digitalocean-refresh-token', description: 'DigitalOcean OAuth refresh token', prefix: 'dor_v1_', body: [[HEX, 64]] }),
  keyed({
    id: 'digitalocean-spaces-secret',
    description: 'DigitalOcean Spaces secret key',
    ids: ['spaces_secret', 'do_spaces_secret', 'spaces_secret_key'],
    secret: [B64, 43],
  }),
  keyed({ id: 'linode-token', description: 'Linode/Akamai API token', ids: ['linode'], secret: [HEX, 64] }),
  keyed({ id: 'vultr-api-key', description: 'Vultr API key', ids: ['vultr'], secret: [A36U, 36] }),
  keyed({ id: 'hetzner-api-token', description: 'Hetzner Cloud API token', ids: ['hetzner', 'hcloud'], secret: [A62, 64] }),
  tok({ id: 'scaleway-access-key', description: 'Scaleway access key', prefix: 'SCW', body: [[A36U, 17]], confidence: 'medium' }),
  keyed({
    id: 'scaleway-secret-key',
    description: 'Scaleway secret key',
    ids: ['scaleway', 'scw_secret'],
    secret: UUID_RE,
    sample: uuid('scw'),
  }),
  tok({ id: 'yandex-api-key', description: 'Yandex Cloud API key', prefix: 'AQVN', body: [[B64URL, 35, 38]] }),
  keyed({
    id: 'yandex-aws-access-token',
    description: 'Yandex Cloud static access key',
    ids: ['yandex'],
    secret: 'YC[\\w-]{38}',
    sample: 'YC' + fake(B64URL, 38, 'yc'),
  }),
  tok({
    id: 'yandex-iam-token',
    description: 'Yandex Cloud IAM token',
    prefix: 't1.',
    body: [[B64URL, 20, 80], '.', [B64URL, 86]],
    confidence: 'medium',
  }),
  keyed({
    id: 'heroku-api-key',
    description: 'Heroku API key (legacy UUID form)',
    ids: ['heroku'],
    secret: UUID_RE,
    sample: uuid('heroku'),
    severity: 'critical',
  }),
  tok({ id: 'heroku-api-key-v2', description: 'Heroku API key', prefix: 'HRKU-AA', body: [[B64URL, 58]], severity: 'critical' }),
  tok({ id: 'flyio-access-token', description: 'Fly.io access token', prefix: 'fo1_', body: [[B64URL, 43]] }),
  tok({
    id: 'flyio-macaroon',
    description: 'Fly.io macaroon token',
    prefix: 'FlyV1 fm2_',
    keywords: ['flyv1'],
    body: [[{ chars: B64.chars, cls: 'A-Za-z0-9+/=_,' }, 100, 300]],
  }),
  {
    id: 'flyio-token',
    description: 'Fly.io token (fm1a_/fm1r_/fm2_ macaroon without the FlyV1 scheme)',
    keywords: ['fm1a_', 'fm1r_', 'fm2_'],
    pattern: /(?<![\w-])(fm(?:1[ar]|2)_[A-Za-z0-9+/]{100,2000}={0,3})(?![\w+/=-])/g,
    entropy: 4,
    severity: 'high',
    confidence: 'high',
    examples: { positive: [`FLY_API_TOKEN=fm2_${fake(B64, 140, 'fly2')}`], negative: [`fm2_${'A'.repeat(120)}`, 'fm2_short'] },
  },
  tok({ id: 'render-api-key', description: 'Render API key', prefix: 'rnd_', body: [[A62, 32]] }),
  keyed({
    id: 'railway-token',
    description: 'Railway API token',
    ids: ['railway_token', 'railway_api_token'],
    secret: UUID_RE,
    sample: uuid('railway'),
  }),
  tok({ id: 'supabase-pat', description: 'Supabase personal access token', prefix: 'sbp_', body: [[HEX, 40]] }),
  tok({ id: 'supabase-secret-key', description: 'Supabase secret API key', prefix: 'sb_secret_', body: [[B64URL, 31, 40]] }),
  tok({ id: 'neon-api-key', description: 'Neon API key', prefix: 'napi_', body: [[A36, 64]] }),
  // PlanetScale bodies may hold `=` and `.` (gitleaks: [\\w=.-]{32,64})
  tok({ id: 'planetscale-api-token', description: 'PlanetScale API token', prefix: 'pscale_tkn_', body: [[PSCALE, 32, 64]], entropy: 3 }),
  tok({
    id: 'planetscale-password',
    description: 'PlanetScale database password',
    prefix: 'pscale_pw_',
    body: [[PSCALE, 32, 64]],
    entropy: 3,
    severity: 'critical',
  }),
  tok({
    id: 'planetscale-oauth-token',
    description: 'PlanetScale OAuth token',
    prefix: 'pscale_oauth_',
    body: [[PSCALE, 32, 64]],
    entropy: 3,
  }),
  tok({
    id: 'databricks-token',
    description: 'Databricks personal access token',
    prefix: 'dapi',
    body: [[DAPI, 32]],
    suffix: '',
    entropy: 3,
  }),
  tok({
    id: 'databricks-token-suffixed',
    description: 'Databricks personal access token (with -N suffix)',
    prefix: 'dapi',
    body: [[DAPI, 32], '-', [NUM, 1]],
    entropy: 3,
  }),
  keyed({
    id: 'snowflake-password',
    description: 'Snowflake account password',
    ids: ['snowflake_password', 'snowsql_pwd', 'snowflake_pwd'],
    secret: '[^\\s\'"]{8,64}',
    sample: 'Sn0w' + fake(A62, 12, 'snow'),
    entropy: 2.5,
  }),
  keyed({
    id: 'cloudflare-api-token',
    description: 'Cloudflare API token',
    ids: ['cloudflare', 'cf_api_token', 'cf_token'],
    secret: [B64URL, 40],
  }),
  keyed({
    id: 'cloudflare-global-api-key',
    description: 'Cloudflare global API key',
    ids: ['cloudflare', 'cf_api_key'],
    secret: [HEX, 37],
  }),
  {
    // 2025 formats: cfat_ (account API token), cfut_ (user API token), cfk_ (global API key): 40 base62
    // characters and an 8-hex checksum
    id: 'cloudflare-prefixed-token',
    description: 'Cloudflare API token or key (cfat_/cfut_/cfk_)',
    keywords: ['cfat_', 'cfut_', 'cfk_'],
    pattern: /(?<![\w-])(cf(?:at|ut|k)_[A-Za-z0-9]{40}[a-f0-9]{8})(?![\w-])/g,
    entropy: 3.5,
    severity: 'critical',
    confidence: 'high',
    examples: {
      positive: [
        `CLOUDFLARE_API_TOKEN=cfat_${fake(A62, 40, 'cfa1')}${fake(HEX, 8, 'cfa2')}`,
        `cfk_${fake(A62, 40, 'cfa3')}${fake(HEX, 8, 'cfa4')}`,
      ],
      negative: [
        'cfat_tooshort',
        `xcfat_${fake(A62, 40, 'cfa5')}${fake(HEX, 8, 'cfa6')}`,
        `cfat_${fake(A62, 40, 'cfa7')}${fake(HEX, 8, 'cfa8')}Z`,
      ],
    },
  },
  tok({ id: 'cloudflare-origin-ca-key', description: 'Cloudflare Origin CA key', prefix: 'v1.0-', body: [[HEX, 24], '-', [HEX, 146]] }),
  keyed({
    id: 'fastly-api-token',
    description: 'Fastly API token',
    ids: ['fastly'],
    secret: [{ chars: B64URL.chars + '=', cls: '\\w=-' }, 32],
  }),
  keyed({
    id: 'netlify-access-token',
    description: 'Netlify personal access token',
    ids: ['netlify'],
    secret: [{ chars: B64URL.chars + '=', cls: '\\w=-' }, 40, 46],
  }),
  tok({ id: 'netlify-pat', description: 'Netlify personal access token (nfp_)', prefix: 'nfp_', body: [[A62, 36, 40]] }),
  keyed({ id: 'vercel-token', description: 'Vercel access token', ids: ['vercel', 'now_token'], secret: [A62, 24] }),
  {
    // vcp_ personal, vci_ integration, vca_ app access, vcr_ refresh, vck_ API key
    id: 'vercel-pat',
    description: 'Vercel token (vcp_/vci_/vca_/vcr_/vck_)',
    keywords: ['vcp_', 'vci_', 'vca_', 'vcr_', 'vck_'],
    pattern: /(?<![\w-])(vc[piark]_[A-Za-z0-9]{20,80})(?![\w-])/g,
    entropy: 3.5,
    severity: 'critical',
    confidence: 'high',
    examples: {
      positive: [
        `VERCEL_TOKEN=vck_${fake(A62, 44, 'vck')}`,
        `token: vcp_${fake(A62, 56, 'vcp')}`,
        `vci_${fake(A62, 24, 'vci')}`,
        `VERCEL_APP_TOKEN=vca_${fake(A62, 56, 'vca')}`,
        `refresh: vcr_${fake(A62, 40, 'vcr')}`,
      ],
      negative: [`vcp_${fake(A62, 10, 'vcs')}`, `vck_${'x'.repeat(30)}`],
    },
  },
  keyed({
    id: 'openstack-password',
    description: 'OpenStack OS_PASSWORD',
    ids: ['os_password'],
    secret: '[^\\s\'"]{8,64}',
    sample: 'Op3n' + fake(A62, 12, 'os'),
    entropy: 2.5,
  }),
  tok({
    id: 'age-secret-key',
    description: 'age encryption secret key',
    prefix: 'AGE-SECRET-KEY-1',
    body: [[{ chars: 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', cls: 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L' }, 58]],
    severity: 'critical',
  }),
];
