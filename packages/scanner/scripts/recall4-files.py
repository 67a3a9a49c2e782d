# File texts for generate-recall4-corpus.py ("!!" = true line; {{kind:n}} = random fake value).

# ---------------- password ----------------
f('positives/password/app/settings/production.py', r'''
import os
from .base import *

DEBUG = False
ALLOWED_HOSTS = ["shop.internal.example.org"]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "USER": "shop_app",
!!        "PASSWORD": "Summer2023!",
        "HOST": "db-primary.internal",
        "PORT": "5432",
    },
    "replica": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "USER": "shop_ro",
        "PASSWORD": os.environ.get("REPLICA_DB_PASSWORD", ""),
        "HOST": "db-replica.internal",
    },
}
EMAIL_HOST = "smtp.mailgun.org"
EMAIL_HOST_USER = "postmaster@mg.example.org"
!!EMAIL_HOST_PASSWORD = "{{hex:32}}-{{hex:8}}-{{hex:8}}"
SESSION_COOKIE_SECURE = True
''')

f('positives/password/config/database.yml', r'''
default: &default
  adapter: postgresql
  encoding: unicode
  pool: <%= ENV.fetch("RAILS_MAX_THREADS") { 5 } %>

development:
  <<: *default
  database: blog_development
  username: blog
!!  password: blogdev42

test:
  <<: *default
  database: blog_test
  password: <%= ENV['TEST_DB_PASSWORD'] %>

production:
  <<: *default
  database: blog_production
  username: blog
  password: <%= ENV['BLOG_DATABASE_PASSWORD'] %>
''')

f('positives/password/src/main/resources/application.properties', r'''
server.port=8080
spring.application.name=inventory-service
spring.datasource.url=jdbc:mysql://mysql.prod.svc:3306/inventory?useSSL=true
spring.datasource.username=inventory
!!spring.datasource.password=Qw7#kLp2vXz9
spring.jpa.hibernate.ddl-auto=validate
spring.rabbitmq.host=rabbit.prod.svc
spring.rabbitmq.username=inventory
!!spring.rabbitmq.password=rabbit_{{a:14}}
spring.redis.password=${REDIS_PASSWORD}
management.endpoints.web.exposure.include=health,info
''')

f('positives/password/Config.java', r'''
package com.acme.billing;

import java.sql.Connection;
import java.sql.DriverManager;

public class Config {
    private static final String DB_URL = "jdbc:postgresql://10.0.3.17:5432/billing";
    private static final String DB_USER = "billing";
!!    private static final String DB_PASSWORD = "B1ll!ng#2021";
    private static final String PASSWORD_FIELD = "password";

    public static Connection open() throws Exception {
        return DriverManager.getConnection(DB_URL, DB_USER, DB_PASSWORD);
    }

    public static Connection openAdmin() throws Exception {
!!        return DriverManager.getConnection(DB_URL, "postgres", "pg4dm1n_{{a:8}}");
    }

    public static String passwordFor(String user) {
        return System.getenv("BILLING_" + user.toUpperCase() + "_PASSWORD");
    }
}
''')

f('positives/password/MailSettings.kt', r'''
package io.acme.notify

data class MailSettings(
    val host: String = "smtp.office365.com",
    val port: Int = 587,
    val username: String = "noreply@acme-corp.com",
!!    val password: String = "Welcome@123",
    val from: String = "noreply@acme-corp.com",
)

object Defaults {
    const val PASSWORD_MIN_LENGTH = 12
    val passwordRegex = Regex("^(?=.*[A-Z])(?=.*\\d).{12,}$")
}
''')

f('positives/password/Program.cs', r'''
using System.Data.SqlClient;

namespace Acme.Reports
{
    class Program
    {
!!        const string ConnectionString = "Server=sql01.corp.local;Database=Reports;User Id=report_user;Password=R3p0rt$2019;";
        static string AdminPassword => Environment.GetEnvironmentVariable("REPORTS_ADMIN_PASSWORD");

        static void Main(string[] args)
        {
            var builder = new SqlConnectionStringBuilder(ConnectionString);
!!            builder.Password = "xT9vQm2LpR8w";
            using var conn = new SqlConnection(builder.ConnectionString);
            conn.Open();
        }
    }
}
''')

f('positives/password/wp-config.php', r'''
<?php
/** The name of the database for WordPress */
define( 'DB_NAME', 'wordpress' );

/** Database username */
define( 'DB_USER', 'wp_user' );

/** Database password */
!!define( 'DB_PASSWORD', 'k8#Fz!q2Wm@L' );

/** Database hostname */
define( 'DB_HOST', 'localhost' );

!!define( 'AUTH_KEY',         '{{b64:40}}#x)(s{{b62:16}}' );
!!define( 'SECURE_AUTH_KEY',  '{{b62:30}}@[{{b62:22}}' );
define( 'NONCE_KEY',        'put your unique phrase here' );
$table_prefix = 'wp_';
''')

f('positives/password/lib/client.rb', r'''
require 'net/ftp'

module Uploader
  class Client
    HOST = 'ftp.partner-files.net'
    USER = 'acme_upload'
!!    PASS = 'upl0ad-Acme-77'

    def initialize(password: ENV.fetch('FTP_PASSWORD'))
      @password = password
    end

    def connect
      Net::FTP.open(HOST, USER, @password)
    end
  end
end
''')

f('positives/password/deploy/.env', r'''
APP_ENV=production
APP_DEBUG=false
APP_URL=https://crm.acme.io
DB_CONNECTION=mysql
DB_HOST=127.0.0.1
DB_PORT=3306
DB_DATABASE=crm
DB_USERNAME=crm
!!DB_PASSWORD=crmP@ss2022
REDIS_PASSWORD=null
MAIL_MAILER=smtp
MAIL_USERNAME=apikey
!!MAIL_PASSWORD=SG.{{b64u:22}}.{{b64u:43}}
!!ADMIN_PASSWORD=hunter22
PUSHER_APP_ID=1480234
''')

f('positives/password/config.ini', r'''
[server]
host = 0.0.0.0
port = 8000

[database]
driver = postgresql
user = airflow
!!password = {{b62:24}}
password_file =

[ldap]
uri = ldaps://ldap.corp.acme.com:636
bind_dn = cn=svc-airflow,ou=services,dc=corp,dc=acme,dc=com
!!bind_password = Ldap!Bind#88
''')

f('positives/password/docker-compose.yml', r'''
version: "3.8"
services:
  db:
    image: postgres:15
    environment:
      POSTGRES_USER: keycloak
!!      POSTGRES_PASSWORD: kc_db_{{a:10}}
      POSTGRES_DB: keycloak
  keycloak:
    image: quay.io/keycloak/keycloak:22.0
    environment:
      KC_DB_PASSWORD: ${POSTGRES_PASSWORD}
      KEYCLOAK_ADMIN: admin
!!      KEYCLOAK_ADMIN_PASSWORD: Adm1nKc2023
    ports:
      - "8080:8080"
  mariadb:
    image: mariadb:11
    environment:
!!      - MARIADB_ROOT_PASSWORD=r00tpw
      - MARIADB_PASSWORD_FILE=/run/secrets/db_password
''')

f('positives/password/values.yaml', r'''
replicaCount: 2
image:
  repository: bitnami/redis
  tag: 7.2.4
auth:
  enabled: true
!!  password: "R3d1s-{{b62:12}}"
  existingSecret: ""
  existingSecretPasswordKey: ""
postgresql:
  auth:
    username: gitea
!!    password: giteapass
    database: gitea
    existingSecret: gitea-postgres
grafana:
!!  adminPassword: Grafana!2024
  adminUser: admin
''')

f('positives/password/ansible/group_vars/all.yml', r'''
---
ntp_servers:
  - 0.pool.ntp.org
mysql_root_user: root
!!mysql_root_password: "Tr0ub4dor&3"
mysql_app_password: "{{ vault_mysql_app_password }}"
ansible_user: deploy
!!ansible_become_pass: d3pl0y!
users:
  - name: alice
    password: "{{ 'changeme' | password_hash('sha512') }}"
''')

f('positives/password/terraform/main.tf', r'''
provider "aws" {
  region = var.region
}

resource "aws_db_instance" "main" {
  identifier        = "orders-db"
  engine            = "postgres"
  instance_class    = "db.t3.medium"
  username          = "orders"
!!  password          = "Orders2024Secure"
  skip_final_snapshot = true
}

resource "azurerm_linux_virtual_machine" "jump" {
  name                = "jumpbox"
  admin_username      = "azureuser"
  admin_password      = var.admin_password
  disable_password_authentication = false
}

variable "grafana_password" {
  type      = string
!!  default   = "gr4f4n4-{{a:10}}"
  sensitive = true
}
''')

f('positives/password/web.config', r'''
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <connectionStrings>
!!    <add name="Default" connectionString="Data Source=SQLPROD02;Initial Catalog=Portal;User ID=portal;Password=P0rtal_Pr0d!" providerName="System.Data.SqlClient" />
    <add name="Local" connectionString="Data Source=(localdb)\MSSQLLocalDB;Initial Catalog=Portal;Integrated Security=True" />
  </connectionStrings>
  <appSettings>
    <add key="SmtpUser" value="portal@acme.local" />
!!    <add key="SmtpPassword" value="mail4Portal" />
    <add key="PasswordResetUrl" value="https://portal.acme.local/reset" />
  </appSettings>
</configuration>
''')

