// Regenerates test/recall3: a third labelled corpus (issue 19), written before the generic rules were
// read, in the style of a CredData-like benchmark: real-repository file types, the lines a labeller marks
// true (passwords in many syntaxes, generic secrets/keys/tokens, URL credentials, command-line passwords,
// Authorization headers, password hashes, credential files, private keys in other encodings, real values
// shaped like placeholders) AND, in the same files, the lines a labeller marks false (variable references,
// function calls, empty values, placeholders, docs prose, ids, hashes of nothing). Unlabelled lines in
// positives/ count as false positives when flagged; negatives/ hold only false lines. Values come from
// the seeded generator or are hand-written word+digit passwords: nothing is a real credential.
// Run: npx tsx packages/scanner/scripts/generate-recall3-corpus.ts
import { fileURLToPath } from 'node:url';
import { createLabelledCorpus } from './labelled-corpus.js';
import { fake, A62, HEX, HEXU, B64, B64URL, NUM, uuid } from '../src/rules/define.js';

const root = fileURLToPath(new URL('../test/recall3/', import.meta.url));
const corpus = createLabelledCorpus(
  root,
  'Third labelled corpus (issue 19, CredData-style, mixed true and false lines per file): file -> true line numbers; every other flagged line is a false positive.',
);
const { S, put, label } = corpus;
let n = 0;
const r = (cs: typeof A62, len: number) => fake(cs, len, `r3-${n++}`);
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const pemBody = (lines = 5) => Array.from({ length: lines }, () => r(B64, 64)).join('\n');
const WP = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#%^&*()-_=+[]{};:<>,.?/|~';
const wpSalt = () => fake({ chars: WP, cls: '' }, 64, `wp-${n++}`);

// ================================================================ password: many syntaxes
put(
  'positives/password/config/database.yml',
  `default: &default
  adapter: postgresql
  encoding: unicode
  pool: <%= ENV.fetch("RAILS_MAX_THREADS") { 5 } %>

development:
  <<: *default
  database: shop_dev
  username: shop
  password: ${S('Lantern#4471')}

test:
  <<: *default
  database: shop_test
  password: <%= ENV['DB_PASSWORD'] %>

production:
  <<: *default
  password: <%= ENV.fetch("SHOP_DATABASE_PASSWORD") %>
`,
);
put(
  'positives/password/settings/local.py',
  `import os
from .base import *  # noqa

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.mysql",
        "NAME": "inventory",
        "USER": "inv_app",
        "PASSWORD": "${S('q7Rt!mZ2pL')}",
        "HOST": "db.internal",
    }
}
EMAIL_HOST_USER = "noreply@acme-mail.org"
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"}]
`,
);
put(
  'positives/password/src/main/resources/application.properties',
  `spring.datasource.url=jdbc:mysql://db:3306/orders
spring.datasource.username=orders
spring.datasource.password=${S('Cobalt2291x')}
spring.mail.password=\${MAIL_PASSWORD}
spring.rabbitmq.password=
spring.security.user.password=${S('adm1nPortal')}
management.endpoints.web.exposure.include=health
`,
);
put(
  'positives/password/app/mailer_config.rb',
  `SMTP_SETTINGS = {
  address: "smtp.mailgun.org",
  port: 587,
  user_name: "postmaster@mg.acme.io",
  password: "${S('Juniper!8841')}",
  authentication: :plain
}
LDAP = { host: 'ldap.corp', bind_dn: 'cn=svc', password: ENV['LDAP_PW'] }
REDIS = { :host => "cache", :password => "${S('r3disSecr3t')}" }
`,
);
put(
  'positives/password/config/mail.php',
  `<?php
return [
    'driver' => 'smtp',
    'host' => 'smtp.office365.com',
    'username' => 'reports@contoso-mail.com',
    'password' => '${S('Basalt_7720!')}',
    'encryption' => 'tls',
];
$config['db_password'] = getenv('DB_PASSWORD');
$dbpass = "${S('m4r1n3r0ad')}";
$pass = $_POST['password'];
`,
);
put(
  'positives/password/build.gradle',
  `plugins { id 'maven-publish' }
publishing {
  repositories {
    maven {
      url "https://nexus.acme.io/repository/releases"
      credentials {
        username "deployer"
        password "${S('Orchid9931')}"
      }
    }
  }
}
signing { password = findProperty("signingPassword") }
`,
);
put(
  'positives/password/gradle.properties',
  `org.gradle.jvmargs=-Xmx2g
nexusUsername=deployer
nexusPassword=${S('Tundra-5531-q')}
signing.password=
signing.keyId=24875D73
`,
);
put(
  'positives/password/conf/context.xml',
  `<?xml version="1.0" encoding="UTF-8"?>
<Context>
  <Resource name="jdbc/app" auth="Container" type="javax.sql.DataSource"
            username="appuser" password="${S('Saffron_4410')}"
            driverClassName="org.postgresql.Driver" url="jdbc:postgresql://db/app"/>
  <Realm className="org.apache.catalina.realm.LockOutRealm"/>
</Context>
`,
);
put(
  'positives/password/conf/tomcat-users.xml',
  `<tomcat-users>
  <role rolename="manager-gui"/>
  <user username="tomcat" password="${S('s3cr3tT0mcat')}" roles="manager-gui"/>
  <user username="probe" password="\${probe.password}" roles="manager-status"/>
</tomcat-users>
`,
);
put(
  'positives/password/.m2/settings.xml',
  `<settings>
  <servers>
    <server>
      <id>releases</id>
      <username>ci-bot</username>
      <password>${S('Meadow#6620z')}</password>
    </server>
    <server>
      <id>snapshots</id>
      <username>\${env.NEXUS_USER}</username>
      <password>\${env.NEXUS_PASSWORD}</password>
    </server>
  </servers>
</settings>
`,
);
put(
  'positives/password/appsettings.json',
  `{
  "Logging": { "LogLevel": { "Default": "Information" } },
  "Smtp": {
    "Host": "smtp.sendgrid.net",
    "User": "apikey",
    "Password": "${S('Harbor!2093kk')}"
  },
  "Redis": { "Password": "" },
  "Admin": { "DefaultPassword": "%ADMIN_PASSWORD%" }
}
`,
);
put(
  'positives/password/docs/staging.md',
  `# Staging setup

Log in to the staging console at https://staging.acme.io with user \`qa-admin\`; the password is \`${S('Copper7741!')}\`.
The default password for the Grafana admin is changed on first login.
Ask in #ops for the password if you lost it.

- Host: vpn.acme.io
- Password: \`${S('Fjord_2294')}\`

Set \`PASSWORD\` to your own password before running \`make seed\`.
`,
);
put(
  'positives/password/src/store/client.go',
  `package store

import (
	"database/sql"
	"net/smtp"
	"os"
)

func open() (*sql.DB, error) {
	password := os.Getenv("APP_PASSWORD")
	_ = password
	return sql.Open("postgres", "host=db user=app password=${S('Ql9x2wVt')} dbname=app sslmode=disable")
}

func mail(user, pass, host string) smtp.Auth {
	_ = smtp.PlainAuth("", "alerts@acme.io", "${S('Alrt_7781x')}", "smtp.acme.io")
	return smtp.PlainAuth("", user, pass, host)
}

func ftpLogin(c *Client) error { return c.Login("uploader", "${S('Upl0ad#5512')}") }
`,
);
put(
  'positives/password/src/main/java/com/acme/Db.java',
  `package com.acme;

import java.sql.DriverManager;

public class Db {
    private static final String PASSWORD_FIELD = "password";

    Connection open() throws Exception {
        return DriverManager.getConnection("jdbc:mysql://db:3306/app", "app", "${S('Tr1dent#442')}");
    }

    void mail(Properties props) {
        props.put("mail.smtp.password", "${S('Sm7p!Pass')}");
        String password = System.getenv("DB_PASSWORD");
        user.setPassword(passwordEncoder.encode(rawPassword));
    }
}
`,
);
put(
  'positives/password/tests/test_auth.py',
  `import pytest


def test_login(client):
    resp = client.post("/login", data={"username": "alice", "password": "${S('W0nderland!')}"})
    assert resp.status_code == 200


def test_wrong_password(client):
    resp = client.post("/login", data={"username": "alice", "password": password_for("alice")})
    assert resp.status_code == 401
`,
);
put(
  'positives/password/infra/main.tf',
  `resource "aws_db_instance" "main" {
  engine   = "postgres"
  username = "dbadmin"
  password = "${S('Pg-Adm1n-2024x')}"
}

variable "replica_password" {
  type      = string
  sensitive = true
}

resource "aws_db_instance" "replica" {
  password = var.replica_password
}
`,
);
put(
  'positives/password/Dockerfile',
  `FROM postgres:15
ENV POSTGRES_PASSWORD=${S('Pgd0ck3r!x')}
ENV APP_ENV=production
ARG NPM_TOKEN
RUN echo "root:${S('Toor!4412')}" | chpasswd
`,
);
put(
  'positives/password/etc/my.cnf',
  `[client]
user=backup
password=${S('My5ql_Bkp!7')}

[mysqld]
datadir=/var/lib/mysql
`,
);
put(
  'positives/password/app/src/main/kotlin/Config.kt',
  `object Config {
    val user = "mobile"
    val password = "${S('Kt_Pass_9921')}"
    val apiPassword = BuildConfig.API_PASSWORD
}
`,
);
put(
  'positives/password/Crm/Startup.cs',
  `public class Startup
{
    private const string Cs = "Server=sql01;Database=Crm;User Id=crm;Password=${S('Crm#Pass77')};";
    public void Configure(IdentityOptions options)
    {
        options.Password.RequireDigit = true;
        options.Password.RequiredLength = 12;
    }
}
`,
);
put(
  'positives/password/config.toml',
  `[server]
port = 8080

[database]
user = "svc"
password = "${S('t0mlPa55!')}"

[cache]
password = ""
`,
);
put(
  'positives/password/db/seed.sql',
  `CREATE USER app WITH PASSWORD '${S('Ap9_sql_77')}';
ALTER USER reporting IDENTIFIED BY "${S('Orcl#5501')}";
GRANT ALL PRIVILEGES ON DATABASE shop TO app;
CREATE USER reader WITH PASSWORD :'reader_password';
`,
);
put(
  'positives/password/src/mailer.js',
  `const nodemailer = require('nodemailer');

const transport = nodemailer.createTransport({
  host: 'smtp.acme.io',
  auth: { user: 'bot@acme.io', pass: '${S('n0d3m4il3r')}' },
});
const db = { user: 'app', password: process.env.DB_PASS };
module.exports = { transport, db };
`,
);
put(
  'positives/password/ansible/group_vars/all.yml',
  `ansible_user: deploy
ansible_become_password: ${S('Ans!ble77')}
ansible_password: "{{ vault_ansible_password }}"
ntp_server: pool.ntp.org
`,
);
put(
  'positives/password/charts/values.yaml',
  `postgresql:
  auth:
    username: app
    password: ${S('hl3mV4lues')}
    existingSecret: ""
redis:
  auth:
    enabled: true
    password: ""
`,
);
put(
  'positives/password/src/api/client.ts',
  `export const login = async (api: Api) => {
  await api.login('svc-reporting', '${S('R3port!ng88')}');
  const creds = { username: 'ops', password: '${S('0psC0nsole#1')}' };
  return api.session(creds);
};
export type Credentials = { username: string; password: string };
`,
);

