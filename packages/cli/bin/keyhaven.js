#!/usr/bin/env node
// The installed `keyhaven` command: a stable file for npm to link at install time, loading the build.
import('../dist/main.js').catch((e) => {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('keyhaven is not built yet: run `npm run build` in the Keyhaven checkout first.\n');
    process.exit(2);
  }
  throw e;
});