f('positives/password/settings.xml', r'''
<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">
  <servers>
    <server>
      <id>nexus-releases</id>
      <username>deployment</username>
!!      <password>NexusDeploy#2020</password>
    </server>
    <server>
      <id>nexus-snapshots</id>
      <username>${env.NEXUS_USER}</username>
      <password>${env.NEXUS_PASSWORD}</password>
    </server>
  </servers>
</settings>
''')

f('positives/password/appsettings.json', r'''
{
  "Logging": { "LogLevel": { "Default": "Information" } },
  "ConnectionStrings": {
!!    "DefaultConnection": "Host=pg.acme.internal;Database=orders;Username=orders;Password=0rd3rs!pg"
  },
  "Smtp": {
    "Host": "smtp.sendgrid.net",
    "User": "apikey",
    "Password": ""
  },
  "Admin": {
    "Email": "admin@acme.io",
!!    "Password": "Admin@2023"
  }
}
''')

f('positives/password/config.toml', r'''
[server]
http_addr = "0.0.0.0:3000"

[database]
type = "mysql"
host = "127.0.0.1:3306"
name = "gitea"
user = "gitea"
!!passwd = "g1t3a-db-{{a:6}}"

[mailer]
enabled = true
user = "gitea@acme.dev"
!!password = "{{b62:16}}"
''')

f('positives/password/main.go', r'''
package main

import (
	"database/sql"
	"os"

	_ "github.com/go-sql-driver/mysql"
)

const (
	dbUser = "metrics"
!!	dbPass = "m3tr1cs_pw"
	defaultPasswordLength = 16
)

func main() {
	pw := os.Getenv("METRICS_DB_PASSWORD")
	if pw == "" {
		pw = dbPass
	}
	db, _ := sql.Open("mysql", dbUser+":"+pw+"@tcp(127.0.0.1:3306)/metrics")
	defer db.Close()
}
''')

f('positives/password/src/config.ts', r'''
export const config = {
  port: Number(process.env.PORT ?? 3000),
  redis: {
    host: 'redis.cache.internal',
!!    password: 'rEd1sCache!x',
  },
  admin: {
    user: 'admin',
    password: process.env.ADMIN_PASSWORD,
  },
  passwordPolicy: { minLength: 10, requireSymbol: true },
};
''')

f('positives/password/src/db.js', r'''
const { Pool } = require('pg');

const pool = new Pool({
  user: 'dbuser',
  host: 'database.server.com',
  database: 'mydb',
!!  password: 'secretpassword1',
  port: 3211,
});

function login(user, password) {
  return pool.query('SELECT * FROM users WHERE name = $1 AND password = crypt($2, password)', [user, password]);
}
module.exports = { pool, login };
''')

f('positives/password/setup.sql', r'''
-- initial roles
!!CREATE USER 'app'@'%' IDENTIFIED BY 'Ap9-Sql-Pass';
GRANT SELECT, INSERT, UPDATE ON shop.* TO 'app'@'%';
!!ALTER USER postgres WITH PASSWORD 'pgSuper2022';
CREATE USER readonly WITH PASSWORD :'readonly_password';
-- password column is hashed by the application
ALTER TABLE users ADD COLUMN password_hash VARCHAR(255) NOT NULL;
''')

f('positives/password/Jenkinsfile', r'''
pipeline {
  agent any
  environment {
    REGISTRY_CREDS = credentials('registry-creds')
!!    SONAR_PASSWORD = 'sonar4ci!'
  }
  stages {
    stage('Deploy') {
      steps {
!!        sh 'sshpass -p "Dep1oyM3" ssh -o StrictHostKeyChecking=no deploy@10.1.2.30 ./release.sh'
        sh 'docker login -u ci -p $REGISTRY_CREDS_PSW registry.acme.io'
      }
    }
  }
}
''')

f('positives/password/settings.swift', r'''
import Foundation

struct APIConfig {
    static let baseURL = URL(string: "https://api.acme.app")!
    static let username = "ios-client"
!!    static let password = "iOSclient#2022"
    static let passwordKey = "com.acme.password"
}

func keychainPassword() -> String? {
    return KeychainWrapper.standard.string(forKey: APIConfig.passwordKey)
}
''')

f('positives/password/src/main.rs', r'''
use std::env;

const DEFAULT_USER: &str = "rustapp";
!!const DEFAULT_PASSWORD: &str = "Rusty_Pa55";

fn main() {
    let password = env::var("APP_PASSWORD").unwrap_or_else(|_| DEFAULT_PASSWORD.to_string());
    let url = format!("postgres://{}:{}@localhost/app", DEFAULT_USER, password);
    println!("connecting as {}", DEFAULT_USER);
}
''')

f('positives/password/notebooks/load_data.ipynb', r'''
{
 "cells": [
  {
   "cell_type": "code",
   "execution_count": 3,
   "metadata": {},
   "outputs": [],
   "source": [
    "import snowflake.connector\n",
    "conn = snowflake.connector.connect(\n",
    "    user='ANALYST',\n",
!!    "    password='Snowfl4ke!Q3',\n",
    "    account='xy12345.eu-west-1')\n"
   ]
  }
 ],
 "metadata": {"kernelspec": {"name": "python3"}},
 "nbformat": 4,
 "nbformat_minor": 5
}
''')

f('positives/password/nginx/conf.d/upstream.conf', r'''
upstream backend {
    server 10.0.0.5:8080;
}
server {
    listen 443 ssl;
    server_name grafana.acme.net;
    ssl_certificate /etc/nginx/certs/grafana.crt;
    ssl_certificate_key /etc/nginx/certs/grafana.key;
    location / {
        proxy_pass http://backend;
!!        proxy_set_header Authorization "Basic {{basic}}";
        auth_basic_user_file /etc/nginx/.htpasswd;
    }
}
''')

f('positives/password/README.md', r'''
# Local development

Start the stack with `docker compose up`. The seed script creates a demo account:

!!- user: `demo@acme.test`, password: `Demo!2345`

Set `ADMIN_PASSWORD` in your `.env` before the first start. The password must be at least
12 characters long; the server refuses to start with a weak password.

To connect manually:

```
!!psql "host=localhost dbname=app user=app password=L0calDevPg"
```
''')

f('positives/password/scripts/connect.ps1', r'''
param([string]$Server = "sql01")
!!$secpass = ConvertTo-SecureString "P@ssw0rd!2021" -AsPlainText -Force
$cred = New-Object System.Management.Automation.PSCredential ("CORP\svc_sql", $secpass)
$pw = Read-Host -AsSecureString "Password"
!!$env:SA_PASSWORD = "Sa_Pass-{{a:10}}"
Invoke-Sqlcmd -ServerInstance $Server -Credential $cred -Query "SELECT 1"
''')

f('positives/password/.gitlab-ci.yml', r'''
variables:
  POSTGRES_DB: test
  POSTGRES_USER: runner
!!  POSTGRES_PASSWORD: "runner-pg-pass"
  DOCKER_DRIVER: overlay2

test:
  image: python:3.11
  services:
    - postgres:15
  script:
    - pip install -r requirements.txt
    - pytest
deploy:
  script:
    - echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin $CI_REGISTRY
''')

f('positives/password/k8s/secret.yaml', r'''
apiVersion: v1
kind: Secret
metadata:
  name: app-credentials
type: Opaque
stringData:
  DB_USER: app
!!  DB_PASSWORD: "k8sAppPw!91"
data:
!!  REDIS_PASSWORD: {{b64:20}}
''')

# ---------------- secret (generic api keys / secrets / tokens without vendor prefix) ----------------
f('positives/secret/config/secrets.yml', r'''
development:
!!  secret_key_base: {{hex:128}}
test:
  secret_key_base: <%= ENV["SECRET_KEY_BASE"] %>
production:
  secret_key_base: <%= ENV["SECRET_KEY_BASE"] %>
''')

f('positives/secret/settings.py', r'''
import os
!!SECRET_KEY = "django-insecure-{{a:8}}#^x!{{a:20}}=@{{a:12}}"
API_BASE = "https://api.weather.example.com/v2"
!!WEATHER_API_KEY = "{{hex:32}}"
MAPS_API_KEY = os.getenv("MAPS_API_KEY")
ENCRYPTION_KEY = None
''')

f('positives/secret/src/api.js', r'''
import axios from 'axios';

!!const API_KEY = '{{a:32}}';
const API_KEY_HEADER = 'x-api-key';

export const client = axios.create({
  baseURL: 'https://api.partner.io/v1',
  headers: { [API_KEY_HEADER]: API_KEY },
});

export function signed(secret = process.env.SIGNING_SECRET) {
  return client.get('/ping', { params: { sig: secret } });
}
!!const clientSecret = "{{b64u:40}}";
''')

f('positives/secret/oauth.go', r'''
package auth

import "golang.org/x/oauth2"

var conf = &oauth2.Config{
	ClientID:     "{{d:12}}-{{a:32}}.apps.googleusercontent.com",
!!	ClientSecret: "GOCSPX-{{b64u:28}}",
	Scopes:       []string{"openid", "email"},
	RedirectURL:  "http://localhost:8080/callback",
}

var hmacSecret = []byte(os.Getenv("HMAC_SECRET"))
!!var jwtSigningKey = []byte("{{b62:48}}")
''')

f('positives/secret/application.yml', r'''
spring:
  security:
    oauth2:
      client:
        registration:
          keycloak:
            client-id: orders-api
!!            client-secret: {{b62:32}}
            scope: openid
jwt:
!!  secret: {{b64:44}}
  expiration: 86400
encryption:
  key: ${ENCRYPTION_KEY:}
''')

