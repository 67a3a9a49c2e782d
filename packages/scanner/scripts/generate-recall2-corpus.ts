// Regenerates test/recall2: a second labelled corpus, written independently of test/recall (other file
// types, syntaxes and vendors), used as a held-out check of the issue-19 capabilities: the rules were
// not tuned on it before it was first measured. Same layout and labels as test/recall (positives/<cap>/
// lines labelled in labels.json; negatives/<cap>/ must yield nothing). Values come from the seeded
// generator, so nothing is a real credential. Run: npx tsx packages/scanner/scripts/generate-recall2-corpus.ts
import { fileURLToPath } from 'node:url';
import { createLabelledCorpus } from './labelled-corpus.js';
import { createHash } from 'node:crypto';
import { fake, A62, A36, HEX, B64, B64URL, NUM, uuid } from '../src/rules/define.js';

const root = fileURLToPath(new URL('../test/recall2/', import.meta.url));
const corpus = createLabelledCorpus(
  root,
  'Second labelled recall corpus (issue 19, held-out style): file -> secret line numbers; negatives/ must yield nothing.',
);
const { S, put, label } = corpus;
let n = 0;
const r = (cs: typeof A62, len: number) => fake(cs, len, `r2-${n++}`);
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const words = ['Harbor', 'Lantern', 'Copper', 'Meadow', 'Saffron', 'Tundra', 'Orchid', 'Basalt', 'Juniper', 'Cobalt'];
/** A human-chosen password: word + digits + symbol, or a short simple one. */
const pw = () => words[n++ % words.length] + fake(NUM, 3, 'pw' + n) + ['!', '#', '$', '%', '&'][n % 5];
const simple = () => ['hunter22', 'letmein7', 'summer2024', 'qwerty99', 'dragon12', 'pa55word1'][n++ % 6];
const pemBody = (lines = 6) => Array.from({ length: lines }, () => r(B64, 64)).join('\n');

// ---------------------------------------------------------------- 1. vendor formats (other vendors and syntaxes)
put(
  'positives/vendors/docker-compose.yml',
  `services:
  api:
    image: acme/api:2.4
    environment:
      - STRIPE_SECRET_KEY=${S('sk_live_' + r(A62, 40))}
      - SENTRY_AUTH_TOKEN=${S('sntryu_' + r(HEX, 64))}
      - DATADOG_API_KEY=${S(r(HEX, 32))}
      - LOG_LEVEL=info
  worker:
    environment:
      HF_TOKEN: ${S('hf_' + r({ chars: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ', cls: 'A-Za-z' }, 34))}
      GROQ_API_KEY: "${S('gsk_' + r(A62, 52))}"
      QUEUE: jobs
`,
);
put(
  'positives/vendors/ci.tf',
  `provider "cloudflare" {
  api_token = "${S(r(B64URL, 40))}"
}

resource "github_actions_secret" "npm" {
  repository      = "web"
  secret_name     = "NPM_TOKEN"
  plaintext_value = "${S('npm_' + r(A62, 36))}"
}

variable "region" { default = "eu-west-1" }
`,
);
put(
  'positives/vendors/settings.py',
  `import os

DEBUG = False
ANTHROPIC_API_KEY = "${S('sk-ant-api03-' + r(B64URL, 93) + 'AA')}"
OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY", "${S('sk-proj-' + r(B64URL, 74) + 'T3BlbkFJ' + r(B64URL, 74))}")
SLACK_BOT_TOKEN = '${S('xoxb-' + r(NUM, 12) + '-' + r(NUM, 13) + '-' + r(A62, 24))}'
TWILIO_ACCOUNT_SID = "AC${r(HEX, 32)}"
TWILIO_AUTH_TOKEN = "${S(r(HEX, 32))}"
MAPBOX_STYLE = "mapbox://styles/acme/outdoor"
`,
);
put(
  'positives/vendors/deploy.ps1',
  `$env:AZURE_CLIENT_ID = "${uuid('az-client')}"
$env:AZURE_CLIENT_SECRET = "${S(r(A62, 3) + '8Q~' + r(B64URL, 34).replace(/-/g, '.'))}"
$env:DIGITALOCEAN_TOKEN = "${S('dop_v1_' + r(HEX, 64))}"
Write-Host "deploying to $env:TARGET"
`,
);
put(
  'positives/vendors/app.config.js',
  `module.exports = {
  firebase: { apiKey: '${S('AIza' + r(B64URL, 35))}', projectId: 'acme-prod' },
  shopify: { adminToken: '${S('shpat_' + r(HEX, 32))}' },
  sendgrid: '${S('SG.' + r(B64URL, 22) + '.' + r(B64URL, 43))}',
  gitlab: { token: '${S('glpat-' + r(B64URL, 20))}' },
  telemetry: { enabled: true },
};
`,
);

