// keyhaven/error-listener: an EventEmitter from a library that emits 'error' (pg Client/Pool, mysql2
// connections and pools, ioredis, net/tls sockets, Node streams) needs an 'error' listener in the
// function that creates it. Without one, a dropped connection or a failed stream raises an unhandled
// 'error' event and the process exits (this crashed the server once, on a lost PostgreSQL connection).
// Type-aware: the created object's type is looked up, so aliases and namespace imports are caught.
const LISTEN = new Set(['on', 'once', 'addListener', 'prependListener', 'prependOnceListener']);

/** kind 'connection': must be listened to where created. kind 'stream': may instead be handed over
 *  (returned, passed to pipeline()/reply.send()/another call), which moves the duty to the receiver. */
const EMITTERS = [
  { kind: 'connection', file: /\/node_modules\/(@types\/)?pg\//, names: ['Client', 'Pool'] },
  { kind: 'connection', file: /\/node_modules\/mysql2\//, names: ['Connection', 'Pool', 'PoolCluster'] },
  { kind: 'connection', file: /\/node_modules\/ioredis\//, names: ['Redis', 'Cluster'] },
  { kind: 'connection', file: /\/node_modules\/@types\/node\/(net|tls)\.d\.ts$/, names: ['Socket', 'TLSSocket'] },
  {
    kind: 'stream',
    file: /\/node_modules\/@types\/node\/stream\.d\.ts$/,
    names: ['Readable', 'Writable', 'Duplex', 'Transform', 'PassThrough'],
  },
  { kind: 'stream', file: /\/node_modules\/@types\/node\/fs\.d\.ts$/, names: ['ReadStream', 'WriteStream'] },
];

const WRAPPERS = new Set([
  'AwaitExpression',
  'TSAsExpression',
  'TSNonNullExpression',
  'TSSatisfiesExpression',
  'TSTypeAssertion',
  'ChainExpression',
]);
const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression', 'Program']);

export default {
  meta: {
    type: 'problem',
    docs: {
      description: "EventEmitters that emit 'error' (pg, mysql2, ioredis, sockets, streams) get an 'error' listener where they are created",
    },
    schema: [],
    messages: {
      missing:
        "This {{what}} emits 'error' and nothing listens for it here: an unhandled 'error' event ends the process. Add .on('error', …) in this function (or hand the stream to pipeline()).",
    },
  },
  create(context) {
    const services = context.sourceCode.parserServices;
    if (!services?.program) throw new Error('keyhaven/error-listener needs type information (parserOptions.projectService)');
    const checker = services.program.getTypeChecker();
    const typeOf = (node) => checker.getTypeAtLocation(services.esTreeNodeToTSNodeMap.get(node));

    const emitterOf = (node) => {
      let type = typeOf(node);
      const awaited = checker.getAwaitedType?.(type);
      if (awaited) type = awaited;
      const symbol = type.aliasSymbol ?? type.getSymbol();
      if (!symbol) return undefined;
      const files = (symbol.getDeclarations() ?? []).map((d) => d.getSourceFile().fileName.split('\\').join('/'));
      const e = EMITTERS.find((x) => x.names.includes(symbol.getName()) && files.some((f) => x.file.test(f)));
      return e && { ...e, type, what: symbol.getName() };
    };
    /** A call creates an emitter only when the function called is a library's (net.connect, mysql.createConnection). */
    const libraryCallee = (call) => {
      const sym = checker.getSymbolAtLocation(services.esTreeNodeToTSNodeMap.get(call.callee));
      if (!sym) return false;
      const real = sym.flags & 2097152 /* Alias */ ? checker.getAliasedSymbol(sym) : sym;
      const files = (real.getDeclarations() ?? []).map((d) => d.getSourceFile().fileName.split('\\').join('/'));
      // fn.call(this, …) and other lib.*.d.ts functions return what they are given, not a new emitter.
      return files.some((f) => f.includes('/node_modules/') && !f.includes('/node_modules/typescript/lib/'));
    };
    const enclosingFunction = (node) => {
      for (let n = node.parent; n; n = n.parent) if (FUNCTIONS.has(n.type)) return n;
      return undefined;
    };
    const within = (node, fn) => {
      for (let n = node; n; n = n.parent) if (n === fn) return true;
      return false;
    };

    const listeners = []; // { node, text, type }
    const handOvers = []; // { node, text }: identifiers passed to a call, returned or yielded
    const created = []; // { node, emitter, fn, name }

    const consider = (node) => {
      const emitter = emitterOf(node);
      if (!emitter) return;
      let top = node;
      while (WRAPPERS.has(top.parent?.type)) top = top.parent;
      const p = top.parent;
      // new X().on('error', …) chained on the creation itself.
      if (
        p?.type === 'MemberExpression' &&
        p.object === top &&
        LISTEN.has(p.property?.name) &&
        p.parent?.type === 'CallExpression' &&
        p.parent.arguments[0]?.value === 'error'
      )
        return;
      let name;
      if (p?.type === 'VariableDeclarator' && p.init === top && p.id.type === 'Identifier') name = p.id.name;
      else if (p?.type === 'AssignmentExpression' && p.right === top) name = context.sourceCode.getText(p.left);
      else if (
        emitter.kind === 'stream' &&
        ['ReturnStatement', 'ArrowFunctionExpression', 'CallExpression', 'NewExpression', 'YieldExpression'].includes(p?.type)
      )
        return;
      created.push({ node, emitter, fn: enclosingFunction(node), name });
    };

    return {
      NewExpression: consider,
      CallExpression(node) {
        const c = node.callee;
        if (
          c.type === 'MemberExpression' &&
          LISTEN.has(c.property?.name) &&
          node.arguments[0]?.type === 'Literal' &&
          node.arguments[0].value === 'error'
        ) {
          listeners.push({ node, text: context.sourceCode.getText(c.object), type: typeOf(c.object) });
        }
        for (const a of node.arguments) if (a.type === 'Identifier') handOvers.push({ node, text: a.name });
        // A method of an emitter returning the emitter itself (c.on(…), socket.destroy()) creates nothing.
        const onEmitter = c.type === 'MemberExpression' && emitterOf(c.object);
        // pipeline(a, b, cb), a.pipe(b): a call returning one of its own arguments creates nothing either.
        const passesThrough = () => {
          const t = typeOf(node);
          return node.arguments.some((a) => a.type !== 'SpreadElement' && typeOf(a) === t);
        };
        if (!onEmitter && libraryCallee(node) && !passesThrough()) consider(node);
      },
      ReturnStatement(node) {
        if (node.argument?.type === 'Identifier') handOvers.push({ node, text: node.argument.name });
      },
      'Program:exit'() {
        for (const c of created) {
          const ok =
            c.name !== undefined &&
            (listeners.some((l) => within(l.node, c.fn) && (l.text === c.name || l.type === c.emitter.type)) ||
              (c.emitter.kind === 'stream' && handOvers.some((h) => within(h.node, c.fn) && h.text === c.name)));
          if (!ok) context.report({ node: c.node, messageId: 'missing', data: { what: c.emitter.what } });
        }
      },
    };
  },
};
