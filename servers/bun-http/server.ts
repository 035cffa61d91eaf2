// bun-http: an SSE streaming proxy on Bun.serve() and fetch(), for ssebench.
// The contract it keeps is in servers/README.md.

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

// Bun's fetch has no connect-only timeout. A refused connection fails at once; to bound
// a hanging connect too, a streamed completion must get its response headers within
// this time: LLM APIs and the stub send them before the first token. A non-streamed
// completion answers only when it is complete, so it gets no such deadline.
const STREAM_HEADERS_TIMEOUT_MS = 1000;
// How long SIGTERM waits for in-flight streams before closing them.
const SHUTDOWN_GRACE_MS = 10_000;

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`bun-http: environment variable ${name} is required`);
    process.exit(2);
  }
  return value;
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`bun-http: PORT must be an integer 0-65535, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return port;
}

function parseStubURL(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.protocol !== "http:") throw new Error("scheme must be http");
    return url.origin;
  } catch (err) {
    console.error(`bun-http: STUB_URL ${JSON.stringify(raw)} is not a valid http URL: ${err}`);
    process.exit(2);
  }
}

const host = process.env.HOST || "127.0.0.1";
const port = parsePort(requiredEnv("PORT"));
const upstreamURL = parseStubURL(requiredEnv("STUB_URL")) + "/v1/chat/completions";

// End-to-end headers only: hop-by-hop ones, those named in Connection, Host and
// Content-Length are the proxy's own business on each side.
function endToEnd(headers: Headers): Headers {
  const named = new Set(
    (headers.get("connection") ?? "")
      .split(",")
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
  const out = new Headers();
  for (const [name, value] of headers) {
    if (HOP_BY_HOP.has(name) || named.has(name) || name === "host" || name === "content-length") continue;
    out.append(name, value);
  }
  return out;
}

// Whether the request body asks for a streamed completion ({"stream": true}).
function wantsStream(body: string): boolean {
  try {
    return JSON.parse(body)?.stream === true;
  } catch {
    return false;
  }
}

function upstreamUnreachable(message: string): Response {
  return Response.json({ error: { message, type: "upstream_unreachable" } }, { status: 502 });
}

async function proxy(req: Request): Promise<Response> {
  const body = await req.text();
  const headersDeadline = new AbortController();
  const timer = wantsStream(body)
    ? setTimeout(
        () => headersDeadline.abort(new Error(`no response headers within ${STREAM_HEADERS_TIMEOUT_MS} ms`)),
        STREAM_HEADERS_TIMEOUT_MS,
      )
    : undefined;
  const headers = endToEnd(req.headers);
  // Bun's fetch would otherwise ask for compression the client never asked for, and with
  // decompress off the body is relayed as the upstream encoded it.
  if (!headers.has("accept-encoding")) headers.set("accept-encoding", "identity");
  let upstream: Response;
  try {
    upstream = await fetch(upstreamURL, {
      method: "POST",
      headers,
      body,
      // The client's signal: a client that goes away cancels the upstream request.
      signal: AbortSignal.any([req.signal, headersDeadline.signal]),
      redirect: "manual",
      decompress: false,
    });
  } catch (err) {
    // The client left: nobody reads this answer.
    if (req.signal.aborted) return new Response(null, { status: 499 });
    return upstreamUnreachable(`upstream ${upstreamURL}: ${(err as Error).message ?? err}`);
  } finally {
    clearTimeout(timer);
  }
  // The body is handed over as a stream: Bun writes each chunk as it arrives.
  return new Response(upstream.body, {
    status: upstream.status,
    headers: endToEnd(upstream.headers),
  });
}

const server = Bun.serve({
  hostname: host,
  port,
  async fetch(req, srv) {
    const { pathname } = new URL(req.url);
    if (pathname === "/healthz" && req.method === "GET") {
      return new Response("ok\n", { headers: { "content-type": "text/plain; charset=utf-8" } });
    }
    if (pathname === "/v1/chat/completions") {
      if (req.method !== "POST") return new Response("method not allowed\n", { status: 405, headers: { allow: "POST" } });
      // A stream may stay quiet longer than Bun's 10 s idle timeout (a stalled upstream).
      srv.timeout(req, 0);
      return proxy(req);
    }
    return new Response("not found\n", { status: 404 });
  },
});

console.log(JSON.stringify({ msg: "listening", server: "bun-http", address: `${server.hostname}:${server.port}`, upstream: upstreamURL }));

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
