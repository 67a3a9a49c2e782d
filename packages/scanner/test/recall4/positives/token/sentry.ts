import * as Sentry from '@sentry/node';

Sentry.init({
  dsn: 'https://9eb4cebaeb3674bed123b3015a227662@o948148.ingest.sentry.io/9429183',
  tracesSampleRate: 0.2,
  environment: process.env.NODE_ENV,
});