// ---------------------------------------------------------------- 2. generic assignments
put(
  'positives/generic/database.yml',
  `default: &default
  adapter: postgresql
  pool: 5

production:
  <<: *default
  database: shop_production
  username: shop
  password: ${S(pw())}

staging:
  primary:
    host: db.staging.internal
    credentials:
      user: app
      pass: "${S(pw())}"
`,
);
put(
  'positives/generic/secrets.rb',
  `Rails.application.configure do
  config.smtp = { user_name: "mailer", password: "${S(pw())}", address: "smtp.example.com" }
  config.redis = { url: ENV["REDIS_URL"] }
end
CREDS = { :api_secret => "${S(r(A62, 28))}" }
`,
);
put(
  'positives/generic/local.settings.json',
  `{
  "IsEncrypted": false,
  "Values": {
    "FUNCTIONS_WORKER_RUNTIME": "node",
    "Storage": {
      "Password": "${S(pw())}"
    }
  },
  "auth": { "client_secret": "${S(r(A62, 32))}" }
}
`,
);
put(
  'positives/generic/application.properties',
  `server.port=8080
spring.datasource.url=jdbc:postgresql://db:5432/orders
spring.datasource.username=orders
spring.datasource.password=${S(pw())}
mail.smtp.password = ${S(simple())}
app.feature.x=true
`,
);
put(
  'positives/generic/wp-settings.php',
  `<?php
$config = array(
    'db_host' => 'localhost',
    'db_user' => 'wp',
    'db_pass' => '${S(pw())}',
);
$smtp['password'] = "${S(pw())}";
`,
);
put(
  'positives/generic/context.xml',
  `<?xml version="1.0" encoding="UTF-8"?>
<Context>
  <Resource name="jdbc/main" auth="Container" type="javax.sql.DataSource"
            username="tomcat" password="${S(pw())}" driverClassName="org.postgresql.Driver"/>
  <Environment name="apiSecret" value="x"/>
  <credentials>
    <password>${S(pw())}</password>
  </credentials>
</Context>
`,
);
put(
  'positives/generic/onboarding.md',
  `# Staging access

Log in to the staging console as \`admin\`; the password is ${S(pw())} (rotate after the demo).
The wifi in the lab: network \`acme-lab\`, passphrase: ${S(pw())}
`,
);
put(
  'positives/generic/backup.sh',
  `#!/bin/bash
set -euo pipefail
mysqldump -u backup -p${S(pw())} --all-databases > /backup/all.sql
sshpass -p '${S(pw())}' scp /backup/all.sql ops@vault01:/srv/
curl --user deploy:${S(pw())} https://nexus.example.com/upload
psql "host=db user=app password=${S(pw())} dbname=app" -c 'select 1'
`,
);
put(
  'positives/generic/connect.py',
  `import pymysql, paramiko

conn = pymysql.connect(host="10.0.0.5", user="report", password="${S(pw())}", db="sales")
ssh = paramiko.SSHClient()
ssh.connect("bastion", username="ops", password="${S(pw())}")
client.login("svc-sync", "${S(pw())}")
`,
);
put(
  'positives/generic/Program.cs',
  `var cred = new NetworkCredential("svc_print", "${S(pw())}");
var conn = new SqlConnection("Server=sql01;Database=Billing;User Id=billing;Password=${S(pw())};");
`,
);
put(
  'positives/generic/build.gradle.kts',
  `publishing {
    repositories {
        maven {
            url = uri("https://repo.example.com/releases")
            credentials {
                username = "ci"
                password = "${S(pw())}"
            }
        }
    }
}
`,
);

