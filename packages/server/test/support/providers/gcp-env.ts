// Imported first by GCP tests (test-only): keeps google-auth-library from probing the metadata
// server (an off-machine address) before any Google client loads.
process.env.METADATA_SERVER_DETECTION = 'none';
export {};