f('positives/secret/config.php', r'''
<?php
return [
    'app_name' => 'Invoicer',
!!    'api_key' => '{{hex:40}}',
    'api_url' => 'https://invoicer.example.net/api',
!!    'encryption_key' => 'base64:{{b64:43}}=',
    'session_secret' => getenv('SESSION_SECRET'),
    'cipher' => 'AES-256-CBC',
];
''')

f('positives/secret/.env.production', r'''
NODE_ENV=production
!!JWT_SECRET={{b62:64}}
!!COOKIE_SECRET=c00kie-{{a:24}}
API_KEY=
PUBLIC_URL=https://app.acme.io
!!ALGOLIA_ADMIN_KEY={{hex:32}}
ALGOLIA_APP_ID={{A:10}}
''')

f('positives/secret/Startup.cs', r'''
public class Startup
{
    public void ConfigureServices(IServiceCollection services)
    {
!!        var key = Encoding.ASCII.GetBytes("{{b62:32}}");
        services.AddAuthentication(x => x.DefaultAuthenticateScheme = JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(x => x.TokenValidationParameters = new TokenValidationParameters
            {
                IssuerSigningKey = new SymmetricSecurityKey(key),
                ValidateIssuer = false,
            });
        var apiKey = Configuration["ApiKey"];
    }
}
''')

f('positives/secret/client.py', r'''
import requests

class PaymentsClient:
    BASE = "https://api.paygate.example/v1"

    def __init__(self, api_key=None):
!!        self.api_key = api_key or "pk_{{a:8}}_{{hex:24}}"
        self.session = requests.Session()

    def charge(self, amount):
!!        headers = {"X-Api-Key": "{{hex:40}}"}
        return self.session.post(self.BASE + "/charge", json={"amount": amount}, headers=headers)

token = get_token()
api_key = settings.API_KEY
''')

f('positives/secret/.github/workflows/deploy.yml', r'''
name: deploy
on:
  push:
    branches: [main]
env:
  AWS_REGION: eu-west-1
!!  DEPLOY_TOKEN: {{hex:40}}
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}
          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
      - run: ./deploy.sh
        env:
          API_TOKEN: ${{ secrets.API_TOKEN }}
''')

f('positives/secret/firebase.js', r'''
// Firebase web config
const firebaseConfig = {
!!  apiKey: "AIza{{b64u:35}}",
  authDomain: "acme-app.firebaseapp.com",
  projectId: "acme-app",
  appId: "1:{{d:12}}:web:{{hex:22}}",
};
!!const serverKey = "AAAA{{b64u:7}}:APA91b{{b64u:134}}";
''')

f('positives/secret/config.json', r'''
{
  "name": "slackbot",
  "port": 3000,
!!  "signingSecret": "{{hex:32}}",
  "clientId": "{{d:13}}.{{d:13}}",
!!  "clientSecret": "{{hex:32}}",
  "scopes": ["chat:write", "commands"],
  "tokenUrl": "https://slack.com/api/oauth.v2.access"
}
''')

f('positives/secret/app.conf', r'''
# Beego style config
appname = shortener
httpport = 8080
runmode = prod
!!sessionhashkey = {{b62:32}}
!!apptoken = {{hex:48}}
token_header = X-App-Token
''')

# ---------------- token (vendor formats) ----------------
f('positives/token/aws/credentials', r'''
[default]
!!aws_access_key_id = AKIA{{b32:16}}
!!aws_secret_access_key = {{b64:40}}
region = us-east-1

[ci]
!!aws_access_key_id = AKIA{{b32:16}}
!!aws_secret_access_key = {{b64:40}}
''')

f('positives/token/upload.py', r'''
import boto3

s3 = boto3.client(
    "s3",
!!    aws_access_key_id="AKIA{{b32:16}}",
!!    aws_secret_access_key="{{b64:40}}",
    region_name="eu-central-1",
)
session = boto3.Session(profile_name="prod")
!!sts_token = "ASIA{{b32:16}}"
''')

f('positives/token/gcp/service-account.json', r'''
{
  "type": "service_account",
  "project_id": "acme-analytics-{{d:6}}",
  "private_key_id": "{{hex:40}}",
!!  "private_key": "-----BEGIN PRIVATE KEY-----\n{{pemesc}}\n-----END PRIVATE KEY-----\n",
  "client_email": "etl-runner@acme-analytics.iam.gserviceaccount.com",
  "client_id": "{{d:21}}",
  "auth_uri": "https://accounts.google.com/o/oauth2/auth",
  "token_uri": "https://oauth2.googleapis.com/token"
}
''')

f('positives/token/azure/local.settings.json', r'''
{
  "IsEncrypted": false,
  "Values": {
!!    "AzureWebJobsStorage": "DefaultEndpointsProtocol=https;AccountName=acmefuncstore;AccountKey={{b64:86}}==;EndpointSuffix=core.windows.net",
    "FUNCTIONS_WORKER_RUNTIME": "dotnet",
!!    "ServiceBusConnection": "Endpoint=sb://acme-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={{b64:43}}=",
    "DevStorage": "UseDevelopmentStorage=true"
  }
}
''')

f('positives/token/scripts/release.sh', r'''
#!/usr/bin/env bash
set -euo pipefail
!!export GITHUB_TOKEN={{ghp:ghp}}
!!export GITLAB_TOKEN=glpat-{{b64u:20}}
export NPM_TOKEN="${NPM_TOKEN:-}"
gh release create "v$VERSION" dist/*.tgz
!!curl -H "PRIVATE-TOKEN: glpat-{{b64u:20}}" https://gitlab.acme.dev/api/v4/projects
''')

f('positives/token/.npmrc', r'''
registry=https://registry.npmjs.org/
!!//registry.npmjs.org/:_authToken=npm_{{b62:36}}
@acme:registry=https://npm.pkg.github.com
//npm.pkg.github.com/:_authToken=${GITHUB_TOKEN}
''')

f('positives/token/.pypirc', r'''
[distutils]
index-servers =
    pypi
    testpypi

[pypi]
username = __token__
!!password = pypi-AgEIcHlwaS5vcmc{{b64u:140}}

[testpypi]
repository = https://test.pypi.org/legacy/
username = __token__
password = <your test token>
''')

f('positives/token/bot/slack_bot.py', r'''
from slack_sdk import WebClient

!!client = WebClient(token="xoxb-{{d:12}}-{{d:13}}-{{b62:24}}")
!!WEBHOOK = "https://hooks.slack.com/services/T{{A:8}}/B{{A:10}}/{{b62:24}}"
CHANNEL = "#deploys"
user_token = os.environ["SLACK_USER_TOKEN"]
''')

f('positives/token/billing/stripe.rb', r'''
require 'stripe'
!!Stripe.api_key = 'sk_live_{{b62:99}}'
PUBLISHABLE = 'pk_live_{{b62:99}}'
!!WEBHOOK_SECRET = 'whsec_{{b62:32}}'
Stripe.api_version = '2023-10-16'
''')

f('positives/token/sms.js', r'''
const twilio = require('twilio');
const accountSid = 'AC{{hex:32}}';
!!const authToken = '{{hex:32}}';
const client = twilio(accountSid, authToken);
!!const apiKeySecret = { sid: 'SK{{hex:32}}', secret: '{{b62:32}}' };
client.messages.create({ body: 'hi', from: '+15005550006', to: '+15551234567' });
''')

f('positives/token/mail.go', r'''
package mail

import "github.com/mailgun/mailgun-go/v4"

!!const mailgunKey = "key-{{hex:32}}"
const domain = "mg.acme.dev"

func New() *mailgun.MailgunImpl {
	return mailgun.NewMailgun(domain, mailgunKey)
}
!!var sendgridKey = "SG.{{b64u:22}}.{{b64u:43}}"
''')

f('positives/token/ai/agent.py', r'''
import openai
import anthropic

!!openai.api_key = "sk-proj-{{b64u:74}}T3BlbkFJ{{b64u:74}}"
!!claude = anthropic.Anthropic(api_key="sk-ant-api03-{{b64u:93}}AA")
MODEL = "gpt-4o-mini"
!!HF_TOKEN = "hf_{{b62:34}}"
!!legacy_key = "sk-{{b62:20}}T3BlbkFJ{{b62:20}}"
''')

f('positives/token/ci/docker-login.sh', r'''
#!/bin/sh
!!echo "dckr_pat_{{b64u:27}}" | docker login -u acmebuild --password-stdin
docker build -t acme/api:$TAG .
docker push acme/api:$TAG
''')

f('positives/token/shopify.env', r'''
SHOPIFY_STORE=acme-outdoor.myshopify.com
!!SHOPIFY_ADMIN_TOKEN=shpat_{{hex:32}}
!!SHOPIFY_API_SECRET=shpss_{{hex:32}}
SHOPIFY_API_VERSION=2024-01
''')

f('positives/token/datadog.yaml', r'''
# datadog agent
!!api_key: {{hex:32}}
site: datadoghq.eu
logs_enabled: true
apm_config:
  enabled: true
''')

f('positives/token/newrelic.yml', r'''
common: &default_settings
!!  license_key: '{{hex:36}}NRAL'
  app_name: Orders API
  distributed_tracing:
    enabled: true
production:
  <<: *default_settings
''')

f('positives/token/monitoring.tf', r'''
provider "newrelic" {
  account_id = 3345121
!!  api_key    = "NRAK-{{A:27}}"
  region     = "EU"
}
provider "datadog" {
  api_key = var.datadog_api_key
!!  app_key = "{{hex:40}}"
}
''')

