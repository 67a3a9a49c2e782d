// The baseline: a bare Fastify route returning a constant JSON body of the same size as a secret read.
import Fastify from 'fastify';
const port = Number(process.argv[2]);
const body = JSON.parse(process.argv[3]);
const app = Fastify({ logger: false });
app.get('/bare', async () => body);
await app.listen({ host: '127.0.0.1', port });
process.stdout.write('ready\n');
