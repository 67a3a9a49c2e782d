// Renders docs/errors.md from the source of the error catalogue (shared by the generator and its test).
export const parseCatalogue = (src) => {
  const out = [];
  // One entry per code, on one line or (as Prettier writes a long one) several, in either quote style.
  const re = /^\s*([A-Z][A-Z0-9_]+):\s*\{\s*status:\s*(\d{3}),\s*message:\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"),?\s*\}/gm;
  for (const m of src.matchAll(re)) {
    const message = m[3] !== undefined ? m[3].replace(/\\'/g, "'") : m[4].replace(/\\"/g, '"');
    out.push({ code: m[1], status: Number(m[2]), message });
  }
  return out;
};

export const renderErrorsDoc = (src) => {
  const rows = parseCatalogue(src);
  return `# Error codes

Every error a client sees has this shape, with a stable \`code\` that scripts can branch on:

\`\`\`json
{ "error": { "code": "SECRET_NOT_FOUND", "message": "No secret named \\"apps/db\\" in this tenant.", "request_id": "3f2a9c0d1b7e4a55", "details": {} } }
\`\`\`

- \`message\` is for people: what went wrong and what to do. It never contains a secret value.
- \`details\` is present for validation problems (a list of \`{ path, message }\`) and some conflicts.
- \`request_id\` is also sent as the \`X-Request-ID\` header; quote it when reporting a 500.
- A resource in another tenant is reported exactly like a missing one (\`*_NOT_FOUND\`).

The catalogue lives in \`packages/server/src/lib/errors.ts\`; this table is generated from it by
\`node scripts/gen-errors-doc.mjs\`, and a test fails when the two differ.

| code | HTTP | meaning and what to do |
|---|---|---|
${rows.map((r) => `| \`${r.code}\` | ${r.status} | ${r.message.replace(/\|/g, '\\|')} |`).join('\n')}

## CLI exit codes

See [cli.md](cli.md#exit-codes).
`;
};