f('positives/token/sentry.ts', r'''
import * as Sentry from '@sentry/node';

Sentry.init({
!!  dsn: 'https://{{hex:32}}@o{{d:6}}.ingest.sentry.io/{{d:7}}',
  tracesSampleRate: 0.2,
  environment: process.env.NODE_ENV,
});
''')

f('positives/token/telegram_bot.py', r'''
from telegram.ext import ApplicationBuilder

!!BOT_TOKEN = "{{d:10}}:AA{{b64u:33}}"
app = ApplicationBuilder().token(BOT_TOKEN).build()
CHAT_ID = -1001234567890
''')

f('positives/token/discord/bot.js', r'''
const { Client, GatewayIntentBits } = require('discord.js');
const client = new Client({ intents: [GatewayIntentBits.Guilds] });
!!client.login('M{{b62:25}}.G{{b64u:5}}.{{b64u:38}}');
!!const hook = 'https://discord.com/api/webhooks/{{d:18}}/{{b64u:68}}';
const GUILD_ID = '{{d:18}}';
''')

f('positives/token/src/test-client.ts', r'''
// integration client for staging
!!const STAGING_JWT = '{{jwt}}';
export const headers = { Authorization: `Bearer ${STAGING_JWT}` };
export const anonymous = { Authorization: `Bearer ${process.env.TOKEN}` };
''')

f('positives/token/gh-actions.env', r'''
!!GH_PAT=github_pat_{{b62:22}}_{{b62:59}}
!!GITHUB_OAUTH=gho_{{b62:36}}
GITHUB_REPOSITORY=acme/api
''')

f('positives/token/heroku.json', r'''
{
  "app": "acme-staging",
!!  "heroku_api_key": "{{hex:8}}-{{hex:4}}-{{hex:4}}-{{hex:4}}-{{hex:12}}",
  "region": "eu",
  "stack": "heroku-22"
}
''')

# ---------------- key (private keys) ----------------
f('positives/key/deploy/id_rsa', r'''
!!-----BEGIN RSA PRIVATE KEY-----
{{pem}}
-----END RSA PRIVATE KEY-----
''')

f('positives/key/certs/server.key', r'''
!!-----BEGIN EC PRIVATE KEY-----
{{pem}}
-----END EC PRIVATE KEY-----
''')

f('positives/key/.ssh/id_ed25519', r'''
!!-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
{{pem}}
-----END OPENSSH PRIVATE KEY-----
''')

f('positives/key/keys/deploy.ppk', r'''
!!PuTTY-User-Key-File-3: ssh-rsa
Encryption: none
Comment: rsa-key-20231004
Public-Lines: 6
{{pem}}
Private-Lines: 14
{{pem}}
Private-MAC: {{hex:64}}
''')

f('positives/key/tests/fixtures.py', r'''
import jwt

!!SIGNING_KEY = """-----BEGIN PRIVATE KEY-----
{{pem}}
-----END PRIVATE KEY-----"""

PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
{{pem}}
-----END PUBLIC KEY-----"""
''')

f('positives/key/k8s/tls-secret.yaml', r'''
apiVersion: v1
kind: Secret
metadata:
  name: ingress-tls
type: kubernetes.io/tls
data:
  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t{{b64:120}}
!!  tls.key: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQ{{b64:120}}
''')

f('positives/key/ansible/roles/web/files/app.pem', r'''
!!-----BEGIN ENCRYPTED PRIVATE KEY-----
{{pem}}
-----END ENCRYPTED PRIVATE KEY-----
''')

# ---------------- url ----------------
f('positives/url/.env', r'''
!!DATABASE_URL=postgres://app:Xk2p9Lm4Qr@db.internal:5432/app
!!REDIS_URL=redis://:r3d1sP4ss@cache.internal:6379/0
!!AMQP_URL=amqp://guest2:Rabbit_99@mq.internal:5672/
MONGO_URL=mongodb://localhost:27017/app
SENTRY_URL=https://sentry.io/organizations/acme/
''')

f('positives/url/settings.py', r'''
!!CELERY_BROKER_URL = "redis://default:{{b62:24}}@redis-12345.c1.eu-west-1-1.ec2.cloud.redislabs.com:12345"
!!SQLALCHEMY_DATABASE_URI = "mysql+pymysql://flask:Fl4sk2020@10.0.0.12/flask"
MONGO_URI = os.environ.get("MONGO_URI", "mongodb://localhost:27017/dev")
DOCS_URL = "https://user:password@host/path is the format"
''')

f('positives/url/docker-compose.override.yml', r'''
services:
  api:
    environment:
!!      - MONGODB_URI=mongodb+srv://api-user:Mng0Pa55w0rd@cluster0.ab1cd.mongodb.net/prod?retryWrites=true
      - CACHE_URL=redis://cache:6379
!!      - ELASTIC_URL=https://elastic:{{b62:20}}@es.acme.internal:9200
''')

f('positives/url/pom.xml', r'''
<project>
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.acme</groupId>
  <artifactId>ledger</artifactId>
  <scm>
!!    <developerConnection>scm:git:https://builder:Bu1ld3r2019@git.acme.local/ledger.git</developerConnection>
    <url>https://git.acme.local/ledger</url>
  </scm>
  <properties>
    <flyway.url>jdbc:postgresql://localhost:5432/ledger</flyway.url>
    <flyway.user>ledger</flyway.user>
  </properties>
</project>
''')

f('positives/url/install.sh', r'''
#!/bin/bash
!!git clone https://oauth2:{{b64u:20}}@gitlab.acme.dev/infra/bootstrap.git
!!pip install --index-url https://pypi-user:Pyp1Mirror!@nexus.acme.local/repository/pypi/simple acme-tools
curl -fsSL https://get.docker.com | sh
!!wget ftp://backup:bkp2018x@files.acme.local/dump.sql.gz
''')

f('positives/url/application.conf', r'''
akka {
  loglevel = INFO
}
db {
!!  url = "jdbc:postgresql://reporter:Rep0rter_77@pg.acme.local:5432/reports"
  driver = org.postgresql.Driver
}
kafka.bootstrap = "kafka-1.acme.local:9092"
''')

f('positives/url/Config.kt', r'''
object Endpoints {
!!    const val PROXY = "http://proxyuser:Pr0xy!pass@proxy.corp.acme.com:3128"
    const val API = "https://api.acme.com/v1"
    val userInfoFormat = "https://%s:%s@%s"
}
''')

# ---------------- auth (headers) ----------------
f('positives/auth/api.http', r'''
### list users
GET https://api.acme.io/v1/users
!!Authorization: Bearer {{b64u:48}}

### with basic
GET https://api.acme.io/v1/admin
!!Authorization: Basic {{basic}}

### env token
GET https://api.acme.io/v1/me
Authorization: Bearer {{token}}
''')

f('positives/auth/client.py', r'''
import requests

!!HEADERS = {"Authorization": "Bearer {{hex:40}}", "Accept": "application/json"}
resp = requests.get("https://api.acme.io/v2/items", headers=HEADERS)
!!r = requests.get("https://jira.acme.local/rest/api/2/search", auth=("jira-bot", "J1raB0t#pw"))
headers = {"Authorization": f"Bearer {token}"}
''')

f('positives/auth/fetch.ts', r'''
export async function load() {
  const res = await fetch('https://api.partner.com/v3/orders', {
    headers: {
!!      Authorization: 'Token {{hex:40}}',
      'Content-Type': 'application/json',
    },
  });
  return res.json();
}
export const auth = (t: string) => ({ Authorization: `Bearer ${t}` });
''')

f('positives/auth/HttpClient.java', r'''
public class PartnerClient {
    public HttpRequest build(URI uri) {
        return HttpRequest.newBuilder(uri)
!!            .header("Authorization", "Basic {{basic}}")
            .header("Accept", "application/json")
            .build();
    }
    public HttpRequest withToken(URI uri, String token) {
        return HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token).build();
    }
}
''')

f('positives/auth/prometheus.yml', r'''
scrape_configs:
  - job_name: federate
    basic_auth:
      username: prometheus
!!      password: Pr0m3theus-fed
  - job_name: api
    authorization:
      type: Bearer
!!      credentials: {{b62:40}}
  - job_name: node
    bearer_token_file: /var/run/secrets/token
''')

f('positives/auth/apache/site.conf', r'''
<VirtualHost *:443>
    ServerName wiki.acme.local
    ProxyPass / http://127.0.0.1:8090/
!!    RequestHeader set Authorization "Basic {{basic}}"
    AuthType Basic
    AuthUserFile /etc/apache2/.htpasswd
    Require valid-user
</VirtualHost>
''')

# ---------------- cmd (command-line credentials) ----------------
f('positives/cmd/backup.sh', r'''
#!/bin/bash
DATE=$(date +%F)
!!mysqldump -u backup -pB4ckup_2020 --all-databases > /backups/all-$DATE.sql
mysql -u root -p"$MYSQL_ROOT_PASSWORD" -e "FLUSH LOGS"
!!PGPASSWORD=pgBackup77 pg_dump -h db.internal -U backup app > /backups/app-$DATE.sql
!!curl -u admin:Adm1n!curl -X POST https://jenkins.acme.local/job/backup/build
curl -u "$USER:$PASS" https://api.acme.local/health
''')

f('positives/cmd/Dockerfile', r'''
FROM node:20-alpine
WORKDIR /app
COPY package*.json ./
!!RUN npm config set //registry.npmjs.org/:_authToken npm_{{b62:36}} && npm ci
!!ENV DB_PASSWORD=dockerDbPw1
ARG NPM_TOKEN
RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc
COPY . .
CMD ["node", "server.js"]
''')