// ---------------------------------------------------------------- 3. connection strings and URLs
put(
  'positives/urls/services.env',
  `DATABASE_URL=postgresql://app:${S(simple())}@db.internal:5432/app
MONGO_URI=mongodb://admin:${S(pw())}@mongo-0.mongo,mongo-1.mongo/admin?replicaSet=rs0
REDIS_URL=redis://:${S(simple())}@cache:6379/0
AMQP_URL=amqps://orders:${S(pw())}@mq.example.com/vhost
MYSQL_DSN=mysql://root:${S('p@ss' + fake(NUM, 4, 'at'))}@localhost:3306/app
PRIVATE_REPO=https://${S(r(HEX, 40))}:x-oauth-basic@github.com/acme/infra.git
FEED=https://ci-bot:${S(simple())}@artifacts.example.com/npm/
LDAP_URL=ldaps://cn=admin,dc=acme,dc=com:${S(pw())}@ldap.acme.com
`,
);
put(
  'positives/urls/pipeline.groovy',
  `pipeline {
  stages {
    stage('fetch') {
      steps { sh 'git clone https://oauth2:${S('glpat-' + r(B64URL, 20))}@gitlab.example.com/acme/app.git' }
    }
    stage('push') {
      steps { sh 'curl -T out.zip ftp://upload:${S(simple())}@ftp.example.com/drop/' }
    }
  }
}
`,
);

// ---------------------------------------------------------------- 4. password hashes
const md5crypt = () => '$1$' + r(A62, 8) + '$' + r(A62, 22);
const sha512crypt = () => '$6$' + r(A62, 16) + '$' + r({ chars: A62.chars + './', cls: 'A-Za-z0-9./' }, 86);
put(
  'positives/hashes/seed.sql',
  `INSERT INTO users (id, email, password_hash) VALUES
  (1, 'admin@acme.test', '${S('$2b$12$' + r({ chars: A62.chars + './', cls: 'A-Za-z0-9./' }, 53))}'),
  (2, 'ops@acme.test', '${S(sha512crypt())}');
UPDATE accounts SET pw = '${S(md5crypt())}' WHERE id = 3;
`,
);
put(
  'positives/hashes/switch.conf',
  `hostname core-sw1
enable secret 5 ${S(md5crypt())}
username netops privilege 15 secret 9 ${S('$9$' + r(A62, 14) + '$' + r(A62, 43))}
username backup password 7 ${S('08' + fake({ chars: '0123456789ABCDEF', cls: '0-9A-F' }, 20, 'c7'))}
interface Gi0/1
 description uplink
`,
);
put(
  'positives/hashes/ldap.ldif',
  `dn: uid=jdoe,ou=people,dc=acme,dc=com
objectClass: inetOrgPerson
uid: jdoe
userPassword: ${S('{SSHA}' + b64(r(A62, 24)))}
`,
);

// ---------------------------------------------------------------- 5. application credential files
put(
  'positives/appfiles/recentservers.xml',
  `<?xml version="1.0" encoding="UTF-8"?>
<FileZilla3>
  <RecentServers>
    <Server>
      <Host>files.example.com</Host>
      <Port>21</Port>
      <User>uploader</User>
      <Pass encoding="base64">${S(b64(pw()))}</Pass>
    </Server>
  </RecentServers>
</FileZilla3>
`,
);
put('positives/appfiles/.pgpass', `db.internal:5432:app:app:${S(pw())}\n*:*:*:report:${S(simple())}\n`);
put(
  'positives/appfiles/.netrc',
  `machine ftp.example.com\n  login deploy\n  password ${S(pw())}\nmachine api.heroku.com login me@acme.com password ${S(uuid('heroku-netrc'))}\n`,
);
put(
  'positives/appfiles/.npmrc',
  `registry=https://npm.acme.com/
//npm.acme.com/:_authToken=${S(r(A36, 20))}
//registry.npmjs.org/:_auth=${S(b64('ci:' + simple()))}
always-auth=true
`,
);
put('positives/appfiles/.esmtprc', `hostname = smtp.example.com:587\nusername = "alerts"\npassword = "${S(pw())}"\nstarttls = required\n`);
put(
  'positives/appfiles/.docker/config.json',
  `{
  "auths": {
    "registry.example.com": { "auth": "${S(b64('robot:' + r(A62, 24)))}" }
  }
}
`,
);
put('positives/appfiles/.git-credentials', `https://jdoe:${S('ghp_' + r(A62, 36))}@github.com\n`);

