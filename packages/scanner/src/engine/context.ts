// Where a file sits, judged from its path: documentation or tests/fixtures. Findings there are still
// reported but flagged (Finding.context), and generic rules report them one confidence step lower.
import type { Confidence, FileContext } from '../types.js';

const DOCS =
  /(?:^|\/)(?:docs?|documentation|examples?|samples?)\/|(?:^|\/)(?:README|CHANGELOG|CONTRIBUTING|HISTORY)(?:\.[\w-]+)?$|\.(?:md|mdx|markdown|rst|adoc|asciidoc|txt)$/i;
const TESTS =
  /(?:^|\/)(?:tests?|__tests__|spec|specs|fixtures?|__fixtures__|testdata|test-data|__mocks__|mocks?)\/|(?:^|\/)[^/]*[._-](?:test|spec|tests)\.[\w]+$|(?:^|\/)test_[^/]*\.py$/i;

export const fileContext = (path: string): FileContext | undefined => {
  const p = path.replace(/\\/g, '/');
  if (TESTS.test(p)) return 'test';
  if (DOCS.test(p)) return 'documentation';
  return undefined;
};

const LOWER: Record<Confidence, Confidence> = { high: 'medium', medium: 'low', low: 'low' };
export const lowerConfidence = (c: Confidence): Confidence => LOWER[c];