f('positives/cmd/provision.yml', r'''
- hosts: db
  tasks:
    - name: create replication user
!!      shell: mysql -uroot -pR00tMysql! -e "CREATE USER 'repl'@'%' IDENTIFIED BY '{{b62:16}}';"
    - name: restart
      service: name=mysql state=restarted
    - name: join domain
!!      command: realm join --user=Administrator --one-time-password=J01nD0main acme.local
''')

f('positives/cmd/ops.md', r'''
# Runbook

Connect to the replica:

```sh
!!sshpass -p 'Repl1caSSH' ssh ops@10.20.0.4
!!redis-cli -h cache.internal -a R3disCl1Pw ping
psql -h db.internal -U ops -W
```
Use `mysql -p` without a value to be prompted for the password.
''')

f('positives/cmd/setup.ps1', r'''
!!net user svc_backup Bkp!Svc2022 /add
!!$cred = New-Object PSCredential("admin", (ConvertTo-SecureString -String "{{b62:14}}" -AsPlainText -Force))
$plain = Read-Host "Enter password"
!!Invoke-WebRequest -Uri https://nexus.acme.local -Headers @{Authorization = "Basic {{basic}}"}
''')

f('positives/cmd/mount.sh', r'''
#!/bin/sh
!!mount -t cifs //fs01/share /mnt/share -o username=svc_mount,password=Mnt_Sh4re
!!htpasswd -b -c /etc/nginx/.htpasswd admin N9inxAdm
openssl req -new -key server.key -passout env:KEY_PASS -out server.csr
!!openssl pkcs12 -export -in c.crt -inkey c.key -out c.p12 -passout pass:P12export!
''')

# ---------------- hash ----------------
f('positives/hash/.htpasswd', r'''
!!admin:$apr1${{b62:8}}${{b62:22}}
!!deploy:$2y$10${{b62:53}}
''')

f('positives/hash/shadow', r'''
!!root:$6${{b62:16}}${{b62:86}}:19500:0:99999:7:::
daemon:*:19500:0:99999:7:::
bin:*:19500:0:99999:7:::
!!ubuntu:$y$j9T${{b62:22}}${{b62:43}}:19501:0:99999:7:::
nobody:!:19500::::::
''')

f('positives/hash/seed.sql', r'''
INSERT INTO users (email, password_hash, role) VALUES
!!  ('admin@acme.io', '$2a$12${{b62:53}}', 'admin'),
  ('guest@acme.io', NULL, 'guest');
!!INSERT INTO auth_user (username, password) VALUES ('ops', 'pbkdf2_sha256$600000${{b62:22}}${{b64:43}}=');
''')

f('positives/hash/users.yml', r'''
users:
  - name: grafana
!!    password_hash: "$argon2id$v=19$m=65536,t=3,p=4${{b64:22}}${{b64:43}}"
  - name: viewer
    password_hash: ""
''')

# ================== negatives ==================
f('negatives/password/settings.py', r'''
import os
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "PASSWORD": os.environ["DB_PASSWORD"],
        "USER": os.getenv("DB_USER", "postgres"),
    }
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"}]
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
''')

f('negatives/password/application.properties', r'''
spring.datasource.password=${DB_PASSWORD}
spring.datasource.username=${DB_USER:app}
spring.mail.password=
security.password.min-length=12
keystore.password.env=KEYSTORE_PASSWORD
''')

f('negatives/password/docker-compose.yml', r'''
services:
  db:
    image: postgres:15
    environment:
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it in .env}
      POSTGRES_PASSWORD_FILE: /run/secrets/pg_password
    secrets:
      - pg_password
secrets:
  pg_password:
    file: ./secrets/pg_password.txt
''')

f('negatives/password/LoginForm.tsx', r'''
export function LoginForm() {
  const [password, setPassword] = useState('');
  const passwordInput = useRef<HTMLInputElement>(null);
  return (
    <form>
      <label htmlFor="password">Password</label>
      <input id="password" type="password" placeholder="Enter your password" value={password} onChange={(e) => setPassword(e.target.value)} />
      <button disabled={password.length < 8}>Sign in</button>
    </form>
  );
}
''')

f('negatives/password/UserService.java', r'''
public class UserService {
    public void changePassword(User user, String newPassword) {
        String hashed = passwordEncoder.encode(newPassword);
        user.setPassword(hashed);
        repository.save(user);
    }
    private static final String PASSWORD_PARAM = "password";
    public boolean check(String password) { return password != null && password.length() >= MIN_PASSWORD; }
}
''')

f('negatives/password/values.yaml', r'''
auth:
  password: ""
  existingSecret: "redis-auth"
  existingSecretPasswordKey: "redis-password"
postgresql:
  auth:
    password: "{{ .Values.global.postgresPassword }}"
    passwordSecretKey: password
''')

f('negatives/password/README.md', r'''
# Configuration

| Variable | Description |
|---|---|
| `DB_PASSWORD` | Password of the database user. |
| `ADMIN_PASSWORD` | Password of the first admin account (required). |

Set `password: <your-password>` in `config.yml`, or pass `--password-file` to read it from a file.
Never commit your password. Example: `export DB_PASSWORD=your_password_here`.
''')

f('negatives/password/main.tf', r'''
resource "aws_db_instance" "main" {
  username = "orders"
  password = var.db_password
  manage_master_user_password = true
}
resource "random_password" "db" {
  length  = 24
  special = true
}
output "password_arn" { value = aws_secretsmanager_secret.db.arn }
''')

f('negatives/password/ansible.yml', r'''
mysql_root_password: "{{ vault_mysql_root_password }}"
ansible_become_pass: "{{ lookup('env', 'BECOME_PASS') }}"
user_password: "{{ lookup('password', '/dev/null length=20') }}"
''')

f('negatives/password/auth_test.go', r'''
func TestLogin(t *testing.T) {
	req := LoginRequest{Username: "alice", Password: password}
	if err := validatePassword(req.Password); err != nil {
		t.Fatal(err)
	}
	cfg.Password = os.Getenv("TEST_PASSWORD")
}
''')

f('negatives/password/web.config', r'''
<configuration>
  <connectionStrings>
    <add name="Default" connectionString="Server=.;Database=Portal;Integrated Security=SSPI;" />
    <add name="Azure" connectionString="Server=tcp:x.database.windows.net;Authentication=Active Directory Default;" />
  </connectionStrings>
  <appSettings>
    <add key="PasswordMinLength" value="12" />
    <add key="SmtpPassword" value="" />
  </appSettings>
</configuration>
''')

f('negatives/password/i18n/en.json', r'''
{
  "login.password": "Password",
  "login.password.forgot": "Forgot your password?",
  "login.password.invalid": "The password is incorrect",
  "settings.password.change": "Change password",
  "errors.token_expired": "Your session token has expired"
}
''')

f('negatives/password/.env.example', r'''
DB_HOST=localhost
DB_USERNAME=app
DB_PASSWORD=
REDIS_PASSWORD=
MAIL_PASSWORD=your-mail-password
JWT_SECRET=change-me
API_KEY=<your api key>
''')

f('negatives/secret/config.js', r'''
module.exports = {
  apiKey: process.env.API_KEY,
  secret: process.env.APP_SECRET || '',
  tokenHeader: 'X-Auth-Token',
  secretName: 'prod/api/keys',
  keyId: 'a1b2c3d4-5678-90ab-cdef-1234567890ab',
  sessionKey: 'connect.sid',
};
''')

f('negatives/secret/secrets.py', r'''
import secrets
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
token = secrets.token_urlsafe(32)
api_key = request.headers.get("X-Api-Key")
def get_secret(name): return client.access_secret_version(name=name).payload.data
GIT_COMMIT = "3f1e2d4c5b6a79880f1e2d3c4b5a69788f7e6d5c"
''')

f('negatives/secret/package-lock.json', r'''
{
  "name": "web",
  "lockfileVersion": 3,
  "packages": {
    "node_modules/lodash": {
      "version": "4.17.21",
      "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz",
      "integrity": "sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg=="
    }
  }
}
''')

f('negatives/secret/k8s.yaml', r'''
apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: api
          image: acme/api@sha256:{{hex:64}}
          env:
            - name: API_KEY
              valueFrom:
                secretKeyRef:
                  name: api-secrets
                  key: api-key
''')

f('negatives/secret/workflow.yml', r'''
jobs:
  build:
    steps:
      - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11
      - run: npm publish
        env:
          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}
          SECRET_KEY: ${{ secrets.SECRET_KEY }}
''')

f('negatives/secret/docs.md', r'''
## Authentication

Create an API key in the dashboard and pass it in the `X-Api-Key` header. Keys look like
`sk_live_...` for live mode and `sk_test_...` for test mode. Rotate your secret key
regularly. The token is returned by `POST /oauth/token`.
''')

f('negatives/secret/uuid.go', r'''
const requestIDHeader = "X-Request-Id"
var tenantID = "5f0c7a3e-9b1d-4e2f-8a6b-1c2d3e4f5a6b"
var checksum = "d41d8cd98f00b204e9800998ecf8427e"
var secretKey = cfg.SecretKey
token := r.Header.Get("Authorization")
''')

f('negatives/key/id_rsa.pub', r'''
ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ{{b64:300}} deploy@acme
''')

f('negatives/key/cert.pem', r'''
-----BEGIN CERTIFICATE-----
{{pem}}
-----END CERTIFICATE-----
-----BEGIN PUBLIC KEY-----
{{pem}}
-----END PUBLIC KEY-----
''')

