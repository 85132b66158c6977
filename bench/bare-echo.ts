/**
 * The baseline: a bare Fastify POST route with the same body schema as /predict that echoes the
 * body back. Whatever the service costs beyond this is ours.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post(
  '/echo',
  {
    schema: {
      body: {
        type: 'object',
        required: ['features'],
        additionalProperties: false,
        properties: { features: { type: 'object' }, model_name: { type: 'string' }, model_version: { type: 'string' } },
      },
    },
  },
  async (request) => request.body,
);
app.get('/health', async () => ({ status: 'healthy' }));
const address = await app.listen({ port: Number(process.env['PORT'] ?? 0), host: '127.0.0.1' });
console.log(JSON.stringify({ msg: `Server listening at ${address}` }));
