module.exports = {
  port: 3000,
  secret: 'hU0tvUV5Dp6u9uDSvtljoNSAq7e4KHIVXp3D5BFf',
  apiKey: process.env.API_KEY,
  tokenExpiry: '7d',
  signingKey: "793571db99ee8b2a147b007d1afbffb27b6e5ada57c42ff6",
};