f('negatives/key/tls.tf', r'''
resource "tls_private_key" "deploy" {
  algorithm = "ED25519"
}
output "private_key" {
  value     = tls_private_key.deploy.private_key_pem
  sensitive = true
}
ssl_certificate_key = "/etc/ssl/private/server.key"
''')

f('negatives/url/config.yml', r'''
database_url: postgres://${DB_USER}:${DB_PASSWORD}@db:5432/app
redis_url: redis://localhost:6379/0
broker: amqp://guest:guest@localhost:5672//
docs: https://docs.acme.io/setup#database
mongo: mongodb://<username>:<password>@cluster0.mongodb.net/test
''')

f('negatives/url/README.md', r'''
Set `DATABASE_URL=postgresql://user:password@localhost:5432/dbname` in your environment.
The connection string has the form `mysql://USER:PASS@HOST/DB`.
''')

f('negatives/auth/client.ts', r'''
const headers = { Authorization: `Bearer ${await getAccessToken()}` };
const basic = 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');
axios.defaults.headers.common['Authorization'] = token;
// Authorization: Bearer <token>
''')

f('negatives/auth/nginx.conf', r'''
location /api/ {
    proxy_set_header Authorization $http_authorization;
    proxy_set_header X-Real-IP $remote_addr;
    auth_request /auth;
}
''')

f('negatives/cmd/deploy.sh', r'''
#!/bin/bash
mysql -u root -p"${MYSQL_ROOT_PASSWORD}" < schema.sql
mysql -u app -p < schema.sql
sshpass -e ssh deploy@host
curl -u "${API_USER}:${API_PASS}" https://api.acme.local
echo "$REGISTRY_PASSWORD" | docker login -u ci --password-stdin
PGPASSWORD="$PGPASS" psql -h db -U app
''')

f('negatives/cmd/setup.ps1', r'''
$secure = Read-Host -AsSecureString "Password"
$cred = Get-Credential
$pw = ConvertTo-SecureString $env:SVC_PASSWORD -AsPlainText -Force
''')

f('negatives/hash/checksums.txt', r'''
{{hex:64}}  keyhaven-linux-amd64.tar.gz
{{hex:64}}  keyhaven-darwin-arm64.tar.gz
''')

# ================== heldout batch (written after the first round of fixes, measured before any change for it) ==================
f('positives/password/heldout/inventory.ini', r'''
[web]
web01 ansible_host=10.0.1.11
web02 ansible_host=10.0.1.12

[db]
!!db01 ansible_host=10.0.2.21 ansible_user=admin ansible_password=Db01-Adm!n
db02 ansible_host=10.0.2.22 ansible_password="{{ vault_db02_password }}"

[windows:vars]
ansible_connection=winrm
!!ansible_winrm_password=W1nRM#2022
''')

f('positives/password/heldout/gradle.properties', r'''
org.gradle.jvmargs=-Xmx2048m
android.useAndroidX=true
RELEASE_STORE_FILE=release.keystore
!!RELEASE_STORE_PASSWORD=andr0id-st0re
!!RELEASE_KEY_PASSWORD=andr0id-k3y
RELEASE_KEY_ALIAS=release
!!ossrhPassword=Ossrh{{b62:10}}
signing.keyId=24875D73
''')

f('positives/password/heldout/.netrc', r'''
!!machine api.heroku.com login ops@acme.io password {{hex:8}}-{{hex:4}}-{{hex:4}}-{{hex:4}}-{{hex:12}}
!!machine git.acme.local login builder password Bu1lder!2021
''')

f('positives/password/heldout/.git-credentials', r'''
!!https://jdoe:{{ghp:ghp}}@github.com
''')

f('positives/password/heldout/.pgpass', r'''
# hostname:port:database:username:password
!!db.internal:5432:*:replicator:Repl!c4t0r
localhost:5432:*:postgres:*
''')

f('positives/password/heldout/redis.conf', r'''
bind 127.0.0.1
port 6379
!!requirepass Redis_Pr0d_{{a:8}}
!!masterauth Redis_Pr0d_{{a:8}}
maxmemory 2gb
''')

f('positives/password/heldout/grafana.ini', r'''
[security]
admin_user = admin
!!admin_password = Gr@fana2023
secret_key = $__env{GF_SECRET_KEY}

[database]
type = mysql
!!password = """#Gr4fanaDB;"""
''')

f('positives/password/heldout/wpa_supplicant.conf', r'''
ctrl_interface=DIR=/var/run/wpa_supplicant GROUP=netdev
network={
    ssid="AcmeOffice"
!!    psk="Wifi4Acme!2024"
    key_mgmt=WPA-PSK
}
''')

f('positives/password/heldout/db.pl', r'''
use DBI;
my $dsn = "DBI:mysql:database=crm;host=localhost";
!!my $dbh = DBI->connect($dsn, "crm", "Perl_Crm_99", { RaiseError => 1 });
my $pass = $ENV{CRM_PASS};
''')

f('positives/password/heldout/mailer.js', r'''
const nodemailer = require('nodemailer');
const transporter = nodemailer.createTransport({
  host: 'smtp.gmail.com',
  port: 465,
  secure: true,
!!  auth: { user: 'alerts@acme.io', pass: 'qwer tyui opas dfgh' },
});
const other = nodemailer.createTransport({ auth: { user: process.env.SMTP_USER, pass: process.env.SMTP_PASS } });
''')

f('positives/password/heldout/kibana.yml', r'''
server.host: "0.0.0.0"
elasticsearch.hosts: ["https://es01:9200"]
elasticsearch.username: "kibana_system"
!!elasticsearch.password: "{{b62:20}}"
xpack.encryptedSavedObjects.encryptionKey: ${KIBANA_ENC_KEY}
''')

f('positives/password/heldout/struct.go', r'''
package config

var Default = Config{
	Host:     "mq.internal",
	User:     "orders",
!!	Password: "0rd3rs-mq!",
	Vhost:    "/orders",
}

func (c Config) PasswordSet() bool { return c.Password != "" }
''')

f('positives/password/heldout/database.php', r'''
<?php
return [
    'connections' => [
        'mysql' => [
            'host' => env('DB_HOST', '127.0.0.1'),
            'username' => env('DB_USERNAME', 'forge'),
            'password' => env('DB_PASSWORD', ''),
        ],
        'legacy' => [
            'username' => 'legacy',
!!            'password' => 'L3gacy#DB',
        ],
    ],
];
''')

f('positives/password/heldout/test_api.py', r'''
import pytest

@pytest.fixture
def client():
    c = make_client()
!!    c.login(username="admin", password="Adm1n-test-pw")
    return c

def test_wrong_password(client):
    assert client.login(username="admin", password=WRONG_PASSWORD) is False
''')

f('positives/password/heldout/docker-compose.prod.yml', r'''
services:
  n8n:
    image: n8nio/n8n
    environment:
      - N8N_BASIC_AUTH_ACTIVE=true
      - N8N_BASIC_AUTH_USER=admin
!!      - N8N_BASIC_AUTH_PASSWORD=n8nAdm1n!
      - DB_POSTGRESDB_PASSWORD=${PG_PASS}
  minio:
    image: minio/minio
    environment:
      MINIO_ROOT_USER: minioadmin
!!      MINIO_ROOT_PASSWORD: M1n10{{b62:12}}
''')

f('positives/password/heldout/terraform.tfvars', r'''
region        = "eu-west-1"
instance_type = "t3.small"
!!db_password   = "TfV4rs-db-pw"
admin_cidr    = "203.0.113.0/24"
''')

f('positives/secret/heldout/tokens.env', r'''
!!VAULT_TOKEN=hvs.{{b64u:90}}
!!DIGITALOCEAN_TOKEN=dop_v1_{{hex:64}}
!!CLOUDFLARE_API_TOKEN={{b64u:40}}
!!PULUMI_ACCESS_TOKEN=pul-{{hex:40}}
!!DOPPLER_TOKEN=dp.st.prd.{{b62:43}}
!!GRAFANA_SA_TOKEN=glsa_{{b62:32}}_{{hex:8}}
CLOUDFLARE_ZONE_ID={{hex:32}}
!!LINEAR_API_KEY=lin_api_{{b62:40}}
!!NOTION_TOKEN=secret_{{b62:43}}
!!FIGMA_TOKEN=figd_{{b64u:40}}
!!POSTMAN_API_KEY=PMAK-{{hex:24}}-{{hex:34}}
''')

f('positives/secret/heldout/atlassian.py', r'''
from atlassian import Confluence
confluence = Confluence(
    url="https://acme.atlassian.net",
    username="bot@acme.io",
!!    password="ATATT3xFfGF0{{b64u:170}}={{HEX:8}}",
    cloud=True,
)
''')

f('positives/secret/heldout/appsettings.Production.json', r'''
{
  "AzureAd": {
    "Instance": "https://login.microsoftonline.com/",
    "TenantId": "{{hex:8}}-{{hex:4}}-{{hex:4}}-{{hex:4}}-{{hex:12}}",
    "ClientId": "{{hex:8}}-{{hex:4}}-{{hex:4}}-{{hex:4}}-{{hex:12}}",
!!    "ClientSecret": "{{b62:3}}8Q~{{b64u:34}}"
  },
  "Jwt": {
!!    "Key": "{{b62:48}}",
    "Issuer": "acme-api"
  }
}
''')

f('positives/secret/heldout/config.exs', r'''
import Config
config :shop, ShopWeb.Endpoint,
  url: [host: "shop.acme.io"],
!!  secret_key_base: "{{b64:64}}"
config :shop, Shop.Repo,
  username: "shop",
!!  password: "ex_shop_db_9",
  pool_size: 10
''')