// ================================================================ secret: generic secrets, keys, tokens, salts
put(
  'positives/secret/.env',
  `NODE_ENV=production
SECRET_KEY=${S(r(A62, 50))}
JWT_SECRET=${S(r(HEX, 64))}
API_KEY=${S(r(A62, 32))}
SESSION_SECRET=
APP_KEY=base64:${S(r(B64, 43))}=
ENCRYPTION_KEY=\${ENCRYPTION_KEY}
LOG_LEVEL=debug
`,
);
put(
  'positives/secret/config/default.js',
  `module.exports = {
  port: 3000,
  secret: '${S(r(A62, 40))}',
  apiKey: process.env.API_KEY,
  tokenExpiry: '7d',
  signingKey: "${S(r(HEX, 48))}",
};
`,
);
put(
  'positives/secret/project/settings.py',
  `import os

SECRET_KEY = "${S('django-insecure-' + r(B64URL, 40))}"
HMAC_SALT = "${S(r(HEX, 32))}"
STRIPE_WEBHOOK_SECRET = os.getenv("STRIPE_WEBHOOK_SECRET")
CSRF_COOKIE_NAME = "csrftoken"
`,
);
put(
  'positives/secret/internal/auth/keys.go',
  `package auth

const apiSecret = "${S(r(A62, 32))}"

var jwtKey = []byte("${S(r(A62, 28))}")

func key(name string) string { return name + "_key" }
`,
);
put(
  'positives/secret/src/main/java/com/acme/OAuth.java',
  `public class OAuth {
    private static final String CLIENT_SECRET = "${S(r(A62, 40))}";
    private final String secret = config.getString("oauth.secret");
    private static final String TOKEN_HEADER = "X-Auth-Token";
}
`,
);
put(
  'positives/secret/config/services.yml',
  `notifier:
  auth:
    token: ${S(r(HEX, 40))}
  token_url: https://auth.acme.io/oauth/token
billing:
  api_key: ${S(uuid('billing-key'))}
  request_id: ${uuid('req-1')}
  tenant_id: ${uuid('tenant-1')}
`,
);
put(
  'positives/secret/Services/PaymentClient.cs',
  `public class PaymentClient
{
    private const string ApiKey = "${S(r(B64, 44))}";
    private readonly string _key = Environment.GetEnvironmentVariable("PAY_KEY");
}
`,
);
put(
  'positives/secret/config/initializers/secret.rb',
  `Rails.application.configure do
  config.secret_key_base = "${S(r(HEX, 128))}"
  config.x.signing = Rails.application.credentials.secret_key_base
end
`,
);
put(
  'positives/secret/local.settings.json',
  `{
  "IsEncrypted": false,
  "Values": {
    "FUNCTIONS_WORKER_RUNTIME": "node",
    "client_secret": "${S(r(A62, 34))}",
    "api_key": "YOUR_API_KEY",
    "webhook_token": "${S(r(B64URL, 43))}"
  }
}
`,
);
put(
  'positives/secret/modules/queue/main.tf',
  `resource "vendor_queue" "jobs" {
  name       = "jobs"
  secret_key = "${S(r(A62, 40))}"
  access_id  = var.access_id
}
`,
);
put(
  'positives/secret/tests/fixtures/session.json',
  `{
  "user": "alice",
  "nonce": "${S(r(A62, 32))}",
  "refresh_token": "${S(r(B64URL, 64))}",
  "expires_in": 3600
}
`,
);
put(
  'positives/secret/src/crypto/cipher.py',
  `from cryptography.fernet import Fernet

ENCRYPTION_KEY = b"${S(r(B64URL, 43) + '=')}"
AES_KEY = bytes.fromhex("${S(r(HEX, 64))}")
key = Fernet.generate_key()
`,
);
put(
  'positives/secret/scripts/notify.sh',
  `#!/bin/sh
export AUTH_TOKEN="${S(r(A62, 36))}"
export TOKEN_FILE=/run/secrets/token
curl -fsS "https://hooks.acme.io/notify?token=${S(r(HEX, 32))}" -d "done"
`,
);

// ================================================================ shape: real values a placeholder filter must keep
put(
  'positives/shape/wp-config.php',
  `<?php
define('DB_NAME', 'wordpress');
define('DB_USER', 'wp');
define('DB_PASSWORD', '${S('Wp$ecret2291')}');
define('AUTH_KEY',         '${S(wpSalt())}');
define('SECURE_AUTH_KEY',  '${S(wpSalt())}');
define('LOGGED_IN_SALT',   '${S(wpSalt())}');
define('NONCE_SALT',       'put your unique phrase here');
`,
);
put(
  'positives/shape/config.yml',
  `smtp:
  password: "${S('Pa$$w0rd_88')}"
ldap:
  password: "${S('h%4Kq{z9Lm')}"
vault:
  token: "${S('s.' + r(A62, 24))}"
sso:
  client_secret: "${S(r(A62, 8) + '-example-' + r(A62, 12))}"
`,
);
put(
  'positives/shape/tests/conftest.py',
  `TEST_PASSWORD = "${S('T3st!ng-Harbor9')}"
DUMMY_SECRET = "${S(r(HEX, 40))}"
FAKE_TOKEN = "<token>"
`,
);

// ================================================================ url: credentials in URLs
put(
  'positives/url/.env.production',
  `DATABASE_URL=postgres://app:${S('Xk2p9q')}@db:5432/app
REDIS_URL=redis://:${S('s3cret7')}@cache:6379/0
MONGO_URL=mongodb+srv://admin:${S('P@ss#2024x')}@cluster0.ab12c.mongodb.net/test
CELERY_BROKER_URL=amqp://celery:${S('C3l3ry_mq')}@rabbit:5672//
SENTRY_DSN=https://${S(r(HEX, 32))}@o123.ingest.sentry.io/42
TEMPLATE_URL=postgres://\${DB_USER}:\${DB_PASS}@\${DB_HOST}/app
TEST_DB=mysql://root:@localhost/test
`,
);
put(
  'positives/url/deploy/clone.sh',
  `#!/bin/bash
git clone https://deploy:${S('Gt_dpl_881')}@gitlab.acme.io/ops/infra.git
git clone https://${S(r(HEX, 40))}:x-oauth-basic@github.com/acme/private.git
git remote set-url origin "https://$GIT_USER:$GIT_TOKEN@github.com/acme/site.git"
`,
);
put(
  'positives/url/src/main/resources/application.yml',
  `spring:
  datasource:
    url: jdbc:postgresql://db:5432/app?user=app&password=${S('Jdbc_pw_77')}
  mail:
    host: smtp.acme.io
proxy:
  url: http://proxyuser:${S('Prx!4471')}@proxy.corp:3128
`,
);
put(
  'positives/url/app/db.py',
  `from sqlalchemy import create_engine

engine = create_engine("mysql+pymysql://report:${S('rp0rt')}@10.2.0.15/analytics")
SMTP_URL = "smtp://alerts%40acme.io:${S('Sm7p%21pw9')}@smtp.acme.io:587"
engine2 = create_engine(f"postgresql://{user}:{password}@{host}/db")
`,
);
put(
  'positives/url/docs/README.md',
  `## Connecting

Use the connection string from the vault, for example:

    postgres://user:password@localhost:5432/mydb

Our shared sandbox: \`sftp://sandbox:${S('Sbx2024')}@files.acme.io/upload\`.
`,
);

// ================================================================ cmd: passwords on command lines
put(
  'positives/cmd/scripts/backup.sh',
  `#!/bin/bash
set -euo pipefail
mysql -u root -p${S('R00tM4ria!')} -h 127.0.0.1 shop < schema.sql
mysqldump -u backup --password=${S('Bkp_2291_q')} shop > shop.sql
psql "host=db user=app password=$PGPASSWORD" -c 'select 1'
sshpass -p '${S('Raspb3rry!9')}' ssh pi@10.0.0.7 uptime
curl -u deploy:${S('Dpl0y!2288')} https://ci.acme.io/job/build
docker login -u ci -p "$REGISTRY_TOKEN" registry.acme.io
redis-cli -a ${S('Rds_pass_8812')} ping
mysql -u root -p
`,
);
put(
  'positives/cmd/deploy.ps1',
  `$pw = ConvertTo-SecureString "${S('Ps!Secure2291')}" -AsPlainText -Force
$pw2 = ConvertTo-SecureString $env:SVC_PASSWORD -AsPlainText -Force
net user svc_backup ${S('Bkp#User55')} /add
Write-Host "done"
`,
);
put(
  'positives/cmd/Makefile',
  `run:
	java -jar app.jar --spring.datasource.password=${S('J4r_pw_812')}
keystore:
	keytool -genkeypair -alias app -keystore app.jks -storepass ${S('Ks_store_99')} -keypass ${S('Ks_key_991')}
p12:
	openssl pkcs12 -export -in cert.pem -inkey key.pem -out app.p12 -passout pass:${S('P12_exp_44')}
`,
);
put(
  'positives/cmd/docs/ops.md',
  `# Operations

Create the admin user:

\`\`\`
htpasswd -b /etc/nginx/.htpasswd admin ${S('Htp_ass_77')}
mongo -u admin -p ${S('Mng_0db_88')} --authenticationDatabase admin
docker run -d -e MYSQL_ROOT_PASSWORD=${S('Dkr_my_55')} mysql:8
wget --http-user=ci --http-password=${S('Wg3t_pw_41')} https://artifacts.acme.io/app.tgz
curl -H "Authorization: Bearer $TOKEN" https://api.acme.io/v1/me
psql -U postgres -W
curl --user admin:$ADMIN_PASS https://api.acme.io/health
\`\`\`
`,
);

