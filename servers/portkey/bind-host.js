// Preloaded by Bun (`bun --preload`) before the Portkey gateway: its start-server.js calls
// @hono/node-server's serve({fetch, port}) without a hostname, so node:http listens on every
// interface (`*:PORT`, IPv4 and IPv6). This makes a listen() that names no host listen on
// $HOST instead (127.0.0.1 when unset), as every server under test does. Nothing else changes.
import http from "node:http";

const host = process.env.HOST || "127.0.0.1";

// start-server.js takes its port from --port only: in a container, where the command line
// is fixed, the port comes from PORT instead (servers.yaml's compose.cmdline is exact).
if (!process.argv.some((a) => a.startsWith("--port")) && process.env.PORT) {
  process.argv.push(`--port=${process.env.PORT}`);
}
const listen = http.Server.prototype.listen;

http.Server.prototype.listen = function (...args) {
  // listen(port, [hostname], [backlog], [callback]) with no hostname, or listen({port}).
  if (typeof args[0] === "number" || (typeof args[0] === "string" && /^\d+$/.test(args[0]))) {
    if (args[1] === undefined || typeof args[1] === "function") {
      args.splice(1, args[1] === undefined ? 1 : 0, host);
    }
  } else if (args[0] && typeof args[0] === "object" && args[0].host === undefined && args[0].path === undefined) {
    args[0] = { ...args[0], host };
  }
  return listen.apply(this, args);
};