// ---------------------------------------------------------------- 6. private keys in other encodings
const rsaPem = `-----BEGIN RSA PRIVATE KEY-----\nMIIEow${r(B64, 58)}\n${pemBody(8)}\n-----END RSA PRIVATE KEY-----\n`;
put(
  'positives/keys/tls.yaml',
  `apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\ndata:\n  tls.crt: ${b64('-----BEGIN CERTIFICATE-----\nMIIB' + r(B64, 60))}\n  tls.key: ${S(b64(rsaPem))}\n`,
);
put(
  'positives/keys/keys.go',
  `package keys

const signingKey = "-----BEGIN EC PRIVATE KEY-----\\n" +
	"MHcCAQEE${r(B64, 56)}\\n" +
	"oAoGCCqGSM49AwEHoUQDQgAE${r(B64, 40)}\\n" +
	"-----END EC PRIVATE KEY-----\\n"
`,
);
label('positives/keys/keys.go', [3]);
put(
  'positives/keys/service-account.json',
  `{
  "type": "service_account",
  "project_id": "acme-data",
  "private_key_id": "${S(r(HEX, 40))}",
  "private_key": "${S('-----BEGIN PRIVATE KEY-----')}\\nMIIEvQ${r(B64, 60)}\\n${r(B64, 64)}\\n-----END PRIVATE KEY-----\\n",
  "client_email": "etl@acme-data.iam.gserviceaccount.com"
}
`,
);
put(
  'positives/keys/id_rsa',
  `${S('-----BEGIN OPENSSH PRIVATE KEY-----')}\nb3BlbnNzaC1rZXktdjEAAAAA${r(B64, 40)}\n${pemBody(5)}\n-----END OPENSSH PRIVATE KEY-----\n`,
);

// ---------------------------------------------------------------- 7. placeholders (real values that look odd) and salts
put(
  'positives/placeholders/wp-config.php',
  `<?php
define( 'DB_NAME', 'blog' );
define( 'DB_PASSWORD', '${S(pw())}' );
define('AUTH_KEY',         '${S('<' + r(A62, 20) + '>' + r(A62, 20) + '|' + r(A62, 10))}');
define('SECURE_AUTH_SALT', '${S(r(A62, 24) + '<]' + r(A62, 24))}');
`,
);

// A real-looking token committed in a test fixture is still a finding (reported with context: test).
put(
  'positives/vendors/test/fixtures/webhook.test.js',
  `const SECRET = '${S('whsec_' + r(A62, 32))}';
it('verifies the signature', () => { expect(verify(body, sig, SECRET)).toBe(true); });
`,
);