// ================================================================ auth: Authorization headers and JWTs
const jwt = () =>
  `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).replace(/=+$/, '')}.${b64(JSON.stringify({ sub: r(NUM, 8), name: 'svc', iat: 1700000000 })).replace(/=+$/, '')}.${r(B64URL, 43)}`;
put(
  'positives/auth/nginx/site.conf',
  `server {
  listen 80;
  location /api/ {
    proxy_pass http://backend;
    proxy_set_header Authorization "Basic ${S(b64('svc-proxy:Ngx_pr0xy_71'))}";
  }
}
`,
);
put(
  'positives/auth/requests.http',
  `GET https://api.acme.io/v1/orders
Authorization: Bearer ${S(r(A62, 40))}

###
GET https://api.acme.io/v1/users
Authorization: Bearer {{token}}
`,
);
put(
  'positives/auth/client.py',
  `import requests

HEADERS = {"Authorization": "Token ${S(r(HEX, 40))}"}
headers = {"Authorization": f"Bearer {token}"}
r = requests.get(URL, headers={"X-Api-Key": "${S(r(A62, 32))}"})
`,
);
put(
  'positives/auth/docs/api.md',
  `# API

\`\`\`sh
curl -H "Authorization: Bearer ${S(jwt())}" https://api.acme.io/v1/me
\`\`\`

Basic auth works too: \`Authorization: Basic dXNlcjpwYXNzd29yZA==\` (user / password).
`,
);
put(
  'positives/auth/src/http.js',
  `const headers = {
  Authorization: 'Basic ' + btoa(user + ':' + pass),
  'x-access-token': '${S(r(A62, 48))}',
};
fetch(url, { headers: { Authorization: \`Bearer \${token}\` } });
`,
);

// ================================================================ hash: password hashes
const crypt64 = { chars: A62.chars + './', cls: '' };
put(
  'positives/hash/etc/shadow',
  `root:*:19000:0:99999:7:::
deploy:${S('$6$' + fake(crypt64, 16, 'sh0') + '$' + fake(crypt64, 86, 'sh1'))}:19000:0:99999:7:::
nobody:!:19000::::::
`,
);
put(
  'positives/hash/.htpasswd',
  `admin:${S('$apr1$' + fake(crypt64, 8, 'apr') + '$' + fake(crypt64, 22, 'apr2'))}
ci:${S('$2y$10$' + fake(crypt64, 53, 'bc1'))}
`,
);
put(
  'positives/hash/router.cfg',
  `hostname edge-01
enable secret 5 ${S('$1$' + fake(crypt64, 4, 'c5') + '$' + fake(crypt64, 22, 'c5b'))}
username admin privilege 15 password 7 ${S('0822455D0A16' + r(HEXU, 10))}
username ops secret 8 ${S('$8$' + fake(crypt64, 14, 'c8') + '$' + fake(crypt64, 43, 'c8b'))}
username noc secret 9 ${S('$9$' + fake(crypt64, 14, 'c9') + '$' + fake(crypt64, 43, 'c9b'))}
interface GigabitEthernet0/1
 description uplink
`,
);
put(
  'positives/hash/db/users.sql',
  `INSERT INTO users (id, email, password_hash) VALUES (1, 'alice@acme.io', '${S('$2a$12$' + fake(crypt64, 53, 'bc2'))}');
INSERT INTO users (id, email, password_hash) VALUES (2, 'bob@acme.io', NULL);
INSERT INTO auth_user (username, password) VALUES ('admin', '${S('pbkdf2_sha256$260000$' + r(A62, 22) + '$' + r(B64, 43) + '=')}');
CREATE USER 'legacy'@'%' IDENTIFIED BY PASSWORD '${S('*' + r(HEXU, 40))}';
`,
);
put(
  'positives/hash/fixtures/users.yml',
  `- model: auth.user
  fields:
    username: demo
    password: ${S('argon2$argon2id$v=19$m=102400,t=2,p=8$' + r(B64, 22) + '$' + r(B64, 22))}
    checksum: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
`,
);
// A Kerberos keytab: version 0x0502, one entry (principal, timestamp, kvno, enctype 18, 32-byte key).
const keytab = Buffer.concat([
  Buffer.from([0x05, 0x02, 0x00, 0x00, 0x00, 0x4a, 0x00, 0x01, 0x00, 0x08]),
  Buffer.from('ACME.LAN'),
  Buffer.from([0x00, 0x04]),
  Buffer.from('HTTP'),
  Buffer.from([0x00, 0x00, 0x00, 0x01, 0x65, 0x00, 0x00, 0x00, 0x03, 0x00, 0x12, 0x00, 0x20]),
  Buffer.from(r(HEX, 64), 'hex'),
]);
put('positives/hash/http.keytab', keytab);
label('positives/hash/http.keytab', [1]);

// ================================================================ appfile: application credential files
put(
  'positives/appfile/.netrc',
  `machine api.heroku.com
  login me@acme.io
  password ${S(r(HEX, 36))}
machine ftp.acme.io login upload password ${S('Ftp_up_2291')}
`,
);
put(
  'positives/appfile/.npmrc',
  `registry=https://npm.acme.io/
//npm.acme.io/:_auth=${S(b64('deploy:deploy123'))}
//registry.npmjs.org/:_authToken=\${NPM_TOKEN}
always-auth=true
`,
);
put(
  'positives/appfile/sitemanager.xml',
  `<?xml version="1.0" encoding="UTF-8"?>
<FileZilla3>
  <Servers>
    <Server>
      <Host>ftp.acme.io</Host>
      <User>webmaster</User>
      <Pass encoding="base64">${S(b64('Fz_w3bm4st'))}</Pass>
    </Server>
  </Servers>
</FileZilla3>
`,
);
put('positives/appfile/.pgpass', `db.acme.io:5432:*:app:${S('Pgp4ss_77')}\n# localhost:5432:*:postgres:*\n`);
put(
  'positives/appfile/.esmtprc',
  `identity "alerts@acme.io"\n  hostname smtp.acme.io:587\n  username "alerts"\n  password "${S('Esmtp_pw_31')}"\n`,
);
put('positives/appfile/.git-credentials', `https://bob:${S('Gc_pw_8812')}@github.com\n`);
put(
  'positives/appfile/.docker/config.json',
  `{
  "auths": {
    "registry.acme.io": { "auth": "${S(b64('ci-bot:Dck_r3g_44'))}" },
    "https://index.docker.io/v1/": {}
  },
  "credsStore": "desktop"
}
`,
);
put(
  'positives/appfile/.pypirc',
  `[distutils]\nindex-servers = acme\n\n[acme]\nrepository = https://pypi.acme.io/\nusername = ci\npassword = ${S('Pyp1_pw_55')}\n`,
);
put(
  'positives/appfile/sftp-config.json',
  `{
  "type": "sftp",
  "host": "web01.acme.io",
  "user": "deploy",
  "password": "${S('Sftp_pw_66')}",
  "remote_path": "/var/www/"
}
`,
);
put(
  'positives/appfile/WinSCP.ini',
  `[Sessions\\deploy@web01]
HostName=web01.acme.io
UserName=deploy
Password=${S('A35C4' + r(HEXU, 40))}
`,
);
put('positives/appfile/.fetchmailrc', `poll mail.acme.io protocol imap user "bob" password "${S('Ftch_pw_22')}"\n`);
put('positives/appfile/hub', `github.com:\n- user: bob\n  oauth_token: ${S(r(HEX, 40))}\n  protocol: https\n`);
put(
  'positives/appfile/logins.json',
  `{"nextId":2,"logins":[{"id":1,"hostname":"https://intranet.acme.io","encryptedUsername":"${S('MDoEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECL' + r(B64, 24))}","encryptedPassword":"${S('MDIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECM' + r(B64, 32))}"}]}
`,
);

// ================================================================ key: private keys in other encodings
const pem = (kind: string) => `-----BEGIN ${kind}-----\n${pemBody()}\n-----END ${kind}-----`;
put('positives/key/deploy/id_ed25519', `${S('-----BEGIN OPENSSH PRIVATE KEY-----')}\n${pemBody(4)}\n-----END OPENSSH PRIVATE KEY-----\n`);
put(
  'positives/key/src/sign.js',
  `const PRIVATE_KEY =
  ${S('"-----BEGIN RSA PRIVATE KEY-----\\n"')} +
  "${r(B64, 64)}\\n" +
  "${r(B64, 64)}\\n" +
  "-----END RSA PRIVATE KEY-----\\n";
const PUBLIC_KEY = "-----BEGIN PUBLIC KEY-----\\n${r(B64, 64)}\\n-----END PUBLIC KEY-----";
`,
);
put(
  'positives/key/credentials/service-account.json',
  `{
  "type": "service_account",
  "project_id": "acme-prod",
  "private_key_id": "${S(r(HEX, 40))}",
  "private_key": "${S('-----BEGIN PRIVATE KEY-----\\n' + r(B64, 64))}\\n${r(B64, 64)}\\n-----END PRIVATE KEY-----\\n",
  "client_email": "deployer@acme-prod.iam.gserviceaccount.com"
}
`,
);
put(
  'positives/key/k8s/tls-secret.yaml',
  `apiVersion: v1
kind: Secret
type: kubernetes.io/tls
metadata:
  name: web-tls
data:
  tls.crt: ${b64(pem('CERTIFICATE'))}
  tls.key: ${S(b64(pem('RSA PRIVATE KEY')))}
`,
);
put('positives/key/certs/server.key', `${S('-----BEGIN EC PRIVATE KEY-----')}\n${pemBody(3)}\n-----END EC PRIVATE KEY-----\n`);
put(
  'positives/key/jwks.json',
  `{"keys":[{"kty":"EC","crv":"P-256","x":"${r(B64URL, 43)}","y":"${r(B64URL, 43)}","d":"${S(r(B64URL, 43))}","kid":"k1"}]}
`,
);
// PKCS#12: SEQUENCE { INTEGER 3, SEQUENCE { OID pkcs7-data, ... } }, random payload.
const p12 = Buffer.concat([
  Buffer.from([
    0x30, 0x82, 0x04, 0x6a, 0x02, 0x01, 0x03, 0x30, 0x82, 0x04, 0x30, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01,
    0xa0, 0x82, 0x04, 0x21, 0x04, 0x82, 0x04, 0x1d,
  ]),
  Buffer.from(r(HEX, 256), 'hex'),
]);
put('positives/key/client.p12', p12);
label('positives/key/client.p12', [1]);
put(
  'positives/key/docs/keys.md',
  `Put your key in \`~/.ssh/id_rsa\`; it starts with:

    -----BEGIN RSA PRIVATE KEY-----
    ...
    -----END RSA PRIVATE KEY-----
`,
);

