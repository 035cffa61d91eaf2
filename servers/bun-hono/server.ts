// bun-hono: an SSE streaming proxy on Hono 4 and Bun, for ssebench.
// The contract it keeps is in servers/README.md.
import { Hono } from "hono";
import { proxy } from "hono/proxy";

// Bun's fetch has no connect-only timeout. A refused connection fails at once; to bound
// a hanging connect too, a streamed completion must get its response headers within
// this time: LLM APIs and the stub send them before the first token. A non-streamed
// completion answers only when it is complete, so it gets no such deadline.
const STREAM_HEADERS_TIMEOUT_MS = 1000;
// How long SIGTERM waits for in-flight streams before closing them.
const SHUTDOWN_GRACE_MS = 10_000;

function fail(message: string): never {
  console.error(`bun-hono: ${message}`);
  process.exit(2);
}

function parsePort(raw: string | undefined): number {
  if (!raw) fail("environment variable PORT is required");
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`PORT must be an integer 0-65535, got ${JSON.stringify(raw)}`);
  return port;
}

function parseStubURL(raw: string | undefined): string {
  if (!raw) fail("environment variable STUB_URL is required");
  let url: URL;
  try {
    url = new URL(raw);
  } catch (err) {
    fail(`STUB_URL ${JSON.stringify(raw)} is not a URL: ${err}`);
  }
  if (url.protocol !== "http:") fail(`STUB_URL ${JSON.stringify(raw)} must be an http:// URL`);
  return url.origin;
}

const hostname = process.env.HOST || "127.0.0.1";
const port = parsePort(process.env.PORT);
const upstreamURL = parseStubURL(process.env.STUB_URL) + "/v1/chat/completions";

// Whether the request body asks for a streamed completion ({"stream": true}).
function wantsStream(body: string): boolean {
  try {
    return JSON.parse(body)?.stream === true;
  } catch {
    return false;
  }
}

// fetch, with a deadline on the response headers of a streamed completion: the body
// that follows may stream for as long as the upstream likes. hono/proxy copies the
// client's Host header; the upstream gets its own.
function upstreamFetch(stream: boolean) {
  return async (request: Request): Promise<Response> => {
    request.headers.delete("host");
    const deadline = new AbortController();
    const timer = stream
      ? setTimeout(
          () => deadline.abort(new Error(`no response headers within ${STREAM_HEADERS_TIMEOUT_MS} ms`)),
          STREAM_HEADERS_TIMEOUT_MS,
        )
      : undefined;
    try {
      return await fetch(request, { signal: AbortSignal.any([request.signal, deadline.signal]), redirect: "manual" });
    } finally {
      clearTimeout(timer);
    }
  };
}

const app = new Hono<{ Bindings: { server: ReturnType<typeof Bun.serve> } }>();

app.get("/healthz", (c) => c.text("ok\n"));

app.post("/v1/chat/completions", async (c) => {
  // A stream may stay quiet longer than Bun's 10 s idle timeout (a stalled upstream).
  c.env.server.timeout(c.req.raw, 0);
  const body = await c.req.text();
  try {
    // hono/proxy forwards the method, the headers and the client's abort signal, drops
    // hop-by-hop headers both ways and hands the upstream body over as a stream. The
    // small JSON request body is read first so that it goes upstream with a Content-Length.
    return await proxy(upstreamURL, {
      raw: c.req.raw,
      body,
      strictConnectionProcessing: true,
      customFetch: upstreamFetch(wantsStream(body)),
    });
  } catch (err) {
    // The client left: nobody reads this answer.
    if (c.req.raw.signal.aborted) return new Response(null, { status: 499 });
    const message = `upstream ${upstreamURL}: ${(err as Error).message ?? err}`;
    return c.json({ error: { message, type: "upstream_unreachable" } }, 502);
  }
});

const server = Bun.serve({
  hostname,
  port,
  fetch: (req, srv) => app.fetch(req, { server: srv }),
});

console.log(JSON.stringify({ msg: "listening", server: "bun-hono", address: `${server.hostname}:${server.port}`, upstream: upstreamURL }));

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(JSON.stringify({ msg: "shutting down", signal }));
  const grace = new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS));
  await Promise.race([server.stop(), grace]);
  await server.stop(true);
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
