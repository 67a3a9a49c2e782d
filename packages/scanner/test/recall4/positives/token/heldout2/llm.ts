const groq = new Groq({ apiKey: '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' });
const replicate = new Replicate({ auth: 'r8_gQLGu16CtIVbCrY5sOkiUx6uJilK18mKFb2VO' });
const cohere = new CohereClient({ token: 'jw4WeT858Mf97f2fpxvLy9svPz3widtXQkzUKDgr' });
const model = 'llama3-70b-8192';