// ================================================================ negatives: only false lines
put(
  'negatives/password/config/locales/en.yml',
  `en:
  devise:
    passwords:
      password: "Password"
      password_confirmation: "Confirm your password"
      no_token: "You can't access this page without coming from a password reset email."
  secret: "Secret"
  token: "Token"
`,
);
put(
  'negatives/password/src/models/user.ts',
  `export interface User {
  id: string;
  email: string;
  password: string;
  passwordHash?: string;
}
export const validate = (password: string, confirm: string) => password === confirm && password.length >= 12;
const PASSWORD_MIN_LENGTH = 12;
const form = { password: '', passwordConfirm: '' };
`,
);
put(
  'negatives/password/src/Login.java',
  `if (password.equals(confirmPassword)) {
    user.setPassword(encoder.encode(password));
}
String password = request.getParameter("password");
char[] password = console.readPassword("Password: ");
`,
);
put(
  'negatives/password/templates/login.html',
  `<form method="post">
  <label for="password">Password</label>
  <input type="password" name="password" id="password" placeholder="Your password" required>
  <a href="/password/reset">Forgot your password?</a>
</form>
`,
);
put(
  'negatives/password/db/schema.sql',
  `CREATE TABLE users (
  id BIGSERIAL PRIMARY KEY,
  email TEXT NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  password_reset_token TEXT
);
`,
);
put(
  'negatives/password/.env.example',
  `DB_PASSWORD=
SMTP_PASSWORD=<your-smtp-password>
API_KEY=your_api_key_here
SECRET_KEY=changeme
JWT_SECRET=\${JWT_SECRET}
ADMIN_PASSWORD=********
REDIS_PASSWORD=xxxxxxxx
`,
);
put(
  'negatives/password/config/app.yml',
  `auth_method: password
password_min_length: 12
password: \${DB_PASS}
secret: "{{ .Values.secret }}"
token: REPLACE_ME
api_key: "<your-key>"
password: null
db_password: "%(DB_PASSWORD)s"
secretKeyRef:
  name: pg-credentials
  key: password
`,
);
put(
  'negatives/password/app.py',
  `password = get_password()
password = os.environ["DB_PASSWORD"]
token = tokens[0]
api_key_header = "X-API-Key"
primary_key = "id"
secret = None
password = input("Password: ")
password = "password"
api_key = "sk-..."
`,
);
put(
  'negatives/password/docs/security.md',
  `# Security

Never commit a password or an API key. Rotate the secret key every 90 days.
Passwords must be at least 12 characters; the token expires after one hour.
Use \`keyhaven get db/password\` to read the password at deploy time.
Example: \`export API_KEY=<your-api-key>\`.
`,
);
put(
  'negatives/secret/package-lock.json',
  `{
  "name": "web",
  "lockfileVersion": 3,
  "packages": {
    "node_modules/left-pad": {
      "version": "1.3.0",
      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
      "integrity": "sha512-${r(B64, 86)}=="
    }
  }
}
`,
);
put(
  'negatives/secret/go.sum',
  `github.com/google/uuid v1.6.0 h1:${r(B64, 43)}=
github.com/google/uuid v1.6.0/go.mod h1:${r(B64, 43)}=
`,
);
put(
  'negatives/secret/fixtures/ids.json',
  `{
  "id": "${uuid('id-1')}",
  "tenant_id": "${uuid('id-2')}",
  "correlation_id": "${uuid('id-3')}",
  "commit": "${r(HEX, 40)}",
  "empty_sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "empty_md5": "d41d8cd98f00b204e9800998ecf8427e"
}
`,
);
put(
  'negatives/secret/src/keys.js',
  `const key = 'user_id';
const keyboard = { layout: 'qwerty' };
const tokenizer = new Tokenizer({ lowercase: true });
const authorName = 'Jane Doe';
const secretName = 'db-credentials';
const sortKey = (a, b) => a.key.localeCompare(b.key);
`,
);
put(
  'negatives/secret/docs/api.md',
  `# Authentication

Send \`Authorization: Bearer <token>\` with every request. Tokens look like \`kh_xxxxxxxxxxxxxxxx\`.
The API key is shown once; store it in your secrets manager.
`,
);
put(
  'negatives/key/certs/ca.pem',
  `${pem('CERTIFICATE')}
${pem('PUBLIC KEY')}
`,
);
put(
  'negatives/url/docs/connect.md',
  `Connection strings look like \`postgres://USER:PASSWORD@HOST:5432/DB\` or
\`mongodb://<username>:<password>@host/db\`; see https://www.postgresql.org/docs/current/libpq-connect.html.
Clone with \`git clone https://github.com/acme/site.git\`.
`,
);