// ---------------------------------------------------------------- batch 2 (added after the first measurement, measured before any fix)
put(
  'positives/generic/config.ini',
  `[database]
host = db01
user = reporting
password = ${S(pw())}

[smtp]
pass=${S(simple())}
`,
);
put(
  'positives/generic/settings.toml',
  `[server]
port = 8080

[db]
password = "${S(pw())}"
`,
);
put(
  'positives/generic/Mailer.java',
  `props.put("mail.smtp.auth", "true");
dataSource.setPassword("${S(pw())}");
Session s = Session.getInstance(props, new PasswordAuthentication("alerts@acme.com", "${S(pw())}"));
RedisURI.builder().withPassword("${S(pw())}".toCharArray()).build();
`,
);
put(
  'positives/generic/main.go',
  `db, err := sql.Open("postgres", "host=db user=app password=${S(pw())} dbname=app sslmode=disable")
auth := smtp.PlainAuth("", "alerts@acme.com", "${S(pw())}", "smtp.acme.com")
`,
);
put(
  'positives/generic/Dockerfile',
  `FROM mysql:8
ENV MYSQL_ROOT_PASSWORD=${S(pw())}
ENV TZ=UTC
`,
);
put(
  'positives/generic/ops.sh',
  `docker login -u ci -p ${S(pw())} registry.acme.com
redis-cli -h cache -a ${S(pw())} ping
mysql -uroot -p${S(simple())} -e 'show databases'
PGPASSWORD=${S(pw())} pg_dump -h db app > app.sql
`,
);
put(
  'positives/generic/chat-notes.txt',
  `Hi team, the new Grafana admin login:
Username: admin
Password: ${S(pw())}
and the VPN pre-shared key is ${S(r(A62, 20))}
`,
);
put(
  'positives/generic/client.js',
  `const client = new Client({ user: 'etl', pass: '${S(pw())}', host: 'db' });
await page.fill('#password', '${S(pw())}');
axios.get(url, { auth: { username: 'bot', password: '${S(pw())}' } });
`,
);
put(
  'positives/appfiles/settings.xml',
  `<settings>
  <servers>
    <server>
      <id>releases</id>
      <username>deployer</username>
      <password>${S(pw())}</password>
    </server>
  </servers>
</settings>
`,
);
put(
  'positives/appfiles/.s3cfg',
  `[default]\naccess_key = AKIA${r({ chars: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', cls: 'A-Z2-7' }, 16)}\nsecret_key = ${S(r(B64, 40))}\nhost_base = s3.amazonaws.com\n`,
);
label('positives/appfiles/.s3cfg', [2, 3]);
put(
  'positives/appfiles/credentials',
  `[default]\naws_access_key_id = ${S('AKIA' + r({ chars: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', cls: 'A-Z2-7' }, 16))}\naws_secret_access_key = ${S(r(B64, 40))}\nregion = eu-west-1\n`,
);
put(
  'positives/appfiles/.pypirc',
  `[distutils]\nindex-servers = internal\n\n[internal]\nrepository = https://pypi.acme.com/\nusername = ci\npassword = ${S(pw())}\n`,
);
put(
  'positives/appfiles/WinSCP.ini',
  `[Sessions\\\\deploy@web01]\nHostName=web01.acme.com\nUserName=deploy\nPassword=${S(r(HEX, 48).toUpperCase())}\n`,
);
put(
  'positives/appfiles/office.remmina',
  `[remmina]\nname=office\nserver=rdp.acme.com\nusername=jdoe\npassword=${S(b64(r(A62, 24)))}\nprotocol=RDP\n`,
);
put(
  'positives/appfiles/confCons.xml',
  `<?xml version="1.0" encoding="utf-8"?>
<mrng:Connections xmlns:mrng="http://mremoteng.org" Name="Connections">
  <Node Name="web01" Username="admin" Domain="ACME" Password="${S(b64(r(A62, 48)))}" Hostname="10.0.0.8" Protocol="RDP" />
</mrng:Connections>
`,
);
put(
  'positives/urls/app.yaml',
  `spring:
  rabbitmq:
    addresses: amqp://svc:${S(simple())}@rabbit:5672
  data:
    mongodb:
      uri: "mongodb+srv://reader:${S(pw())}@cluster0.ab1cd.mongodb.net/shop"
proxy: http://proxyuser:${S(simple())}@proxy.acme.com:3128
`,
);
put(
  'positives/urls/requests.http',
  `GET https://api.acme.com/v1/orders
Authorization: Basic ${S(b64('admin:' + pw()))}

###
POST https://api.acme.com/v1/sync
X-Api-Key: ${S(r(A62, 32))}
`,
);
put(
  'positives/hashes/users.yml',
  `users:
  - name: alice
    password_hash: "${S('$5$' + r(A62, 16) + '$' + r({ chars: A62.chars + './', cls: 'A-Za-z0-9./' }, 43))}"
  - name: bob
    hash: "${S('$y$j9T$' + r({ chars: A62.chars + './', cls: 'A-Za-z0-9./' }, 22) + '$' + r({ chars: A62.chars + './', cls: 'A-Za-z0-9./' }, 43))}"
`,
);
put(
  'positives/hashes/fixtures.json',
  `[{ "model": "auth.user", "pk": 1, "fields": { "username": "admin", "password": "${S('pbkdf2_sha256$600000$' + r(A62, 22) + '$' + r(B64, 43) + '=')}" } }]
`,
);
put(
  'positives/hashes/asa.cfg',
  `username admin secret 8 ${S('$8$' + r(A62, 14) + '$' + r(A62, 43))}
enable password 7 ${S('0' + fake(NUM, 1, 'c7b') + fake({ chars: '0123456789ABCDEF', cls: '0-9A-F' }, 18, 'c7c'))}
`,
);
const jks = Buffer.concat([Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1]), Buffer.from(r(A62, 64))]);
put('positives/keys/truststore.jks', jks);
label('positives/keys/truststore.jks', [1]);
put(
  'positives/keys/.env.production',
  `JWT_PRIVATE_KEY="${S('-----BEGIN PRIVATE KEY-----')}\\nMIIEvg${r(B64, 58)}\\n${r(B64, 64)}\\n-----END PRIVATE KEY-----"
APP_NAME=shop
`,
);
put(
  'positives/keys/deploy_key.json',
  `{"name":"deploy","key":"${S(b64('-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA' + r(B64, 60) + '\n-----END OPENSSH PRIVATE KEY-----\n'))}"}
`,
);
put(
  'negatives/generic/docs/configuration.md',
  `## Database

| key | example |
| --- | --- |
| \`password\` | \`<db password>\` |
| \`DB_PASS\` | \`\${DB_PASS}\` |

Run \`mysql -u root -p\` and type the password when asked. Use \`--password-stdin\` with docker login.
`,
);
put(
  'negatives/generic/test_auth.py',
  `def test_rejects_wrong_password(client):
    resp = client.post("/login", data={"user": "alice", "password": "wrong-password"})
    assert resp.status_code == 401

def test_hash(hasher):
    assert hasher.verify("password", hasher.hash("password"))
`,
);
put(
  'negatives/hashes/uuids.csv',
  `id,created
${uuid('n1')},2024-05-01
${uuid('n2')},2024-05-02
`,
);
put(
  'negatives/appfiles/.npmrc',
  `registry=https://registry.npmjs.org/
//registry.npmjs.org/:_authToken=\${NPM_TOKEN}
save-exact=true
`,
);
put(
  'negatives/keys/ssh_config',
  `Host bastion
  HostName 10.0.0.1
  User ops
  IdentityFile ~/.ssh/id_ed25519
`,
);

