import * as Sentry from '@sentry/node';

Sentry.init({
  dsn: 'https://e840b9b32825f7604cdc40d5b0d81486@o570634.ingest.sentry.io/5800919',
  tracesSampleRate: 0.2,
  environment: process.env.NODE_ENV,
});
