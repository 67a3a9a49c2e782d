// Package registry and artifact repository credentials: npm, PyPI, RubyGems, NuGet, Docker Hub,
// crates.io, Artifactory/JFrog, Clojars, Hex, Packagist, Sonatype, .npmrc/.pypirc/docker config auth.
import type { Rule } from '../types.js';
import { A62, B64, B64URL, HEX, A36, fake, keyed, tok } from './define.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

export const registryRules: Rule[] = [
  tok({ id: 'npm-access-token', description: 'npm access token', prefix: 'npm_', body: [[A62, 36]], severity: 'critical' }),
  {
    // Any value counts: an _authToken is a credential by its place, whatever its entropy.
    id: 'npmrc-auth-token',
    description: '.npmrc _authToken for a registry',
    keywords: ['_authtoken'],
    // `//host/:_authToken=` or a top-level `_authToken=` line; not any *_AUTHTOKEN= variable elsewhere
    pattern: /(?:^[ \t]{0,8}["']?|:)_authToken["']?\s{0,3}[=:]\s{0,3}["']?([^\s"'#;]{4,512})/gim,
    severity: 'critical',
    confidence: 'high',
    validate: (v) => !/^\$\{?|^%|^\{\{|^<|^\$\(/.test(v),
    examples: {
      positive: [`//registry.npmjs.org/:_authToken=${fake(A62, 36, 'npmrc')}`, '//npm.acme.io/:_authToken=abc12345'],
      negative: ['//registry.npmjs.org/:_authToken=${NPM_TOKEN}', '//r/:_authToken=<token>', 'NGROK_AUTHTOKEN=abc12345'],
    },
  },
  {
    id: 'npmrc-auth-basic',
    description: '.npmrc / .yarnrc _auth or _password (base64 credentials)',
    keywords: ['_auth', '_password'],
    pattern: /(?:^|[:\s])_(?:auth|password)\s{0,3}=\s{0,3}["']?([A-Za-z0-9+/]{4,512}={0,2})(?![\w+/=])/gim,
    severity: 'high',
    confidence: 'high',
    validate: (v) => {
      const d = Buffer.from(v, 'base64').toString('latin1');
      return /^[\x20-\x7e]{2,}$/.test(d);
    },
    examples: {
      positive: [
        `_auth=${b64('deploy:' + fake(A62, 16, 'npmauth'))}`,
        `_auth=${b64('ci:cipass')}`,
        `//npm.acme.io/:_password=${b64('pw1234')}`,
      ],
      negative: ['_auth=${NPM_AUTH}', '_auth='],
    },
  },
  tok({
    id: 'pypi-upload-token',
    description: 'PyPI upload token',
    prefix: 'pypi-AgEIcHlwaS5vcmc',
    body: [[B64URL, 50, 300]],
    severity: 'critical',
  }),
  tok({
    id: 'pypi-test-upload-token',
    description: 'TestPyPI upload token',
    prefix: 'pypi-AgENdGVzdC5weXBpLm9yZw',
    body: [[B64URL, 50, 300]],
    severity: 'medium',
  }),
  {
    id: 'pypirc-password',
    description: '.pypirc password',
    keywords: ['[pypi', '[testpypi', 'repository:'],
    pattern: /^password\s{0,3}[:=]\s{0,3}(\S{3,200})/gm,
    window: { before: 512, after: 512 },
    validate: (v) => !/^\$\{?|^%\(|^\{\{|^<|^\*+$/.test(v),
    severity: 'high',
    confidence: 'medium',
    examples: {
      positive: [`[pypi]\nusername = deploy\npassword = ${fake(A62, 16, 'pypirc')}`],
      negative: ['[pypi]\nusername = __token__\npassword = <your token>'],
    },
  },
  tok({ id: 'rubygems-api-key', description: 'RubyGems API key', prefix: 'rubygems_', body: [[HEX, 48]], severity: 'critical' }),
  tok({ id: 'nuget-api-key', description: 'NuGet API key', prefix: 'oy2', body: [[A36, 43]], confidence: 'medium', entropy: 3.5 }),
  tok({
    id: 'dockerhub-pat',
    description: 'Docker Hub personal access token',
    prefix: 'dckr_pat_',
    body: [[B64URL, 27]],
    severity: 'critical',
  }),
  tok({
    id: 'dockerhub-oat',
    description: 'Docker Hub organization access token',
    prefix: 'dckr_oat_',
    body: [[B64URL, 32]],
    severity: 'critical',
  }),
  {
    id: 'docker-config-auth',
    description: 'Docker config.json registry auth (base64 user:password)',
    keywords: ['"auth"'],
    pattern: /"auth"\s{0,3}:\s{0,3}"([A-Za-z0-9+/]{12,400}={0,2})"/g,
    entropy: 3,
    severity: 'high',
    confidence: 'high',
    validate: (s) => Buffer.from(s, 'base64').toString('latin1').includes(':'),
    examples: {
      positive: [`{"auths":{"ghcr.io":{"auth":"${b64('bot:' + fake(A62, 20, 'dcfg'))}"}}}`],
      negative: [`{"auth":"${b64('nocolonhere' + fake(A62, 8, 'x'))}"}`],
    },
  },
  tok({ id: 'crates-io-token', description: 'crates.io API token', prefix: 'cio', body: [[A62, 32]], confidence: 'medium', entropy: 3.5 }),
  tok({ id: 'artifactory-api-key', description: 'JFrog Artifactory API key', prefix: 'AKCp', body: [[A62, 69]], severity: 'critical' }),
  keyed({
    id: 'artifactory-reference-token',
    description: 'JFrog Artifactory reference token',
    ids: ['artifactory', 'jfrog'],
    secret: 'cmVmd[A-Za-z0-9]{59}',
    sample: 'cmVmd' + fake(A62, 59, 'jf'),
  }),
  {
    ...keyed({
      id: 'jfrog-password',
      description: 'JFrog/Artifactory password or identity token',
      ids: ['artifactory_password', 'jfrog_password', 'artifactory_token'],
      secret: '[\\w.=+/-]{32,1024}',
      sample: fake(B64URL, 64, 'jfp'),
      entropy: 3.5,
    }),
    // reference tokens (cmVmd…) and API keys (AKCp…) are reported by their own rules
    validate: (s: string) => !/^(?:cmVmd|AKCp)/.test(s),
  },
  keyed({
    id: 'jfrog-api-key',
    description: 'JFrog API key or identity token (next to a JFrog/Artifactory name)',
    ids: ['jfrog', 'artifactory', 'bintray', 'xray'],
    secret: '(?:[a-z0-9]{73}|[a-z0-9]{64})',
    sample: fake(A36, 73, 'jfak'),
    entropy: 3.5,
  }),
  tok({ id: 'clojars-token', description: 'Clojars deploy token', prefix: 'CLOJARS_', body: [[A36, 60]] }),
  keyed({ id: 'hex-pm-api-key', description: 'Hex.pm API key', ids: ['hex_api_key', 'hexpm'], secret: [HEX, 32] }),
  keyed({ id: 'packagist-token', description: 'Packagist API token', ids: ['packagist'], secret: [A62, 20, 40] }),
  keyed({
    id: 'sonatype-password',
    description: 'Sonatype/OSSRH password or token',
    ids: ['sonatype', 'ossrh', 'nexus_password'],
    secret: '[^\\s\'"]{12,80}',
    sample: fake(A62, 24, 'ossrh'),
    entropy: 3,
  }),
  keyed({
    id: 'gradle-publish-key',
    description: 'Gradle plugin portal publish key/secret',
    ids: ['gradle.publish.', 'gradle_publish_'],
    secret: [A62, 32],
  }),
  keyed({ id: 'cocoapods-trunk-token', description: 'CocoaPods trunk token', ids: ['cocoapods', 'cocoapods_trunk'], secret: [HEX, 32] }),
  keyed({
    id: 'pub-dev-token',
    description: 'pub.dev credentials refresh/access token',
    ids: ['pub-credentials', 'pub_token'],
    secret: 'ya29\\.[\\w-]{60,300}',
    sample: 'ya29.' + fake(B64URL, 80, 'pub'),
  }),
  keyed({
    id: 'github-packages-token',
    description: 'GitHub Packages token in registry config',
    ids: ['npm.pkg.github.com', 'maven.pkg.github.com'],
    secret: 'gh[pous]_[A-Za-z0-9]{36}',
    sample: 'ghp_' + fake(A62, 36, 'ghpk'),
  }),
  keyed({ id: 'quay-robot-token', description: 'Quay.io robot account token', ids: ['quay'], secret: [A36, 64] }),
  keyed({
    id: 'helm-repo-password',
    description: 'Helm repository password',
    ids: ['helm_repo_password', 'helm_password'],
    secret: '[^\\s\'"]{8,80}',
    sample: fake(A62, 20, 'helm'),
    entropy: 3,
  }),
  keyed({
    id: 'composer-auth-token',
    description: 'Composer auth.json token (gitlab/bitbucket oauth)',
    ids: ['gitlab-token', 'bitbucket-oauth', 'http-basic'],
    secret: '[\\w-]{20,64}',
    sample: fake(B64URL, 32, 'comp'),
    entropy: 3.5,
  }),
  {
    // pyx (Astral's registry): sk-pyx- user tokens and tp-pyx- trusted-publishing tokens, v1 (64 alnum) and
    // v2 (`2` + 45 letters)
    id: 'pyx-api-token',
    description: 'pyx registry API token',
    keywords: ['sk-pyx-', 'tp-pyx-'],
    pattern: /(?<![\w-])((?:sk|tp)-pyx-(?:2[A-Za-z]{45}|[A-Za-z0-9]{64}))(?![\w-])/g,
    entropy: 3.5,
    severity: 'critical',
    confidence: 'high',
    examples: {
      positive: [
        `PYX_TOKEN=sk-pyx-${fake(A62, 64, 'pyx1')}`,
        `password="tp-pyx-2${fake({ chars: A62.chars.slice(10), cls: 'A-Za-z' }, 45, 'pyx2')}"`,
      ],
      negative: [`sk-pyx-${fake(A62, 30, 'pyx3')}`, `sk-pyx-${'x'.repeat(64)}`],
    },
  },
];
void B64;
void A36;
