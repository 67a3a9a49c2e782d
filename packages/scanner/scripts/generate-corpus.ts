// Regenerates test/corpus (planted fake secrets + decoys) and expected-findings.json; values are
// built at runtime from a seeded generator. Run: npx tsx packages/scanner/scripts/generate-corpus.ts
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fake, A62, HEX, B64, B64URL, A36, B32 } from '../src/rules/define.js';
const root = fileURLToPath(new URL('../test/corpus/', import.meta.url));
const expected: Array<{ file: string; line: number; ruleId: string }> = [];
const files: Record<string, string> = {};
const plant: Array<[string, string, string]> = [];
const P = (file: string, value: string, ruleId: string) => {
  plant.push([file, value, ruleId]);
  return value;
};
const b64 = (s: string) => Buffer.from(s).toString('base64');
const pem = (label: string, seed: string) =>
  `-----BEGIN ${label}-----\n${Array.from({ length: 12 }, (_, i) => fake(B64, 64, seed + i)).join('\n')}\n${fake(B64, 20, seed + 'e')}==\n-----END ${label}-----\n`;

files['secrets/.env'] = `# application settings
NODE_ENV=production
PORT=8080
DATABASE_URL=postgres://app:${P('secrets/.env', 'Vq8' + fake(A62, 13, 'c1'), 'postgres-uri')}@db.internal:5432/app
STRIPE_SECRET_KEY=${P('secrets/.env', 'sk_' + 'live_' + fake(A62, 32, 'c2'), 'stripe-secret-key')}
SENDGRID_API_KEY=${P('secrets/.env', 'SG.' + fake(B64URL, 22, 'c3') + '.' + fake(B64URL, 43, 'c3b'), 'sendgrid-api-key')}
OPENAI_API_KEY=${P('secrets/.env', 'sk-proj-' + fake(B64URL, 74, 'c4') + 'T3BlbkFJ' + fake(B64URL, 74, 'c4b'), 'openai-project-key')}
SLACK_WEBHOOK_URL=${P('secrets/.env', 'https://hooks.slack.com/services/T' + fake(A36, 10, 'c5').toUpperCase() + '/B' + fake(A36, 10, 'c5b').toUpperCase() + '/' + fake(A62, 24, 'c5c'), 'slack-webhook-url')}
KEYHAVEN_TOKEN=${P('secrets/.env', 'khv_' + fake(A62, 12, 'c6') + '_' + fake(A62, 32, 'c6b'), 'keyhaven-token')}
SESSION_SECRET=${P('secrets/.env', fake(B64, 44, 'c7'), 'session-secret')}
LOG_LEVEL=info
`;
files['secrets/k8s-secret.yaml'] = `apiVersion: v1
kind: Secret
metadata:
  name: api-credentials
  namespace: prod
type: Opaque
data:
  DB_PASSWORD: ${P('secrets/k8s-secret.yaml', b64('Kp9' + fake(A62, 15, 'k1')), 'kubernetes-secret-data')}
stringData:
  API_TOKEN: ${P('secrets/k8s-secret.yaml', fake(A62, 40, 'k2'), 'kubernetes-secret-stringdata')}
`;
files['secrets/docker-compose.yml'] = `services:
  db:
    image: postgres:16
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: ${P('secrets/docker-compose.yml', 'Zr4' + fake(A62, 13, 'd1') + '!', 'generic-password')}
  worker:
    image: acme/worker:1.4
    environment:
      REDIS_URL: redis://default:${P('secrets/docker-compose.yml', 'Rd7' + fake(A62, 17, 'd2'), 'redis-uri')}@cache:6379/0
      AWS_ACCESS_KEY_ID: ${P('secrets/docker-compose.yml', 'AKIA' + fake(B32, 16, 'd3'), 'aws-access-key-id')}
      AWS_SECRET_ACCESS_KEY: ${P('secrets/docker-compose.yml', fake(A62, 38, 'd4') + '/+', 'aws-secret-access-key')}
`;
files['secrets/main.tf'] = `provider "github" {
  token = "${P('secrets/main.tf', 'gh' + 'p_' + fake(A62, 36, 't1'), 'github-pat')}"
  owner = "acme"
}

provider "digitalocean" {
  token = "${P('secrets/main.tf', 'dop_v1_' + fake(HEX, 64, 't2'), 'digitalocean-pat')}"
}

resource "datadog_monitor" "cpu" {
  name = "cpu high"
}

locals {
  datadog_api_key = "${P('secrets/main.tf', fake(HEX, 32, 't3'), 'datadog-api-key')}"
}
`;
files['secrets/settings.py'] = `import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = '${P('secrets/settings.py', 'django-insecure-' + fake(A62, 40, 'p1'), 'django-secret-key')}'
DEBUG = False
ANTHROPIC_API_KEY = "${P('secrets/settings.py', 'sk-ant-api03-' + fake(B64URL, 93, 'p2') + 'AA', 'anthropic-api-key')}"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
`;
files['secrets/dump.sql'] = `-- MySQL dump 10.13
CREATE TABLE users (id int, email varchar(255), password_hash varchar(255));
INSERT INTO users VALUES (1,'alice@acme.test','${P('secrets/dump.sql', '$2y$12$' + fake({ chars: A62.chars + './', cls: '' }, 53, 's1'), 'bcrypt-hash')}');
CREATE USER 'report'@'%' IDENTIFIED BY PASSWORD '${P('secrets/dump.sql', '*' + fake(HEX, 40, 's2').toUpperCase(), 'mysql-native-password-hash')}';
`;
files['secrets/.bashrc'] = `# ~/.bashrc
export PATH="$HOME/bin:$PATH"
export GITLAB_TOKEN=${P('secrets/.bashrc', 'glpat-' + fake(B64URL, 20, 'b1'), 'gitlab-pat')}
export NPM_TOKEN=${P('secrets/.bashrc', 'npm_' + fake(A62, 36, 'b2'), 'npm-access-token')}
alias proddb='mysql -h db.internal -u admin -p${P('secrets/.bashrc', 'My5' + fake(A62, 12, 'b3'), 'cli-password-flag')} app'
`;
files['secrets/id_rsa'] = pem('RSA PRIVATE KEY', 'r1');
plant.push(['secrets/id_rsa', '-----BEGIN RSA PRIVATE KEY-----', 'private-key-rsa']); // reported at the BEGIN line
files['secrets/app.js'] = `'use strict';
const twilio = require('twilio');
const TWILIO_AUTH_TOKEN = '${P('secrets/app.js', fake(HEX, 32, 'j1'), 'twilio-auth-token')}';
const client = twilio('AC${fake(HEX, 32, 'j0')}', TWILIO_AUTH_TOKEN);
const maps = { key: '${P('secrets/app.js', 'AIza' + fake(B64URL, 35, 'j2'), 'gcp-api-key')}' };
const serviceJwt = '${P('secrets/app.js', Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url') + '.' + Buffer.from('{"sub":"svc-billing","iat":1700000000}').toString('base64url') + '.' + fake(B64URL, 43, 'j3'), 'jwt')}';
module.exports = { client, maps, serviceJwt };
`;
files['secrets/application.properties'] = `server.port=8080
spring.datasource.url=jdbc:postgresql://db:5432/app
spring.datasource.username=app
spring.datasource.password=${P('secrets/application.properties', 'Sp9' + fake(A62, 14, 'a1'), 'generic-password')}
`;
files['secrets/web.config'] = `<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <appSettings>
    <add key="Smtp.Password" value="${P('secrets/web.config', 'Wc3' + fake(A62, 14, 'w1'), 'xml-config-secret')}" />
  </appSettings>
  <connectionStrings>
    <add name="Main" connectionString="Server=sql.internal;Database=app;User Id=app;Password=${P('secrets/web.config', 'Cs8' + fake(A62, 14, 'w2'), 'ado-net-connection-string')};" />
  </connectionStrings>
</configuration>
`;
files['secrets/.htpasswd'] =
  `admin:${P('secrets/.htpasswd', '$apr1$' + fake(A62, 8, 'h1') + '$' + fake(A62, 22, 'h2'), 'htpasswd-apr1')}\n`;