// ================================================================ held-out batch (…/heldout/): written after the
// first fixes and measured before any change for it (bench/scanner/README.md keeps both figures).
put(
  'positives/password/heldout/.github/workflows/release.yml',
  `name: release
on: push
jobs:
  publish:
    runs-on: ubuntu-latest
    services:
      postgres:
        image: postgres:16
        env:
          POSTGRES_PASSWORD: ${S('ci_Pg_pass_41')}
    steps:
      - uses: docker/login-action@v3
        with:
          username: \${{ secrets.DOCKER_USER }}
          password: \${{ secrets.DOCKER_PASSWORD }}
      - run: ./gradlew publish -PnexusPassword=${S('Nx_pub_7731')}
`,
);
put(
  'positives/password/heldout/docker-compose.yml',
  `services:
  db:
    image: mysql:8
    environment:
      MYSQL_ROOT_PASSWORD: ${S('Rt_mysql_5521')}
      MYSQL_PASSWORD: example
      MYSQL_USER: app
  cache:
    image: redis:7
    command: redis-server --requirepass ${S('Rq_redis_9914')}
  admin:
    environment:
      - PGADMIN_DEFAULT_PASSWORD=${S('PgAdm!n_2024')}
      - PGADMIN_DEFAULT_EMAIL=admin@acme.io
`,
);
put(
  'positives/password/heldout/etc/redis.conf',
  `bind 127.0.0.1
port 6379
requirepass ${S('Rc_req_8830')}
# masterauth <master-password>
masterauth ${S('Rc_mst_1172')}
`,
);
put(
  'positives/password/heldout/etc/wpa_supplicant.conf',
  `network={
    ssid="AcmeGuest"
    psk="${S('Guest-Wifi-2291')}"
    key_mgmt=WPA-PSK
}
`,
);
put(
  'positives/password/heldout/etc/hostapd.conf',
  `interface=wlan0
ssid=AcmeLab
wpa=2
wpa_passphrase=${S('L4bW1f1_pass')}
`,
);
put(
  'positives/password/heldout/etc/postfix/sasl_passwd',
  `[smtp.gmail.com]:587 alerts@acme.io:${S('Gm41l_app_pw')}
`,
);
put(
  'positives/password/heldout/etc/rsyncd.secrets',
  `backup:${S('Rsync_bk_661')}
`,
);
put(
  'positives/password/heldout/terraform.tfvars',
  `region      = "eu-west-1"
db_username = "admin"
db_password = "${S('Tfv4rs_db_pw')}"
admin_password = ""
`,
);
put(
  'positives/password/heldout/terraform.tfstate',
  `{
  "version": 4,
  "resources": [
    {
      "type": "aws_db_instance",
      "instances": [
        {
          "attributes": {
            "username": "dbadmin",
            "password": "${S('St4te_pw_8841')}",
            "port": 5432
          }
        }
      ]
    }
  ]
}
`,
);
put(
  'positives/password/heldout/hibernate.cfg.xml',
  `<hibernate-configuration>
  <session-factory>
    <property name="hibernate.connection.username">app</property>
    <property name="hibernate.connection.password">${S('Hib_pw_4471')}</property>
    <property name="hibernate.dialect">org.hibernate.dialect.PostgreSQLDialect</property>
  </session-factory>
</hibernate-configuration>
`,
);
put(
  'positives/password/heldout/Web.config',
  `<configuration>
  <connectionStrings>
    <add name="Main" connectionString="Data Source=sql01;Initial Catalog=Shop;User ID=shop;Password=${S('Sh0p_sql!')}" providerName="System.Data.SqlClient" />
  </connectionStrings>
  <appSettings>
    <add key="SmtpPassword" value="${S('Smtp_web_771')}" />
    <add key="SmtpUser" value="mailer" />
  </appSettings>
</configuration>
`,
);
put(
  'positives/password/heldout/config.inc.php',
  `<?php
$cfg['Servers'][$i]['host'] = 'localhost';
$cfg['Servers'][$i]['user'] = 'pma';
$cfg['Servers'][$i]['password'] = '${S('Pma_ctl_2291')}';
$cfg['blowfish_secret'] = '${S(r(A62, 32))}';
$cfg['Servers'][$i]['auth_type'] = 'cookie';
`,
);
put(
  'positives/password/heldout/src/Main.scala',
  `object Main extends App {
  val db = Database.forURL("jdbc:postgresql://db/app", user = "app", password = "${S('Sc4la_db_pw')}")
  val pw = sys.env.getOrElse("DB_PASSWORD", "")
}
`,
);
put(
  'positives/password/heldout/src/main.rs',
  `fn main() {
    let password = "${S('Rust_pw_5512')}";
    let from_env = std::env::var("PASSWORD").unwrap_or_default();
    let opts = PgConnectOptions::new().username("app").password("${S('Rs_pg_7743')}");
}
`,
);
put(
  'positives/password/heldout/Sources/Api.swift',
  `struct Api {
    static let password = "${S('Sw1ft_api_pw')}"
    let token: String
}
`,
);
put(
  'positives/password/heldout/lib/db.pl',
  `my $dbh = DBI->connect("dbi:mysql:shop", "shop", "${S('P3rl_db_881')}");
my $pass = $ENV{DB_PASS};
`,
);
put(
  'positives/password/heldout/config/runtime.exs',
  `config :shop, Shop.Repo,
  username: "shop",
  password: "${S('Eli_xir_pw42')}",
  hostname: System.get_env("DB_HOST")

config :shop, Shop.Mailer, password: System.fetch_env!("SMTP_PASSWORD")
`,
);
put(
  'positives/password/heldout/notebooks/explore.ipynb',
  `{
 "cells": [
  {
   "cell_type": "code",
   "source": [
    "import psycopg2\\n",
    "conn = psycopg2.connect(host=\\"db\\", user=\\"analyst\\", password=\\"${S('Nb_an4lyst')}\\")\\n"
   ]
  }
 ]
}
`,
);
put(
  'positives/password/heldout/tests/UserServiceTest.java',
  `class UserServiceTest {
    @Test
    void createsUser() {
        User u = service.create("alice", "${S('Al1ce_test_pw')}");
        assertTrue(encoder.matches("${S('Al1ce_test_pw2')}", u.getPasswordHash()));
    }
}
`,
);
put(
  'positives/password/heldout/manifests/puppet.pp',
  `mysql::db { 'shop':
  user     => 'shop',
  password => '${S('Pupp3t_db_pw')}',
  host     => 'localhost',
}
`,
);
put(
  'positives/password/heldout/ldap/users.ldif',
  `dn: uid=jdoe,ou=people,dc=acme,dc=io
objectClass: inetOrgPerson
uid: jdoe
userPassword: ${S('{SSHA}' + r(B64, 32))}

dn: uid=svc,ou=people,dc=acme,dc=io
userPassword:: ${S(b64('Ld4p_svc_pw'))}
`,
);
put(
  'positives/password/heldout/jenkins/credentials.xml',
  `<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
  <id>nexus</id>
  <username>deployer</username>
  <password>${S('{AQAAABAAAAAQ' + r(B64, 44) + '=}')}</password>
</com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
`,
);
put(
  'positives/password/heldout/docs/wiki/vpn.rst',
  `VPN access
==========

:Server: vpn.acme.io
:User: contractor
:Password: ${S('Vpn_c0ntr_77')}

Change it with \`\`passwd\`\` after the first login.
`,
);
put(
  'positives/password/heldout/init.lua',
  `local redis = require("redis")
local client = redis.connect("cache", 6379)
client:auth("${S('Lu4_redis_pw')}")
local password = os.getenv("REDIS_PASSWORD")
`,
);
put(
  'positives/secret/heldout/config/secrets.yml',
  `production:
  secret_key_base: ${S(r(HEX, 128))}
  devise_pepper: ${S(r(HEX, 64))}
development:
  secret_key_base: <%= ENV["SECRET_KEY_BASE"] %>
`,
);
put(
  'positives/secret/heldout/src/environments/environment.prod.ts',
  `export const environment = {
  production: true,
  apiUrl: 'https://api.acme.io',
  mapsApiKey: '${S(r(A62, 39))}',
  clientSecret: '${S(r(A62, 40))}',
};
`,
);
put(
  'positives/secret/heldout/app/src/main/res/values/secrets.xml',
  `<resources>
    <string name="app_name">Acme</string>
    <string name="api_secret">${S(r(A62, 32))}</string>
    <string name="backend_token">${S(r(HEX, 40))}</string>
</resources>
`,
);
put(
  'positives/secret/heldout/k8s/configmap.yaml',
  `apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data:
  LOG_LEVEL: info
  WEBHOOK_SECRET: "${S(r(A62, 36))}"
  SECRET_NAME: web-credentials
`,
);
put(
  'positives/secret/heldout/app.ini',
  `[security]
INSTALL_LOCK = true
SECRET_KEY = ${S(r(A62, 40))}
INTERNAL_TOKEN = ${S(r(B64URL, 100))}

[oauth2]
JWT_SECRET = ${S(r(B64URL, 43))}
`,
);
put(
  'positives/secret/heldout/src/signer.go',
  `package signer

var hmacSecret = "${S(r(A62, 40))}"

func Secret() string { return os.Getenv("HMAC_SECRET") }
`,
);
put(
  'positives/secret/heldout/tests/test_webhook.py',
  `WEBHOOK_SECRET = "${S('whsec_' + r(A62, 32))}"
SIGNING_KEY = "${S(r(HEX, 64))}"


def test_signature():
    assert verify(payload, sign(payload, WEBHOOK_SECRET))
`,
);
put(
  'positives/secret/heldout/conf/application.conf',
  `play.http.secret.key = "${S(r(A62, 64))}"
play.http.secret.key = \${?APPLICATION_SECRET}
akka.loglevel = "INFO"
`,
);
put(
  'positives/url/heldout/config/database.php',
  `<?php
return [
    'redis' => ['url' => 'redis://default:${S('Lr4v_redis')}@redis:6379'],
    'mongodb' => ['dsn' => 'mongodb://app:${S('Mg0_dsn_pw')}@mongo:27017/app'],
    'pgsql' => ['url' => env('DATABASE_URL')],
];
`,
);
put(
  'positives/url/heldout/alembic.ini',
  `[alembic]
script_location = migrations
sqlalchemy.url = postgresql://alembic:${S('Alm_b1c_pw')}@db/app
`,
);
put(
  'positives/url/heldout/src/queue.ts',
  `const conn = await amqp.connect('amqps://worker:${S('Wrk_amqp_55')}@mq.acme.io/prod');
const url = \`amqp://\${user}:\${pass}@\${host}\`;
const ldap = 'ldap://cn=admin,dc=acme,dc=io:${S('Ld4p_bind_7')}@ldap.acme.io';
`,
);
put(
  'positives/url/heldout/pip.conf',
  `[global]
index-url = https://ci:${S('P1p_idx_pw')}@pypi.acme.io/simple
extra-index-url = https://pypi.org/simple
`,
);
put(
  'positives/url/heldout/docs/mirror.md',
  `Mirror the repository with

    git push --mirror https://oauth2:${S('glpat-' + r(B64URL, 20))}@gitlab.acme.io/mirror/app.git

or \`https://<user>:<token>@gitlab.com/<group>/<repo>.git\` for your own fork.
`,
);
put(
  'positives/cmd/heldout/scripts/restore.sh',
  `#!/bin/sh
PGPASSWORD=${S('Rst0re_pg_pw')} pg_restore -h db -U app -d app dump.sql
mysql --user=root --password="${S('My_rst_2291')}" < dump.sql
smbclient //files/share -U backup%${S('Smb_bk_551')} -c 'ls'
ldapsearch -x -D "cn=admin,dc=acme,dc=io" -w ${S('Ld4p_srch_91')} -b "dc=acme,dc=io"
export PGPASSWORD="$(cat /run/secrets/pg)"
unzip -P ${S('Z1p_arch_77')} backup.zip
7z x -p${S('Sv3nz_arch_5')} backup.7z
`,
);
put(
  'positives/cmd/heldout/setup.bat',
  `@echo off
net use Z: \\\\files\\share /user:ACME\\svc ${S('Bat_netuse_8')}
schtasks /create /tn backup /tr backup.cmd /ru svc /rp ${S('Sch_task_77')}
runas /user:admin cmd
`,
);
put(
  'positives/cmd/heldout/k8s-job.yaml',
  `apiVersion: batch/v1
kind: Job
spec:
  template:
    spec:
      containers:
        - name: migrate
          image: flyway/flyway
          args: ["-url=jdbc:postgresql://db/app", "-user=app", "-password=${S('Fly_way_pw33')}", "migrate"]
          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef: { name: db, key: password }
`,
);
put(
  'positives/auth/heldout/api.har',
  `{"log":{"entries":[{"request":{"method":"GET","url":"https://api.acme.io/v2/me","headers":[
{"name":"Authorization","value":"Bearer ${S(r(A62, 48))}"},
{"name":"Cookie","value":"session=${S(r(HEX, 48))}"},
{"name":"Accept","value":"application/json"}]}}]}}
`,
);
put(
  'positives/auth/heldout/postman_collection.json',
  `{
  "auth": {
    "type": "apikey",
    "apikey": [
      { "key": "value", "value": "${S(r(A62, 40))}", "type": "string" },
      { "key": "key", "value": "X-API-Key", "type": "string" }
    ]
  }
}
`,
);
put(
  'positives/auth/heldout/src/client.kt',
  `val request = Request.Builder()
    .url(url)
    .header("Authorization", "Basic ${S(b64('svc-kt:K0tlin_basic!'))}")
    .header("X-Api-Key", "${S(r(A62, 32))}")
    .build()
`,
);
put(
  'positives/auth/heldout/docs/curl.md',
  `curl -H 'X-Auth-Token: ${S(r(HEX, 32))}' https://api.acme.io/v1/servers
curl -H "PRIVATE-TOKEN: ${S('glpat-' + r(B64URL, 20))}" https://gitlab.acme.io/api/v4/projects
curl -H "Authorization: token $GITHUB_TOKEN" https://api.github.com/user
`,
);
put(
  'positives/hash/heldout/pgbouncer/userlist.txt',
  `"app" "${S('md5' + r(HEX, 32))}"
"admin" "${S('SCRAM-SHA-256$4096:' + r(B64, 24) + '$' + r(B64, 44) + ':' + r(B64, 44))}"
`,
);
put(
  'positives/hash/heldout/config/users.yml',
  `users:
  - name: admin
    password_hash: "${S('$2b$12$' + fake(crypt64, 53, 'hb1'))}"
  - name: ops
    password_hash: "${S('$argon2id$v=19$m=65536,t=3,p=4$' + r(B64, 22) + '$' + r(B64, 43))}"
  - name: guest
    password_hash: null
`,
);
put(
  'positives/hash/heldout/etc/cisco-switch.txt',
  `!
enable password 7 ${S('1511021F0725' + r(HEXU, 8))}
username backup password 0 ${S('Cisc0_plain_9')}
snmp-server community public RO
!
`,
);
put(
  'positives/appfile/heldout/.s3cfg',
  `[default]
host_base = s3.acme.io
secret_key = ${S(r(A62, 40))}
use_https = True
`,
);
put(
  'positives/appfile/heldout/.config/rclone/rclone.conf',
  `[backup]
type = sftp
host = files.acme.io
user = backup
pass = ${S(r(B64URL, 40))}
`,
);
put(
  'positives/appfile/heldout/.config/gh/hosts.yml',
  `github.com:
    user: bob
    oauth_token: ${S('gho_' + r(A62, 36))}
    git_protocol: https
`,
);
put(
  'positives/appfile/heldout/.vscode/sftp.json',
  `{
  "name": "web",
  "host": "web02.acme.io",
  "protocol": "sftp",
  "username": "deploy",
  "password": "${S('Vsc_sftp_71')}",
  "remotePath": "/srv/www"
}
`,
);
put(
  'positives/appfile/heldout/.idea/dataSources.xml',
  `<project version="4">
  <component name="DataSourceManagerImpl">
    <data-source name="prod" uuid="${uuid('ds-1')}">
      <jdbc-url>jdbc:mysql://db.acme.io:3306/shop?user=shop&amp;password=${S('Idea_ds_pw1')}</jdbc-url>
    </data-source>
  </component>
</project>
`,
);
put(
  'positives/appfile/heldout/auth.txt',
  `vpnuser
${S('0vpn_Auth_pw!')}
`,
);
put(
  'positives/key/heldout/terraform/main.tf',
  `resource "tls_private_key" "generated" { algorithm = "RSA" }

locals {
  legacy_key = <<EOT
${S('-----BEGIN RSA PRIVATE KEY-----')}
${pemBody(4)}
-----END RSA PRIVATE KEY-----
EOT
}
`,
);
put(
  'positives/key/heldout/src/keys.py',
  `PRIVATE_KEY = (
    ${S('"-----BEGIN PRIVATE KEY-----\\n"')}
    "${r(B64, 64)}\\n"
    "${r(B64, 64)}\\n"
    "-----END PRIVATE KEY-----\\n"
)
PUBLIC_KEY = open("pub.pem").read()
`,
);
put(
  'positives/key/heldout/.env',
  `JWT_PRIVATE_KEY=${S(b64(pem('PRIVATE KEY')))}
JWT_PUBLIC_KEY=${b64(pem('PUBLIC KEY'))}
`,
);
put(
  'positives/key/heldout/id_rsa.ppk',
  `${S('PuTTY-User-Key-File-2: ssh-rsa')}
Encryption: none
Comment: deploy
Public-Lines: 2
${r(B64, 64)}
${r(B64, 20)}
Private-Lines: 2
${r(B64, 64)}
${r(B64, 20)}
Private-MAC: ${r(HEX, 40)}
`,
);
put(
  'negatives/password/heldout/.github/workflows/ci.yml',
  `jobs:
  test:
    services:
      db:
        env:
          POSTGRES_PASSWORD: \${{ secrets.PG_PASSWORD }}
    steps:
      - run: echo "\${{ secrets.NPM_TOKEN }}" > .npmrc
      - run: npm test
        env:
          API_TOKEN: \${{ secrets.API_TOKEN }}
`,
);
put(
  'negatives/password/heldout/forms.py',
  `class LoginForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput)
    password_confirm = forms.CharField(label="Confirm password")

PASSWORD_REGEX = r"^(?=.*[A-Z])(?=.*\\d).{12,}$"
grant_type = "password"
auth_type = "password"
token_type = "bearer"
`,
);
put(
  'negatives/password/heldout/openapi.yaml',
  `components:
  schemas:
    Login:
      type: object
      properties:
        password:
          type: string
          format: password
          minLength: 12
        token:
          type: string
          example: eyJhbGciOi...
`,
);
put(
  'negatives/password/heldout/scripts/login.sh',
  `read -s -p "Password: " PASSWORD
export PGPASSWORD="$PASSWORD"
mysql -u "$DB_USER" -p"$DB_PASS" app
TOKEN=$(vault kv get -field=token secret/ci)
docker login -u ci --password-stdin < /run/secrets/registry
`,
);
put(
  'negatives/password/heldout/templates/config.j2',
  `[database]
user = {{ db_user }}
password = {{ db_password }}
secret_key = {{ lookup('env', 'SECRET_KEY') }}
`,
);
put(
  'negatives/secret/heldout/index.html',
  `<link rel="stylesheet" href="https://cdn.acme.io/app.css" integrity="sha384-${r(B64, 64)}" crossorigin="anonymous">
<img src="data:image/png;base64,${r(B64, 120)}">
<meta name="csrf-token" content="{{ csrf_token() }}">
`,
);
put(
  'negatives/secret/heldout/Dockerfile',
  `FROM node:20@sha256:${r(HEX, 64)}
ARG API_TOKEN
ENV NODE_ENV=production
RUN --mount=type=secret,id=npm_token NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci
`,
);
put(
  'negatives/secret/heldout/assets/logo.png.lfs',
  `version https://git-lfs.github.com/spec/v1
oid sha256:${r(HEX, 64)}
size 48213
`,
);
put(
  'negatives/key/heldout/known_hosts',
  `github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${r(B64, 43)}
gitlab.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ${r(B64, 200)}
`,
);
put(
  'negatives/secret/heldout/vault.yml',
  `$ANSIBLE_VAULT;1.1;AES256
${r(HEX, 80)}
${r(HEX, 80)}
`,
);