// ---------------------------------------------------------------- batch 3 (added after batch 2 was fixed, measured before any fix)
put(
  'positives/keys/signer.py',
  `PRIVATE_KEY = (
    "${S('-----BEGIN RSA PRIVATE KEY-----')}\\n"
    "MIIEpA${r(B64, 58)}\\n"
    "${r(B64, 64)}\\n"
    "-----END RSA PRIVATE KEY-----\\n"
)
`,
);
put(
  'positives/keys/Certs.cs',
  `const string Key = @"${S('-----BEGIN PRIVATE KEY-----')}
MIIEvQ${r(B64, 58)}
${r(B64, 64)}
-----END PRIVATE KEY-----";
`,
);
const p12 = Buffer.concat([
  Buffer.from([
    0x30, 0x82, 0x06, 0x11, 0x02, 0x01, 0x03, 0x30, 0x82, 0x05, 0xd7, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01,
  ]),
  Buffer.from(r(A62, 200)),
]);
put('positives/keys/client-cert.pfx', p12);
label('positives/keys/client-cert.pfx', [1]);
put(
  'positives/keys/terraform.tfvars',
  `ssh_private_key = <<EOT
${S('-----BEGIN OPENSSH PRIVATE KEY-----')}
b3BlbnNzaC1rZXktdjEAAAAA${r(B64, 40)}
-----END OPENSSH PRIVATE KEY-----
EOT
`,
);
const keytab = Buffer.concat([
  Buffer.from([0x05, 0x02, 0, 0, 0, 0x40, 0, 1, 0, 9]),
  Buffer.from('ACME.TEST'),
  Buffer.from([0, 4]),
  Buffer.from('HTTP'),
  Buffer.from(r(A62, 40)),
]);
put('positives/hashes/service.keytab', keytab);
label('positives/hashes/service.keytab', [1]);
put(
  'positives/hashes/passwd.bak',
  `root:${S('$6$' + r(A62, 8) + '$' + r({ chars: A62.chars + './', cls: 'A-Za-z0-9./' }, 86))}:19000:0:99999:7:::
daemon:*:19000:0:99999:7:::
deploy:${S('$y$j9T$' + r({ chars: A62.chars + './', cls: 'A-Za-z0-9./' }, 22) + '$' + r({ chars: A62.chars + './', cls: 'A-Za-z0-9./' }, 43))}:19001:0:99999:7:::
`,
);
put(
  'positives/hashes/router.txt',
  `username admin privilege 15 secret 5 ${S('$1$' + r(A62, 4) + '$' + r(A62, 22))}
enable secret 9 ${S('$9$' + r(A62, 14) + '$' + r(A62, 43))}
`,
);
put(
  'positives/appfiles/credentials-config.json',
  JSON.stringify({ '#connection': { user: 'postgres', password: S(pw()) } }, null, 2) + '\n',
);
put(
  'positives/appfiles/dataSources.local.xml',
  `<?xml version="1.0" encoding="UTF-8"?>
<project version="4">
  <component name="dataSourceStorageLocal">
    <data-source name="prod@db01" uuid="${uuid('dg')}">
      <database-info product="PostgreSQL" version="15.4" />
      <user-name>app</user-name>
      <secret-storage>master_key</secret-storage>
      <password>${S(b64(pw()))}</password>
    </data-source>
  </component>
</project>
`,
);
put(
  'positives/appfiles/Login Data.json',
  `{"nextId":3,"logins":[{"id":1,"hostname":"https://intranet.acme.com","encryptedUsername":"${S('MDoEEPgAAAAA' + r(B64, 60))}","encryptedPassword":"${S('MEIEEPgAAAAA' + r(B64, 60))}","formSubmitURL":""}]}
`,
);
label('positives/appfiles/Login Data.json', [1]);
put(
  'positives/appfiles/sftp-config.json',
  `{
    "type": "sftp",
    "host": "web01.acme.com",
    "user": "deploy",
    "password": "${S(pw())}",
    "remote_path": "/var/www/"
}
`,
);
put(
  'positives/appfiles/.yarnrc.yml',
  `npmRegistryServer: "https://npm.acme.com"
npmAuthToken: "${S(r(A36, 24))}"
`,
);
put(
  'positives/generic/ansible-vars.yml',
  `mysql_root_password: ${S(pw())}
ansible_become_pass: "${S(simple())}"
app_secret_key: ${S(r(A62, 40))}
`,
);
put(
  'positives/generic/server.xml',
  `<Server port="8005" shutdown="SHUTDOWN">
  <Realm className="org.apache.catalina.realm.MemoryRealm"/>
  <user username="manager" password="${S(pw())}" roles="manager-gui"/>
  <Connector port="8443" keystorePass="${S(pw())}" />
</Server>
`,
);
put(
  'positives/generic/values-prod.yaml',
  `redis:
  auth:
    enabled: true
    password: ${S(pw())}
keycloak:
  admin:
    credentials:
      password:
        value: "${S(pw())}"
`,
);
put(
  'positives/generic/runbook.md',
  `## Break-glass

1. \`ssh root@10.2.0.4\` (root pw: \`${S(pw())}\`)
2. In the BIOS use admin / ${S(pw())}
`,
);
put(
  'positives/urls/notebook.ipynb',
  `{"cells":[{"cell_type":"code","source":["engine = create_engine(\\"postgresql+psycopg2://analyst:${S(pw())}@warehouse:5432/dw\\")\\n"]}]}
`,
);
put(
  'positives/urls/urls.txt',
  `sftp://backup:${S(simple())}@nas.local/share
smb://ACME;jdoe:${S(pw())}@files.acme.com/public
https://user:${S('p@ssw0rd' + fake(NUM, 2, 'u2'))}@git.acme.com/repo.git
`,
);
put(
  'positives/placeholders/.env.local',
  `# values for my machine
API_KEY=${S(r(A62, 32))}
DB_PASSWORD=${S('Xx' + fake(A62, 10, 'xx') + '9')}
PLACEHOLDER_TEXT=Enter a value
`,
);
put(
  'negatives/placeholders/config.example.yml',
  `database:
  password: <your-db-password>
  user: \${DB_USER}
api:
  key: YOUR_API_KEY_HERE
  secret: changeme
  token: "{{ vault_token }}"
  client_secret: "%CLIENT_SECRET%"
smtp:
  password: "********"
`,
);
put(
  'negatives/keys/README.md',
  `Generate a key with \`openssl genrsa -out key.pem 2048\` and keep \`-----BEGIN RSA PRIVATE KEY-----\` blocks out of git.
`,
);
put(
  'negatives/generic/i18n.json',
  `{ "password": "Password", "password_hint": "At least 8 characters", "secret_label": "Secret question", "token_expired": "Your session token expired" }
`,
);
put(
  'negatives/hashes/package.txt',
  `resolved "https://registry.yarnpkg.com/a/-/a-1.0.0.tgz#${createHash('sha1').update('x').digest('hex')}"
`,
);