files['secrets/gcp-sa.json'] =
  JSON.stringify(
    {
      type: 'service_account',
      project_id: 'acme-prod',
      private_key_id: P('secrets/gcp-sa.json', fake(HEX, 40, 'g1'), 'gcp-service-account'),
      client_email: 'deploy@acme-prod.iam.gserviceaccount.com',
    },
    null,
    2,
  ) + '\n';

// decoys
files['decoys/placeholders.env'] = `DATABASE_URL=postgres://app:\${DB_PASSWORD}@db:5432/app
STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx
API_KEY=<your-api-key>
PASSWORD=changeme
SECRET_KEY=your_secret_key_here
GITHUB_TOKEN=\${GITHUB_TOKEN}
AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
JWT_SECRET={{ .Values.jwtSecret }}
TOKEN=dummy-token-for-tests
`;
files['decoys/README.md'] = `# Setup

Set \`KEYHAVEN_TOKEN\` to the token printed by \`keyhaven tokens create\`, e.g. \`export KEYHAVEN_TOKEN=<token>\`.
Use \`password: changeme\` only locally. The password field is required.
Connection strings look like \`postgres://user:password@host:5432/db\`.
`;
files['decoys/package-lock.json'] =
  JSON.stringify(
    {
      name: 'demo',
      lockfileVersion: 3,
      packages: {
        'node_modules/left-pad': {
          version: '1.3.0',
          resolved: 'https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz',
          integrity: 'sha512-' + fake(B64, 86, 'lp') + '==',
        },
      },
    },
    null,
    2,
  ) + '\n';
