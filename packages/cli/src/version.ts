// The CLI's version, in one place (program.ts, status, completion).
export const CLI_VERSION = '0.1.0';