// ================================================================ second held-out batch (…/heldout2/): written after the
// second round of fixes, measured before any change for it.
const pkcs8 = () => 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ' + r(B64, 200);
put(
  'positives/password/heldout2/.env.local',
  `DB_PASS=${S('qwe123ASD')}
MAIL_PASSWORD=null
REDIS_PASSWORD=
`,
);
put(
  'positives/password/heldout2/src/main/resources/application-dev.yml',
  `spring:
  datasource:
    username: dev
    password: '${S('dev#Pass9')}'
  rabbitmq:
    password: \${RABBIT_PASSWORD:guest}
jwt:
  secret: ${S(r(A62, 64))}
  expiration: 86400
`,
);
put(
  'positives/password/heldout2/.vscode/settings.json',
  `{
  "editor.tabSize": 2,
  "sqltools.connections": [
    { "name": "prod", "driver": "PostgreSQL", "username": "ro", "password": "${S('Sqlt00ls!')}" }
  ]
}
`,
);
put(
  'positives/password/heldout2/store/store_test.go',
  `func TestOpen(t *testing.T) {
	cfg := Config{User: "root", Password: "${S('G0_test_pw')}", Host: "localhost"}
	if _, err := Open(cfg); err != nil {
		t.Fatal(err)
	}
}
`,
);
put(
  'positives/password/heldout2/src/db.h',
  `#define DB_HOST "10.0.0.12"
#define DB_PASSWORD "${S('C_def_pw_88')}"
#define PASSWORD_MAX_LEN 64
`,
);
put(
  'positives/password/heldout2/Data/Repo.cs',
  `var conn = new SqlConnection("Server=.;Database=Shop;User Id=sa;Password=${S('Sa_pw_2291')};");
var password = Console.ReadLine();
`,
);
put(
  'positives/password/heldout2/scripts/connect.ps1',
  `$User = "svc_report"
$Password = "${S('Ps_pw_plain1')}"
$cred = Get-Credential
$SecurePassword = Read-Host -AsSecureString
`,
);
put(
  'positives/password/heldout2/scraper.py',
  `import os
login_data = {'user': 'admin', 'pwd': '${S('Pwd_form_55')}'}
pwd = os.getcwd()
kwargs["password"] = "${S('Kw_pw_771')}"
`,
);
put(
  'positives/password/heldout2/db/seeds.rb',
  `User.create!(email: "admin@acme.io", password: "${S('Seed_pw_991')}", password_confirmation: "Seed_pw_991")
User.create!(email: "guest@acme.io", password: SecureRandom.hex(16))
`,
);
put(
  'positives/password/heldout2/src/db.js',
  `mongoose.connect(uri, { user: 'app', pass: '${S('Mng_pass_11')}' });
const { password } = req.body;
if (!password) throw new Error('password required');
`,
);
put(
  'positives/password/heldout2/k8s/deployment.yaml',
  `spec:
  containers:
    - name: api
      env:
        - name: DB_PASSWORD
          value: "${S('K8s_env_pw1')}"
        - name: API_PASSWORD
          valueFrom:
            secretKeyRef: { name: api, key: password }
`,
);
put(
  'positives/password/heldout2/build.xml',
  `<project name="app" default="deploy">
  <property name="deploy.user" value="tomcat"/>
  <property name="deploy.password" value="${S('Ant_dep_44')}"/>
  <property name="deploy.password.file" value="\${user.home}/.deploy"/>
</project>
`,
);
put(
  'positives/password/heldout2/config/db.ini',
  `[mysql]
host = db
pass = ${S('Ini_pass_66')}
`,
);
put(
  'positives/password/heldout2/docs/handover.md',
  `## Handover

Username: admin Password: ${S('Md_pw_2024')}

**Password**: \`${S('Bold_pw_77')}\`

- password: see 1Password
`,
);
put(
  'positives/password/heldout2/conf/db.properties',
  `db.url: jdbc:postgresql://db/app
db.password: ${S('Prop_colon_5')}
db.pool: 10
`,
);
put(
  'positives/password/heldout2/Jenkinsfile',
  `pipeline {
  stages {
    stage('smoke') {
      steps {
        sh "curl -fsS -u admin:${S('Jnk_crl_33')} https://ci.acme.io/api/json"
        withCredentials([usernamePassword(credentialsId: 'nexus', passwordVariable: 'PW', usernameVariable: 'USER')]) { sh 'make' }
      }
    }
  }
}
`,
);
put(
  'positives/secret/heldout2/config/app.php',
  `<?php
return [
    'key' => env('APP_KEY', 'base64:${S(r(B64, 43))}='),
    'cipher' => 'AES-256-CBC',
];
`,
);
put(
  'positives/secret/heldout2/serverless.yml',
  `provider:
  environment:
    SIGNING_SECRET: ${S(r(A62, 32))}
    STAGE: \${opt:stage}
`,
);
put(
  'positives/secret/heldout2/.travis.yml',
  `env:
  global:
    - secure: "${r(B64, 344)}"
`,
);
put(
  'positives/secret/heldout2/newrelic.ini',
  `[newrelic]
license_key = ${S(r(HEX, 40))}
app_name = Shop
`,
);
put(
  'positives/secret/heldout2/bot/config.py',
  `consumer_key = '${S(r(A62, 25))}'
consumer_secret = '${S(r(A62, 50))}'
ACCESS_TOKEN_EXPIRE_MINUTES = 30
access_token = response.json()["access_token"]
`,
);
put(
  'positives/secret/heldout2/src/config.json',
  `{
  "apiKey": "${S(uuid('ak-1'))}",
  "requestId": "${uuid('rq-1')}",
  "auth_token": "${S(r(HEX, 32))}",
  "secret": false,
  "public_key": "${r(B64, 43)}="
}
`,
);
put(
  'positives/secret/heldout2/requests.http',
  `POST https://api.acme.io/v1/jobs
X-API-KEY: ${S(uuid('xk-1'))}
Content-Type: application/json
`,
);
put(
  'positives/secret/heldout2/lib/config.dart',
  `const apiKey = '${S(r(A62, 32))}';
const baseUrl = 'https://api.acme.io';
`,
);
put(
  'positives/secret/heldout2/ios/Keys.swift',
  `let clientSecret = "${S(r(A62, 40))}"
let clientId = "${uuid('ios-client')}"
`,
);
put(
  'positives/secret/heldout2/ios/Keys.m',
  `static NSString * const kAPISecret = @"${S(r(A62, 32))}";
static NSString * const kAPIHost = @"api.acme.io";
`,
);
put(
  'positives/secret/heldout2/R/setup.R',
  `Sys.setenv(API_TOKEN = "${S(r(A62, 36))}")
token <- Sys.getenv("API_TOKEN")
`,
);
put(
  'positives/secret/heldout2/infra/azure.tf',
  `provider "azurerm" {
  client_id     = "${uuid('az-cid')}"
  client_secret = "${S(r(A62, 34))}"
  tenant_id     = "${uuid('az-tid')}"
}
`,
);
put(
  'positives/url/heldout2/application.properties',
  `spring.data.mongodb.uri=mongodb://app:${S('Spr_mongo1')}@mongo:27017/app
notify.webhook=https://user:${S('Wh_basic_88')}@hooks.acme.io/notify
cache.url=redis://cache:6379
`,
);
put(
  'positives/url/heldout2/fetch.py',
  `url = "postgres://%s:%s@%s/db" % (u, p, h)
FTP = "ftp://ftpuser:${S('Ftp_url_pw7')}@ftp.acme.io/pub"
LOGIN = "http://localhost:8080/login?user=admin&password=${S('Url_q_pw_45')}"
`,
);
put(
  'positives/cmd/heldout2/deploy.sh',
  `ansible-playbook site.yml -e "ansible_password=${S('Ans_cli_pw2')}"
psql postgresql://app:${S('Psql_url_9')}@db/app -c 'select 1'
sqlcmd -S db -U sa -P ${S('Sqlcmd_P_88')} -Q "select 1"
java -Djavax.net.ssl.keyStorePassword=${S('Jks_sys_pw5')} -jar app.jar
echo ${S('Ech0_pipe_pw')} | docker login -u ci --password-stdin registry.acme.io
az login -u admin@acme.io -p ${S('Az_login_77')}
ldapadd -x -D cn=admin -w $LDAP_PW -f users.ldif
git config --global credential.helper store
mysql -h db -uroot -p'${S('My_quoted_pw')}' app
helm install web ./chart --set auth.password=${S('Hlm_set_pw9')}
`,
);
put(
  'positives/auth/heldout2/clients.py',
  `r = requests.get(url, auth=HTTPBasicAuth('api', '${S('Req_basic_77')}'))
r2 = requests.get(url, auth=HTTPBasicAuth(user, password))
`,
);
put(
  'positives/auth/heldout2/src/api.js',
  `const client = axios.create({
  baseURL: 'https://api.acme.io',
  auth: { username: 'svc', password: '${S('Ax_auth_pw1')}' },
});
`,
);
put(
  'positives/auth/heldout2/client.go',
  `req.SetBasicAuth("svc", "${S('Go_basic_pw4')}")
req.Header.Set("Authorization", "Bearer "+token)
`,
);
put(
  'positives/auth/heldout2/Http.java',
  `conn.setRequestProperty("Authorization", "Bearer " + token);
conn.setRequestProperty("Authorization", "Basic ${S(b64('jv-svc:J4va_basic_pw'))}");
`,
);
put(
  'positives/auth/heldout2/docs/api.md',
  `curl -H "api-key: ${S(r(A62, 32))}" https://api.acme.io/v1/items
curl --oauth2-bearer ${S(r(A62, 40))} https://api.acme.io/v1/me
`,
);
put(
  'positives/auth/heldout2/lib/Client.php',
  `curl_setopt($ch, CURLOPT_USERPWD, "api:${S('Php_curl_pw8')}");
curl_setopt($ch, CURLOPT_USERPWD, $user . ":" . $pass);
`,
);
put(
  'positives/hash/heldout2/mysql-users.yml',
  `- user: app
  authentication_string: "${S('*' + r(HEXU, 40))}"
- user: spring
  password: "${S('{bcrypt}$2a$10$' + fake(crypt64, 53, 'sb'))}"
- user: legacy
  password: ${S('sha1$' + r(A62, 5) + '$' + r(HEX, 40))}
empty_md5: d41d8cd98f00b204e9800998ecf8427e
`,
);
put(
  'positives/appfile/heldout2/.config/composer/auth.json',
  `{
  "http-basic": {
    "repo.acme.io": { "username": "ci", "password": "${S('Cmp_auth_pw3')}" }
  }
}
`,
);
put(
  'positives/appfile/heldout2/.kube/config',
  `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${b64(pem('CERTIFICATE'))}
    server: https://k8s.acme.io
users:
- name: admin
  user:
    client-key-data: ${S(b64(pem('RSA PRIVATE KEY')))}
    token: ${S(r(A62, 48))}
`,
);
put(
  'positives/appfile/heldout2/.subversion/auth/svn.simple/5671adf2865e267db74f09ba6f872c28',
  `K 8
passtype
V 6
simple
K 8
password
V 12
${S('Svn_pw_12345')}
K 8
username
V 3
bob
END
`,
);
put('positives/key/heldout2/AuthKey_ABC123.p8', `${S('-----BEGIN PRIVATE KEY-----')}\n${pemBody(3)}\n-----END PRIVATE KEY-----\n`);
put(
  'positives/key/heldout2/Signer.java',
  `String pem = ${S('"-----BEGIN EC PRIVATE KEY-----\\n"')} + "${r(B64, 64)}\\n" + "-----END EC PRIVATE KEY-----";
`,
);
put(
  'positives/key/heldout2/group_vars/deploy.yml',
  `ssh_private_key: |
  ${S('-----BEGIN OPENSSH PRIVATE KEY-----')}
  ${r(B64, 64)}
  ${r(B64, 64)}
  -----END OPENSSH PRIVATE KEY-----
`,
);
put(
  'positives/key/heldout2/signing.py',
  `private_key = "${S(pkcs8())}"
public_key = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA${r(B64, 80)}"
`,
);
put(
  'negatives/key/heldout2/req.csr',
  `${pem('CERTIFICATE REQUEST')}
`,
);
put(
  'negatives/password/heldout2/app.py',
  `password = request.form.get("password")
if check_password_hash(user.password_hash, password):
    login_user(user)
token = jwt.encode(payload, current_app.config["SECRET_KEY"], algorithm="HS256")
`,
);