files['decoys/code.ts'] = `export function connect(config: Config) {
  const password = config.db.password;
  const token = req.headers.authorization;
  const apiKey = process.env.API_KEY;
  const secret = await vault.read('db/secret');
  const passwordField = 'password';
  const commit = '${fake(HEX, 40, 'sha')}';
  const requestId = '${fake(HEX, 8, 'u1')}-${fake(HEX, 4, 'u2')}-4${fake(HEX, 3, 'u3')}-a${fake(HEX, 3, 'u4')}-${fake(HEX, 12, 'u5')}';
  return { password, token, apiKey, secret, passwordField, commit, requestId };
}
`;
files['decoys/configmap.yaml'] = `apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  LOG_LEVEL: info
  FEATURE_FLAGS: ${b64('{"beta":true,"darkMode":false}')}
`;
files['decoys/minified.js'] =
  `!function(e){var t={token:e.token,password:e.password||"",tokenizer:"wordpiece",apiKey:n.apiKey};e.color="#${fake(HEX, 6, 'col')}",e.img="data:image/png;base64,${fake(B64, 120, 'img')}";return t}(window);\n`;

for (const [rel, content] of Object.entries(files)) {
  const p = path.join(root, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, content);
}
for (const [file, value, ruleId] of plant) {
  const lines = files[file].split('\n');
  const idx = lines.findIndex((l) => l.includes(value));
  if (idx < 0) throw new Error('not planted ' + file + ' ' + ruleId);
  expected.push({ file, line: idx + 1, ruleId });
}
writeFileSync(
  path.join(root, 'expected-findings.json'),
  JSON.stringify(
    { description: 'Planted secrets in test/corpus/secrets; test/corpus/decoys must produce no findings.', findings: expected },
    null,
    2,
  ) + '\n',
);
console.log(expected.length, 'expected');