f('positives/secret/heldout/square.rb', r'''
!!SQUARE_ACCESS_TOKEN = 'EAAA{{b64u:60}}'
!!BRAINTREE = 'access_token$production${{a:16}}${{hex:32}}'
!!MAPBOX_SECRET = 'sk.eyJ1IjoiYWNtZSIsImEiOiJ{{b64u:20}}.{{b64u:22}}'
PUBLIC_MAPBOX = 'pk.eyJ1IjoiYWNtZSIsImEiOiJ{{b64u:20}}.{{b64u:22}}'
''')

f('positives/secret/heldout/okta.yaml', r'''
okta:
  client:
    orgUrl: https://acme.okta.com
!!    token: 00{{b64u:40}}
  oauth2:
    clientId: 0oa{{b62:17}}
!!    clientSecret: {{b64u:40}}
''')

f('positives/secret/heldout/kubeconfig', r'''
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t{{b64:80}}
    server: https://k8s.acme.internal:6443
  name: prod
users:
- name: ci
  user:
!!    token: {{jwt}}
''')

f('positives/secret/heldout/docker-config.json', r'''
{
  "auths": {
!!    "registry.acme.io": { "auth": "{{basic}}" },
    "ghcr.io": {}
  },
  "credsStore": "desktop"
}
''')

f('positives/secret/heldout/postman_environment.json', r'''
{
  "name": "staging",
  "values": [
    { "key": "baseUrl", "value": "https://staging.acme.io", "enabled": true },
!!    { "key": "apiKey", "value": "{{hex:40}}", "enabled": true },
    { "key": "userId", "value": "42", "enabled": true }
  ]
}
''')

f('positives/secret/heldout/github-app.ts', r'''
export const app = new App({
  appId: 351234,
!!  webhookSecret: 'wh_{{b62:30}}',
  privateKey: fs.readFileSync('app.pem', 'utf8'),
});
!!const installationToken = 'ghs_{{b62:36}}';
!!const runnerToken = 'glrt-{{b64u:20}}';
''')

f('positives/secret/heldout/Secrets.swift', r'''
enum Secrets {
!!    static let revenueCatKey = "appl_{{b62:27}}"
!!    static let algoliaAdminKey: String = "{{hex:32}}"
    static let algoliaAppID = "{{A:10}}"
}
''')

f('positives/url/heldout/alembic.ini', r'''
[alembic]
script_location = migrations
!!sqlalchemy.url = postgresql+psycopg2://alembic:Al3mb1c!@db.internal/app
''')

f('positives/url/heldout/requirements.txt', r'''
flask==3.0.0
!!--extra-index-url https://__token__:{{b64u:32}}@gitlab.acme.dev/api/v4/projects/12/packages/pypi/simple
requests>=2.31
git+https://github.com/acme/tools.git@v1.2.0
''')

f('positives/url/heldout/sentry.properties', r'''
defaults.url=https://sentry.io/
defaults.org=acme
!!auth.token=sntrys_{{b64u:100}}
''')

f('positives/url/heldout/config.yaml', r'''
sources:
!!  - url: smb://svc_scan:Sc4nner!@fs01.acme.local/share
  - url: https://files.acme.local/public
!!proxy: socks5://tor:{{b62:16}}@127.0.0.1:9050
''')

f('positives/cmd/heldout/deploy.yml', r'''
- name: Deploy
  hosts: app
  tasks:
!!    - shell: echo 'Dpl0y-Pw!' | sudo -S systemctl restart app
!!    - command: /opt/app/bin/admin --user root --password R00t-App-Pw reload
    - command: /opt/app/bin/admin --password "{{ app_admin_password }}" reload
''')

f('positives/cmd/heldout/init.sh', r'''
#!/bin/bash
!!docker run -d -e POSTGRES_PASSWORD=DockRunPg1 postgres:15
!!kubectl create secret generic db --from-literal=password=K8sL1teral!
!!az login --service-principal -u {{hex:8}}-{{hex:4}}-{{hex:4}}-{{hex:4}}-{{hex:12}} -p {{b62:3}}8Q~{{b64u:34}} --tenant acme.onmicrosoft.com
!!echo "deploy:D3pl0yCh!" | chpasswd
!!mongosh "mongodb://localhost" -u admin -p 'M0ngoSh3ll' --authenticationDatabase admin
!!psql "postgresql://app:PsqlUr1pw@db:5432/app" -c 'select 1'
!!smbclient //fs01/share -U svc%SmbCl1ent -c ls
docker run -e POSTGRES_PASSWORD="$PG_PASS" postgres:15
''')

f('positives/cmd/heldout/build.bat', r'''
@echo off
!!set DB_PASSWORD=BatchDb#1
!!sqlcmd -S sql01 -U sa -P "Sq1cmd!pw" -i schema.sql
!!net use \\fs01\builds /user:CORP\builder B4tch!Net
set BUILD_NUMBER=%1
''')

f('positives/auth/heldout/http-client.env.json', r'''
{
  "prod": {
    "host": "https://api.acme.io",
!!    "token": "{{b64u:40}}"
  }
}
''')

f('positives/auth/heldout/webhook.go', r'''
req, _ := http.NewRequest("POST", url, body)
!!req.Header.Set("Authorization", "Bearer {{b62:40}}")
!!req.SetBasicAuth("hook", "H00k-Basic!")
req.Header.Set("Authorization", "Bearer "+token)
''')

f('positives/auth/heldout/test.http', r'''
POST https://api.acme.io/graphql
!!X-API-Key: {{hex:32}}
Content-Type: application/json
''')

f('positives/key/heldout/jwt.json', r'''
{
  "keys": [
!!    { "kty": "RSA", "kid": "k1", "n": "{{b64u:80}}", "e": "AQAB", "d": "{{b64u:80}}", "p": "{{b64u:40}}", "q": "{{b64u:40}}" }
  ]
}
''')

f('positives/key/heldout/deploy_key.tf', r'''
resource "github_repository_deploy_key" "ci" {
  repository = "infra"
  key        = file("deploy.pub")
}
locals {
!!  ssh_key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n{{pemesc}}\n-----END OPENSSH PRIVATE KEY-----"
}
''')

f('positives/hash/heldout/pg_hba_users.sql', r'''
!!CREATE ROLE app LOGIN PASSWORD 'SCRAM-SHA-256$4096:{{b64:24}}${{b64:44}}:{{b64:44}}';
!!ALTER ROLE legacy PASSWORD 'md5{{hex:32}}';
''')

f('positives/hash/heldout/mosquitto.passwd', r'''
!!sensor01:$7$101${{b64:16}}${{b64:86}}==
''')

f('negatives/password/heldout/config.yml', r'''
database:
  password: !vault |
    $ANSIBLE_VAULT;1.1;AES256
    6162636465666768696a6b6c6d6e6f70
  password_file: /etc/app/db.pass
smtp:
  password: !ENV ${SMTP_PASSWORD}
  pass_through: true
''')

f('negatives/password/heldout/Login.kt', r'''
val password: String = intent.getStringExtra("password") ?: ""
val passwordHint: String = "At least 8 characters"
var confirmPassword by remember { mutableStateOf("") }
''')

f('negatives/secret/heldout/settings.toml', r'''
[tool.poetry.dependencies]
python = "^3.11"
[auth]
token_url = "https://auth.acme.io/oauth/token"
secret_ref = "projects/acme/secrets/api-key/versions/latest"
api_key_env = "ACME_API_KEY"
''')

f('negatives/secret/heldout/ids.ts', r'''
export const STRIPE_PRICE_ID = 'price_1NzQ2bKx8u9yT0aBcDeFgHiJ';
export const GA_MEASUREMENT_ID = 'G-8XK2M4P1QZ';
export const SENTRY_ORG = 'acme';
export const tokenType = 'Bearer';
''')

# ================== heldout2 batch (written after round 3, measured before any change for it) ==================
f('positives/password/heldout2/hibernate.cfg.xml', r'''
<hibernate-configuration>
  <session-factory>
    <property name="hibernate.connection.url">jdbc:mysql://localhost:3306/hr</property>
    <property name="hibernate.connection.username">hr</property>
!!    <property name="hibernate.connection.password">Hr_db_2019!</property>
    <property name="hibernate.dialect">org.hibernate.dialect.MySQLDialect</property>
  </session-factory>
</hibernate-configuration>
''')

f('positives/password/heldout2/context.xml', r'''
<Context>
!!  <Resource name="jdbc/app" auth="Container" type="javax.sql.DataSource" username="app" password="T0mcat-DS" driverClassName="org.postgresql.Driver" url="jdbc:postgresql://db/app"/>
  <Resource name="jdbc/ro" auth="Container" username="ro" password="${db.ro.password}"/>
</Context>
''')

f('positives/password/heldout2/tomcat-users.xml', r'''
<tomcat-users>
  <role rolename="manager-gui"/>
!!  <user username="tomcat" password="s3cret!Tc" roles="manager-gui"/>
</tomcat-users>
''')

f('positives/password/heldout2/settings_local.py', r'''
CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:6379/1"}}
!!CELERY_BROKER_PASSWORD = 'c3l3ry-Br0ker'
!!LDAP_AUTH_CONNECTION_PASSWORD = "Ld4p_Bind_{{a:6}}"
AUTH_LDAP_BIND_PASSWORD = get_secret("ldap")
''')

