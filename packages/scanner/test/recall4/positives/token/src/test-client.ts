// integration client for staging
const STAGING_JWT = 'eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAiNzg2MjEwNyIsICJuYW1lIjogInN2Yy1kZXBsb3kiLCAiaWF0IjogMTcwODgyODE4Nn0.uhWeL4oS2hUU6DtEfUWAhWc1tOdB_kTqrisLWSaTXhM';
export const headers = { Authorization: `Bearer ${STAGING_JWT}` };
export const anonymous = { Authorization: `Bearer ${process.env.TOKEN}` };
