// integration client for staging
const STAGING_JWT = 'eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAiNTMyNDQ3MCIsICJuYW1lIjogInN2Yy1kZXBsb3kiLCAiaWF0IjogMTcwNzQ0MTk3MH0.Pn5lPexATzMW-n72LqMdmXx5gE848aWv0YycW1S3wFu';
export const headers = { Authorization: `Bearer ${STAGING_JWT}` };
export const anonymous = { Authorization: `Bearer ${process.env.TOKEN}` };