// ---------------------------------------------------------------- negatives: docs, templates, code, fixtures, look-alikes
put(
  'negatives/generic/.env.example',
  `# Copy to .env and fill in
DATABASE_URL=postgres://user:password@localhost:5432/app
STRIPE_SECRET_KEY=sk_live_your_key_here
SENTRY_AUTH_TOKEN=<your-sentry-token>
SMTP_PASSWORD=changeme
API_KEY=\${API_KEY}
JWT_SECRET={{ jwt_secret }}
REDIS_PASSWORD=
`,
);
put(
  'negatives/generic/config.ts',
  `export const config = {
  password: process.env.DB_PASSWORD ?? '',
  secret: requireEnv('APP_SECRET'),
  token: options.token,
  apiKey: import.meta.env.VITE_API_KEY,
  passwordMinLength: 12,
  passwordField: 'user_password',
};
function login(user: string, password: string): Promise<Session> { return auth.login(user, password); }
`,
);
put(
  'negatives/generic/values.yaml',
  `postgresql:
  auth:
    existingSecret: pg-credentials
    secretKeys:
      adminPasswordKey: postgres-password
  password: ""
ingress:
  tls:
    secretName: web-tls
`,
);
put(
  'negatives/generic/form.html',
  `<form>
  <label for="pw">Password</label>
  <input type="password" id="pw" name="password" placeholder="Enter your password" autocomplete="current-password">
  <p class="hint">Your password must contain at least 8 characters.</p>
</form>
`,
);
put(
  'negatives/urls/README.md',
  `Connect with \`psql postgres://USER:PASSWORD@HOST:5432/DB\` or set
\`MONGO_URI=mongodb://<user>:<password>@localhost:27017\`. See https://docs.example.com/auth#tokens.
`,
);
put(
  'negatives/vendors/CHANGELOG.md',
  `## 2.3.0
- Commit ${createHash('sha1').update('c1').digest('hex')} fixes the token refresh
- Build id ${uuid('build')}; image sha256:${createHash('sha256').update('img').digest('hex')}
- Integrity: sha512-${b64(createHash('sha512').update('pkg').digest())}
`,
);
put(
  'negatives/vendors/lockfile.json',
  `{
  "packages": {
    "node_modules/left-pad": {
      "version": "1.3.0",
      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
      "integrity": "sha512-${b64(createHash('sha512').update('lp').digest())}"
    }
  }
}
`,
);
put(
  'negatives/keys/public.pem',
  `-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA${r(B64, 20)}\n${pemBody(4)}\n-----END PUBLIC KEY-----\n`,
);
put(
  'negatives/hashes/checksums.txt',
  `${createHash('md5').update('a').digest('hex')}  release.tar.gz
${createHash('sha256').update('b').digest('hex')}  release.zip
`,
);
put(
  'negatives/placeholders/docker-compose.override.yml',
  `services:
  db:
    environment:
      POSTGRES_PASSWORD: \${POSTGRES_PASSWORD:?set it}
      MYSQL_ROOT_PASSWORD: "<change-me>"
      ADMIN_TOKEN: xxxxxxxxxxxxxxxxxxxxxxxx
`,
);

corpus.write();
