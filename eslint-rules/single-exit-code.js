// keyhaven/single-exit-code: process.exitCode is assigned only where the CLI owns it (main.ts sets the
// result, run.ts brackets a command, exit-code.ts raises it). Anywhere else an assignment can silently
// overwrite a code set earlier along the same path (a failure's 1 replaced by a later 0).
import path from 'node:path';

const OWNERS = ['packages/cli/src/main.ts', 'packages/cli/src/run.ts', 'packages/cli/src/exit-code.ts'];

const isProcessExitCode = (node) =>
  node?.type === 'MemberExpression' &&
  !node.computed &&
  node.property.type === 'Identifier' &&
  node.property.name === 'exitCode' &&
  ((node.object.type === 'Identifier' && node.object.name === 'process') ||
    (node.object.type === 'MemberExpression' && node.object.property?.name === 'process'));

export default {
  meta: {
    type: 'problem',
    docs: { description: 'process.exitCode is assigned only in the CLI entry points; elsewhere call raiseExitCode()' },
    schema: [{ type: 'object', properties: { owners: { type: 'array', items: { type: 'string' } } }, additionalProperties: false }],
    messages: {
      assigned:
        'process.exitCode is assigned here and in the CLI entry point: a later assignment overwrites this one. Call raiseExitCode(code) from packages/cli/src/exit-code.ts (it never lowers a code already set).',
    },
  },
  create(context) {
    const owners = context.options[0]?.owners ?? OWNERS;
    const rel = path.relative(context.cwd, context.filename).split(path.sep).join('/');
    if (owners.includes(rel)) return {};
    const report = (node) => context.report({ node, messageId: 'assigned' });
    return {
      AssignmentExpression(node) {
        if (isProcessExitCode(node.left)) report(node);
      },
      UpdateExpression(node) {
        if (isProcessExitCode(node.argument)) report(node);
      },
    };
  },
};