f('positives/password/heldout2/vsftpd_users.sh', r'''
#!/bin/bash
!!echo -e "ftpuser\nFtp#User2020" > /etc/vsftpd/virtual_users.txt
useradd -m ftpuser
!!echo "ftpuser:Ftp#User2020" | chpasswd
''')

f('positives/password/heldout2/keystore.properties', r'''
storeFile=../keys/upload.jks
!!storePassword=Upl0adStore
keyAlias=upload
!!keyPassword=Upl0adKey
''')

f('positives/password/heldout2/mongo-init.js', r'''
db = db.getSiblingDB('shop');
db.createUser({
  user: 'shop',
!!  pwd: 'Sh0pM0ngo!',
  roles: [{ role: 'readWrite', db: 'shop' }],
});
db.createUser({ user: 'ro', pwd: passwordPrompt(), roles: ['read'] });
''')

f('positives/password/heldout2/application-dev.yml', r'''
spring:
  datasource:
    url: jdbc:postgresql://localhost:5432/dev
    username: dev
!!    password: d3vP4ss
  mail:
    password: ${MAIL_PASSWORD:}
app:
  admin:
!!    initial-password: "Init!al-Admin-1"
''')

f('positives/password/heldout2/router.cfg', r'''
hostname edge01
!!enable secret 0 Cisc0Enable!
!!username admin privilege 15 password 0 Adm1nCisco
line vty 0 4
 login local
''')

f('positives/password/heldout2/login_test.rb', r'''
RSpec.describe "login" do
!!  let(:user) { create(:user, email: "qa@acme.io", password: "Qa-Passw0rd!") }
  it "rejects a wrong password" do
    visit login_path
    fill_in "Password", with: "wrong"
  end
end
''')

f('positives/secret/heldout2/symfony.env', r'''
APP_ENV=prod
!!APP_SECRET={{hex:32}}
!!MAILER_DSN=smtp://mailer:{{b62:16}}@smtp.acme.io:587
DATABASE_URL="postgresql://app:!ChangeMe!@127.0.0.1:5432/app?serverVersion=16"
''')

f('positives/secret/heldout2/firebase-admin.json', r'''
{
  "type": "service_account",
  "project_id": "acme-mobile",
!!  "private_key": "-----BEGIN PRIVATE KEY-----\n{{pemesc}}\n-----END PRIVATE KEY-----\n",
  "client_email": "firebase-adminsdk-x1y2z@acme-mobile.iam.gserviceaccount.com"
}
''')

f('positives/secret/heldout2/keys.go', r'''
package keys

var (
!!	hmacKey      = []byte("{{b62:40}}")
!!	aesKey       = "{{hex:64}}"
	keyLength    = 32
)
''')

f('positives/secret/heldout2/Constants.java', r'''
public final class Constants {
!!    public static final String API_SECRET = "{{b62:32}}";
!!    public static final String MAPS_KEY = "AIza{{b64u:35}}";
    public static final String API_SECRET_HEADER = "X-Api-Secret";
    public static final String API_BASE = "https://api.acme.io";
}
''')

f('positives/secret/heldout2/config.lua', r'''
local config = {}
config.host = "0.0.0.0"
!!config.secret = "{{b62:40}}"
!!config.redis_password = "Lua-Redis-77"
return config
''')

f('positives/secret/heldout2/conf.py', r'''
# sphinx-like site config with a deploy token
project = "acme-docs"
!!github_token = "{{ghp:ghp}}"
!!algolia_search_api_key = "{{hex:32}}"
html_theme = "furo"
''')

f('positives/token/heldout2/ci.env', r'''
!!CODECOV_TOKEN={{hex:8}}-{{hex:4}}-{{hex:4}}-{{hex:4}}-{{hex:12}}
!!SONAR_TOKEN=squ_{{hex:40}}
!!SNYK_TOKEN={{hex:8}}-{{hex:4}}-{{hex:4}}-{{hex:4}}-{{hex:12}}
!!CIRCLE_TOKEN=CCIPAT_{{b62:22}}_{{hex:40}}
!!NETLIFY_AUTH_TOKEN=nfp_{{b62:36}}
!!VERCEL_TOKEN={{b62:24}}
!!FLY_API_TOKEN=FlyV1 fm2_{{b64:120}}
CI=true
''')

f('positives/token/heldout2/stripe_test.py', r'''
import stripe
!!stripe.api_key = "rk_live_{{b62:99}}"
!!endpoint_secret = "whsec_{{b62:32}}"
price = "price_1OaBcDeFgHiJkLmN"
''')

f('positives/token/heldout2/bots.yaml', r'''
slack:
!!  app_token: xapp-1-A{{A:10}}-{{d:13}}-{{hex:64}}
!!  user_token: xoxp-{{d:12}}-{{d:12}}-{{d:13}}-{{hex:32}}
telegram:
!!  token: "{{d:10}}:AA{{b64u:33}}"
discord:
  application_id: "{{d:18}}"
''')

f('positives/token/heldout2/llm.ts', r'''
!!const groq = new Groq({ apiKey: 'gsk_{{b62:52}}' });
!!const replicate = new Replicate({ auth: 'r8_{{b62:37}}' });
!!const cohere = new CohereClient({ token: '{{b62:40}}' });
const model = 'llama3-70b-8192';
''')

f('positives/url/heldout2/database.yml', r'''
production:
!!  url: <%= ENV.fetch("DATABASE_URL", "postgres://rails:R41ls-Pg@db.acme.internal/app_production") %>
  pool: 10
''')

f('positives/url/heldout2/git-config', r'''
[remote "origin"]
!!	url = https://deploy:{{b64u:20}}@bitbucket.org/acme/infra.git
	fetch = +refs/heads/*:refs/remotes/origin/*
[remote "upstream"]
	url = git@github.com:acme/infra.git
''')

f('positives/cmd/heldout2/restore.ps1', r'''
!!$pw = ConvertTo-SecureString -String "R3st0re!Pw" -AsPlainText -Force
!!Invoke-Sqlcmd -ServerInstance sql01 -Username sa -Password 'Sa!Restore9' -Query "RESTORE DATABASE x"
!!New-LocalUser -Name "svc_restore" -Password (ConvertTo-SecureString "Svc-Rest0re" -AsPlainText -Force)
$cred = Get-Credential -UserName "CORP\admin"
''')

f('positives/cmd/heldout2/tasks.sh', r'''
!!ldapsearch -x -D "cn=admin,dc=acme,dc=local" -w Ld4pAdm1n -b "dc=acme,dc=local"
!!rsync -av --password-file=<(echo Rsync!Pw1) backup@nas::data /data
!!wget --user=mirror --password=M1rr0r-Pw https://mirror.acme.local/iso/
!!7z a -pZ1pArch1ve backup.7z /data
!!openssl enc -aes-256-cbc -in a.tar -out a.enc -k Enc-Pa55phrase
mysql --defaults-extra-file=/etc/mysql/backup.cnf -e "show databases"
''')

f('positives/auth/heldout2/grafana-datasource.yaml', r'''
apiVersion: 1
datasources:
  - name: Loki
    type: loki
    url: https://logs.acme.io
    basicAuth: true
    basicAuthUser: grafana
    secureJsonData:
!!      basicAuthPassword: L0ki-Gr4fana
!!      httpHeaderValue1: "Bearer {{b62:40}}"
''')

f('positives/auth/heldout2/axios.js', r'''
!!axios.defaults.headers.common['Authorization'] = 'Bearer {{b64u:48}}';
!!const api = axios.create({ auth: { username: 'svc', password: 'Ax10s-Basic' } });
api.defaults.headers.common['X-Request-Id'] = uuid();
''')

f('positives/hash/heldout2/passwd.conf', r'''
!!admin:{SSHA}{{b64:32}}
!!webuser:{SHA}{{b64:27}}=
''')

f('positives/hash/heldout2/pillar.sls', r'''
users:
  deploy:
!!    password: '$6$rounds=656000${{b62:16}}${{b62:86}}'
    shell: /bin/bash
''')

f('positives/key/heldout2/vapid.env', r'''
VAPID_PUBLIC_KEY=B{{b64u:86}}
!!VAPID_PRIVATE_KEY={{b64u:43}}
''')

f('positives/key/heldout2/app.py', r'''
!!PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\n{{pemesc}}\n-----END RSA PRIVATE KEY-----"
PUBLIC_KEY_PATH = "/etc/app/public.pem"
''')

f('negatives/password/heldout2/schema.graphql', r'''
input LoginInput {
  email: String!
  password: String!
}
type Mutation { resetPassword(token: String!, password: String!): Boolean }
''')

f('negatives/password/heldout2/form.html', r'''
<input type="password" name="password" id="password" autocomplete="current-password" placeholder="Password">
<a href="/password/reset">Forgot password?</a>
''')

f('negatives/secret/heldout2/openapi.yaml', r'''
components:
  securitySchemes:
    ApiKeyAuth:
      type: apiKey
      in: header
      name: X-API-Key
    bearerAuth:
      type: http
      scheme: bearer
      bearerFormat: JWT
''')

f('negatives/secret/heldout2/.env.test', r'''
SECRET_KEY=test
API_TOKEN=${CI_API_TOKEN}
STRIPE_KEY=sk_test_xxxxxxxxxxxxxxxxxxxxxxxx
PASSWORD=********
''')

f('negatives/token/heldout2/ids.yaml', r'''
aws_account_id: "123456789012"
gcp_project_number: "948212345678"
commit: 9fceb02d0ae598e95dc970b74767f19372d61af8
docker_digest: sha256:{{hex:64}}
uuid: 3e5c1f8e-2b6a-4d1c-9e7f-0a1b2c3d4e5f
''')