// ================================================================ third held-out batch (…/heldout3/): written after the
// third round of fixes, measured before any change for it.
put(
  'positives/cmd/heldout3/bootstrap.sh',
  `kubectl create secret generic db --from-literal=username=app --from-literal=password=${S('Kc_lit_pw41')}
kubectl create secret generic api --from-literal=token="$API_TOKEN"
export SMTP_PASS="${S('Exp_smtp_88')}"
curl -fsS https://admin:${S('Crl_url_pw13')}@jenkins.acme.io/api/json
echo "$CI_JOB_TOKEN" | docker login -u gitlab-ci-token --password-stdin registry.acme.io
`,
);
put(
  'positives/password/heldout3/settings.gradle.kts',
  `dependencyResolutionManagement {
    repositories {
        maven("https://nexus.acme.io/repository/maven") {
            credentials {
                username = "reader"
                password = "${S('Kts_repo_pw2')}"
            }
        }
    }
}
`,
);
put(
  'positives/password/heldout3/conf/application.conf',
  `db {
  url = "jdbc:postgresql://db/app"
  user = "app"
  password = "${S('Hocon_pw_12')}"
  password = \${?DB_PASSWORD}
}
`,
);
put(
  'positives/password/heldout3/mail.cfg',
  `[smtp]
host: smtp.acme.io
password: ${S('Cfg_colon_pw3')}
`,
);
put(
  'positives/password/heldout3/pom.xml',
  `<project>
  <properties>
    <db.user>app</db.user>
    <db.password>${S('Pom_prop_pw4')}</db.password>
    <java.version>17</java.version>
  </properties>
</project>
`,
);
put(
  'positives/password/heldout3/src/main/resources/logback.xml',
  `<configuration>
  <appender name="MAIL" class="ch.qos.logback.classic.net.SMTPAppender">
    <username>alerts</username>
    <password>\${sys:smtp.pw}</password>
  </appender>
</configuration>
`,
);
put(
  'positives/password/heldout3/bootstrap.yml',
  `spring:
  cloud:
    config:
      uri: https://config.acme.io
      username: client
      password: ${S('Cfg_srv_pw5')}
`,
);
put(
  'positives/password/heldout3/.gitlab-ci.yml',
  `variables:
  DB_PASSWORD: "${S('Gl_ci_pw_66')}"
  REGISTRY_PASSWORD: $CI_REGISTRY_PASSWORD
test:
  script: make test
`,
);
put(
  'positives/password/heldout3/inventory.ini',
  `[web]
web1 ansible_host=10.0.0.5 ansible_user=root ansible_ssh_pass=${S('Inv_ssh_pw7')}
web2 ansible_host=10.0.0.6
`,
);
put(
  'positives/password/heldout3/pillar/mysql.sls',
  `mysql:
  root_password: ${S('Slt_root_pw8')}
  users:
    app:
      password_hash: '${S('*' + r(HEXU, 40))}'
`,
);
put(
  'positives/password/heldout3/nodes/web.json',
  `{
  "name": "web",
  "normal": { "app": { "db": { "user": "app", "password": "${S('Chef_pw_99')}" } } }
}
`,
);
put(
  'positives/password/heldout3/configuration.php',
  `<?php
class JConfig {
    public $user = 'joomla';
    public $password = '${S('Jml_db_pw11')}';
    public $secret = '${S(r(A62, 16))}';
    public $mailer = 'smtp';
}
`,
);
put(
  'positives/secret/heldout3/app.py',
  `from flask import Flask

app = Flask(__name__)
app.config['SECRET_KEY'] = '${S(r(A62, 24))}'
app.config['SESSION_TYPE'] = 'filesystem'
token = jwt.encode(payload, "${S(r(A62, 32))}", algorithm="HS256")
`,
);
put(
  'positives/secret/heldout3/server.js',
  `app.use(session({ secret: '${S(r(A62, 24))}', resave: false }));
passport.use(new GitHubStrategy({ clientID: 'Iv1.${r(HEX, 16)}', clientSecret: '${S(r(HEX, 40))}' }, verify));
const fallback = process.env.SESSION_SECRET || 'keyboard cat';
`,
);
put(
  'positives/secret/heldout3/token.go',
  `func sign(c Claims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	return t.SignedString([]byte("${S(r(A62, 32))}"))
}
`,
);
put(
  'positives/secret/heldout3/JwtUtil.java',
  `String jwt = Jwts.builder().setSubject(user).signWith(SignatureAlgorithm.HS256, "${S(r(A62, 32))}").compact();
`,
);
put(
  'positives/secret/heldout3/TokenService.cs',
  `var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes("${S(r(A62, 32))}"));
var creds = new SigningCredentials(key, SecurityAlgorithms.HmacSha256);
`,
);
put(
  'positives/secret/heldout3/app/etc/env.php',
  `<?php
return [
    'crypt' => ['key' => '${S(r(HEX, 32))}'],
    'db' => ['connection' => ['default' => ['password' => '${S('Mgt_db_pw_16')}']]],
];
`,
);
put(
  'positives/secret/heldout3/include/constants.h',
  `#define TOKEN_LEN 32
#define API_KEY_HEADER "X-Api-Key"
#define API_KEY "${S(r(A62, 32))}"
`,
);
put(
  'positives/url/heldout3/alembic.ini',
  `sqlalchemy.url = mssql+pyodbc://sa:${S('Mss_pw_12')}@db/app?driver=ODBC+Driver+18+for+SQL+Server
cache = redis://:@cache:6379/0
`,
);
put(
  // a bare mirror's config (the walker skips .git/ directories by design; the rule finds the line either way)
  'positives/url/heldout3/mirror.git/config',
  `[remote "origin"]
	url = https://ci-bot:${S('Gcfg_pw_77')}@git.acme.io/acme/app.git
	fetch = +refs/heads/*:refs/remotes/origin/*
`,
);
put(
  'positives/auth/heldout3/client.ts',
  `const headers = { Authorization: 'Basic ' + Buffer.from('svc:${S('Bfr_pw_14')}').toString('base64') };
const es = { Authorization: 'ApiKey ${S(b64(r(A62, 20) + ':' + r(A62, 22)))}' };
`,
);
put(
  'positives/auth/heldout3/cloudflare.sh',
  `curl -X GET "https://api.cloudflare.com/client/v4/zones" -H "X-Auth-Email: ops@acme.io" -H "X-Auth-Key: ${S(r(HEX, 37))}"
`,
);
put(
  'positives/auth/heldout3/nginx.conf',
  `location /upstream/ {
  proxy_set_header X-Api-Key "${S(r(A62, 32))}";
  proxy_set_header Host $host;
}
`,
);
put(
  'positives/hash/heldout3/etc/shadow',
  `root:${S('$y$j9T$' + fake(crypt64, 22, 'yc1') + '$' + fake(crypt64, 43, 'yc2'))}:19500:0:99999:7:::
svc:${S('$5$' + fake(crypt64, 16, 's5a') + '$' + fake(crypt64, 43, 's5b'))}:19500:0:99999:7:::
daemon:*:19500:0:99999:7:::
`,
);
put(
  'positives/hash/heldout3/wp_users.sql',
  `INSERT INTO wp_users (ID, user_login, user_pass) VALUES (1, 'admin', '${S('$P$B' + fake(crypt64, 30, 'php'))}');
`,
);
put(
  'positives/hash/heldout3/users.json',
  `[
  { "name": "alice", "password": "${S('pbkdf2:sha256:260000$' + r(A62, 16) + '$' + r(HEX, 64))}" },
  { "name": "bob", "password": "${S('scrypt:32768:8:1$' + r(A62, 16) + '$' + r(HEX, 128))}" }
]
`,
);
put('positives/key/heldout3/dsa.key', `${S('-----BEGIN DSA PRIVATE KEY-----')}\n${pemBody(3)}\n-----END DSA PRIVATE KEY-----\n`);
put(
  'positives/key/heldout3/release.asc',
  `${S('-----BEGIN PGP PRIVATE KEY BLOCK-----')}

${pemBody(4)}
=${r(B64, 4)}
-----END PGP PRIVATE KEY BLOCK-----
`,
);
put(
  'positives/appfile/heldout3/.npmrc',
  `//nexus.acme.io/repository/npm/:username=ci
//nexus.acme.io/repository/npm/:_password=${S(b64('Nx_npm_pw17'))}
//nexus.acme.io/repository/npm/:email=ci@acme.io
`,
);
put(
  'positives/appfile/heldout3/.dockercfg',
  `{"https://index.docker.io/v1/":{"auth":"${S(b64('acmebot:Dcfg_pw_18'))}","email":"bot@acme.io"}}
`,
);
put(
  'positives/appfile/heldout3/NuGet.Config',
  `<configuration>
  <packageSourceCredentials>
    <acme>
      <add key="Username" value="ci" />
      <add key="ClearTextPassword" value="${S('Nu_get_pw15')}" />
    </acme>
  </packageSourceCredentials>
</configuration>
`,
);
put('positives/appfile/heldout3/.yarnrc.yml', `npmRegistryServer: "https://npm.acme.io"\nnpmAuthToken: "${S(r(A62, 36))}"\n`);
put(
  'positives/appfile/heldout3/.gitconfig',
  `[user]
	name = CI
[http "https://git.acme.io/"]
	extraheader = AUTHORIZATION: basic ${S(b64('ci:Gitcfg_pw_19'))}
`,
);
put(
  'negatives/secret/heldout3/Config.java',
  `props.put("mail.smtp.password", password);
headers.set("X-Api-Key", apiKey);
map.put("token", "");
config.set("auth.token.header", "Authorization");
`,
);
put(
  'negatives/secret/heldout3/settings.py',
  `API_TOKEN = os.getenv("API_TOKEN", None)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
`,
);
put(
  'negatives/password/heldout3/deploy.yaml',
  `env:
  - name: PASSWORD_FILE
    value: /run/secrets/pw
  - name: TOKEN_TTL
    value: "3600"
`,
);
put(
  'negatives/password/heldout3/migrate.sql',
  `ALTER USER app PASSWORD EXPIRE;
CREATE USER ghost IDENTIFIED BY '';
-- CREATE USER app IDENTIFIED BY 'password';
`,
);
put('negatives/auth/heldout3/empty.har', `{"log":{"entries":[{"request":{"headers":[{"name":"Authorization","value":""}]}}]}}\n`);

