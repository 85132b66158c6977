/**
 * The gRPC baseline: a bare @grpc/grpc-js server of inference.GRPCInferenceService (the same
 * .proto and loader options as the service) whose ServerLive answers at once. What a call costs
 * the library and the load generator, whatever the service does behind it.
 */
import { fileURLToPath } from 'node:url';
import { Server, ServerCredentials, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

const proto = fileURLToPath(new URL('../proto/open_inference_grpc.proto', import.meta.url));
const definition = loadSync(proto, { keepCase: true, longs: Number, defaults: true, oneofs: true });
const server = new Server();
server.addService(definition['inference.GRPCInferenceService'] as ServiceDefinition, {
  ServerLive: (_call: unknown, callback: (error: null, response: { live: boolean }) => void) => callback(null, { live: true }),
});
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  // The line bench/lib.ts's startServer waits for.
  console.log(JSON.stringify({ msg: `Server listening at http://127.0.0.1:${port}` }));
});
