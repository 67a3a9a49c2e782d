module.exports = {
  firebase: { apiKey: 'AIza71j7dPXUMyJYYHmhZGyN-XYpdVh5Q1dM0Ls', projectId: 'acme-prod' },
  shopify: { adminToken: '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' },
  sendgrid: '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',
  gitlab: { token: 'glpat-jaLRNNKBT5WNxiM3GAI7' },
  telemetry: { enabled: true },
};
