// Keyhaven's local ESLint plugin: rules for defects this project has had that no published rule catches.
import errorListener from './error-listener.js';
import singleExitCode from './single-exit-code.js';

export default {
  meta: { name: 'eslint-plugin-keyhaven' },
  rules: { 'error-listener': errorListener, 'single-exit-code': singleExitCode },
};