// ================================================================ fourth held-out batch (…/heldout4/): written after the
// fourth round (the *_KEY rule, bare code values), measured before any change for it. Mostly CredData's "Key" category.
put(
  'positives/secret/heldout4/.env',
  `ALGOLIA_ADMIN_KEY=${S(r(HEX, 32))}
MAPBOX_KEY=${S(r(A62, 40))}
LICENSE_KEY=\${LICENSE_KEY}
KEY_LENGTH=32
`,
);
put(
  'positives/secret/heldout4/src/config.js',
  `const mapsKey = '${S(r(A62, 39))}';
export const ENCRYPT_KEY = "${S(r(A62, 32))}";
const apiKey = config.get('apiKey');
headers['x-api-key'] = apiKey;
`,
);
put(
  'positives/secret/heldout4/app/crypto.py',
  `FERNET_KEY = "${S(r(B64URL, 43) + '=')}"
ENCRYPTION_KEY = Fernet.generate_key()
key = os.environ["KEY"]
cache_key = f"user:{uid}"


class Client:
    def __init__(self, key):
        self.key = key
        self.api_secret = "${S(r(A62, 32))}"
`,
);
put(
  'positives/secret/heldout4/src/main/java/Sign.java',
  `public final class Sign {
    private static final String SIGN_KEY = "${S(r(A62, 24))}";
    private static final int KEY_LENGTH = 32;
}
`,
);
put(
  'positives/secret/heldout4/app/Keys.kt',
  `const val MASTER_KEY = "${S(r(HEX, 64))}"
val idempotencyKey = UUID.randomUUID().toString()
`,
);
put(
  'positives/secret/heldout4/session.go',
  `const sessionKey = "${S(r(A62, 32))}"

var primaryKey = "id"
`,
);
put(
  'positives/secret/heldout4/config/initializers/cipher.rb',
  `Rails.application.config.cipher_key = "${S(r(HEX, 64))}"
Rails.application.config.key_derivation = :pbkdf2
`,
);
put(
  'positives/secret/heldout4/wp-content/plugin.php',
  `<?php
define('LICENSE_KEY', '${S(r(A62, 29))}');
define('PLUGIN_KEY_PREFIX', 'acme_');
`,
);
put(
  'positives/secret/heldout4/config.yml',
  `webhooks:
  signing_key: ${S('whsec_' + r(A62, 32))}
license-key: ${S(r(A62, 30))}
public_key: "${r(B64, 43)}="
sort_key: created_at
partition_key: tenant_id
rsa_key_size: 4096
ssh_authorized_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${r(B64, 43)} deploy@ci"
api_key: "sk-xxxxxxxxxxxxxxxxxxxxxxxx"
`,
);
put(
  'positives/secret/heldout4/settings.json',
  `{
  "encryptionKey": "${S(r(B64, 43) + '=')}",
  "keyId": "${uuid('kid-4')}",
  "key": "value",
  "translationKey": "errors.password.too_short"
}
`,
);
put(
  'positives/secret/heldout4/Auth/JwtOptions.cs',
  `services.Configure<JwtOptions>(options =>
{
    options.SigningKey = "${S(r(A62, 40))}";
    options.Issuer = "acme";
});
`,
);
put(
  'positives/password/heldout4/release.sh',
  `export GPG_PASSPHRASE='${S('Gpg_pass_2291')}'
export GPG_TTY=$(tty)
`,
);
put(
  'positives/secret/heldout4/config.toml',
  `[auth]
shared_key = "${S(r(HEX, 48))}"
key_file = "/etc/acme/key.pem"
`,
);
put(
  'positives/secret/heldout4/app.ini',
  `[app]
secret_key = ${S(r(A62, 50))}
key_rotation_days = 90
`,
);
put(
  'positives/secret/heldout4/oauth.properties',
  `oauth.client.id=acme-web
oauth.client.secret=${S(r(A62, 40))}
`,
);
put(
  'positives/secret/heldout4/web.config',
  `<appSettings>
  <add key="ApiKey" value="${S(r(A62, 32))}" />
  <add key="ApiKeyHeader" value="X-Api-Key" />
</appSettings>
`,
);
put(
  'positives/secret/heldout4/docs/onboarding.md',
  `## Staging

- URL: https://staging.acme.io
- API key: \`${S(r(A62, 32))}\`
- Ask #platform for a production key.
`,
);
put(
  'positives/secret/heldout4/main.tf',
  `provider "acme" {
  api_key = "${S(r(A62, 32))}"
  region  = "eu"
}
`,
);
corpus.write();
