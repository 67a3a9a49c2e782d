// The built-in rule registry: every family's rules in one list, in priority order.
import type { Rule } from '../types.js';
import { cloudRules } from './cloud.js';
import { vcsRules } from './vcs.js';
import { paymentRules } from './payments.js';
import { messagingRules } from './messaging.js';
import { aiRules } from './ai.js';
import { registryRules } from './registries.js';
import { databaseRules } from './databases.js';
import { privateKeyRules } from './private-keys.js';
import { frameworkRules } from './frameworks.js';
import { hashRules } from './hashes.js';
import { saasRules } from './saas.js';
import { genericRules } from './generic.js';
import { genericSyntaxRules } from './generic-syntax.js';
import { genericStatementRules } from './generic-statements.js';
import { appFileRules } from './app-files.js';
import { vendorRules } from './vendors.js';
import { referenceVendorRules } from './vendors-reference.js';

export const builtinRules: readonly Rule[] = Object.freeze([
  ...privateKeyRules,
  ...cloudRules,
  ...vcsRules,
  ...paymentRules,
  ...messagingRules,
  ...aiRules,
  ...registryRules,
  ...appFileRules,
  ...saasRules,
  ...vendorRules,
  ...referenceVendorRules,
  ...databaseRules,
  ...frameworkRules,
  ...hashRules,
  ...genericRules,
  ...genericSyntaxRules,
  ...genericStatementRules,
]);
