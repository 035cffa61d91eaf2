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

import type { Server } from "bun";

// Bun's fetch has no connect-only timeout. A refused connection fails at once; to bound
// a hanging connect too, a streamed completion must get its response headers within
// this time: LLM APIs and the stub send them before the first token. A non-streamed
// completion answers only when it is complete, so it gets no such deadline.
const STREAM_HEADERS_TIMEOUT_MS = 1000;
// How long SIGTERM waits for in-flight streams before closing them.
const SHUTDOWN_GRACE_MS = 10_000;

// Limits towards clients, the same in every server: servers/README.md, "Slow clients and
// limits", says why these values. The head's size (16 KiB, 431 beyond) is Bun's default.
const MAX_BODY_BYTES = 1 << 20; // 413 beyond
// Bun's own limit, a backstop: it answers 413 and closes at once with the body unread, and the
// reset that follows can destroy the 413 before the client reads it (limitedText avoids that).
const BUN_MAX_BODY_BYTES = 8 * MAX_BODY_BYTES;
const BODY_TIMEOUT_MS = 30_000; // end of the head to the end of the body; 408 beyond
// Bun's idleTimeout is the head's limit too: its timer is not restarted by the bytes of a
// head still arriving (a head trickled a byte at a time is cut off after it).
const HEAD_TIMEOUT_S = 10;
const IDLE_TIMEOUT_S = 60; // a kept-alive connection with no request

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

const LATE = Symbol("late");
const TOO_LARGE = Symbol("too large");

// The request body; LATE when it did not arrive within BODY_TIMEOUT_MS; TOO_LARGE when it
// passed MAX_BODY_BYTES, read to its end and dropped.
async function readBody(req: Request): Promise<string | typeof LATE | typeof TOO_LARGE> {
  let timer: Timer | undefined;
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(() => resolve(LATE), BODY_TIMEOUT_MS);
  });
  try {
    return await Promise.race([limitedText(req), late]);
  } finally {
    clearTimeout(timer);
  }
}

// A Content-Length within the limit bounds the body: Bun's own req.text() reads it. Any other
// body is counted as it arrives; one past the limit is still read to its end, so that the
// connection closes with nothing unread and the 413 is not lost to a reset.
async function limitedText(req: Request): Promise<string | typeof TOO_LARGE> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) <= MAX_BODY_BYTES) return req.text();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of req.body ?? []) {
      size += chunk.byteLength;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    }
  } catch (err) {
    // Past BUN_MAX_BODY_BYTES, Bun ends the body with an error.
    if (size > MAX_BODY_BYTES) return TOO_LARGE;
    throw err;
  }
  return size > MAX_BODY_BYTES ? TOO_LARGE : Buffer.concat(chunks).toString("utf8");
}

function bodyTooLarge(): Response {
  const message = `request body over ${MAX_BODY_BYTES} bytes`;
  return Response.json({ error: { message, type: "invalid_request_error" } }, { status: 413, headers: { connection: "close" } });
}

function bodyTimedOut(): Response {
  const message = `request body not received within ${BODY_TIMEOUT_MS} ms`;
  // Connection: close, for the rest of the body is never read.
  return Response.json({ error: { message, type: "invalid_request_error" } }, { status: 408, headers: { connection: "close" } });
}

async function proxy(req: Request, srv: Server): Promise<Response> {
  // Bun's timer still runs from the head (HEAD_TIMEOUT_S): the body gets its own time, and a
  // little more on Bun's timer, whose ticks are 4 s apart, so that the 408 comes first.
  srv.timeout(req, BODY_TIMEOUT_MS / 1000 + 4);
  const body = await readBody(req);
  if (body === LATE) return bodyTimedOut();
  if (body === TOO_LARGE) return bodyTooLarge();
  // A stream may stay quiet for longer than any idle limit (a stalled upstream): the timer
  // is off while it runs, and set back to IDLE_TIMEOUT_S for the connection's next idle time.
  srv.timeout(req, 0);
  const idle = () => srv.timeout(req, IDLE_TIMEOUT_S);
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
    idle();
    // The client left: nobody reads this answer.
    if (req.signal.aborted) return new Response(null, { status: 499 });
    return upstreamUnreachable(`upstream ${upstreamURL}: ${(err as Error).message ?? err}`);
  } finally {
    clearTimeout(timer);
  }
  // The body is handed over as a stream: Bun writes each chunk as it arrives.
  return new Response(idleAfter(upstream.body, idle), {
    status: upstream.status,
    headers: endToEnd(upstream.headers),
  });
}

// body, calling done once it has ended, been cancelled or failed.
function idleAfter(body: ReadableStream<Uint8Array> | null, done: () => void): ReadableStream<Uint8Array> | null {
  if (body === null) {
    done();
    return null;
  }
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done: ended } = await reader.read();
        if (ended) {
          done();
          controller.close();
        } else {
          controller.enqueue(value);
        }
      } catch (err) {
        done();
        controller.error(err);
      }
    },
    cancel(reason) {
      done();
      return reader.cancel(reason);
    },
  });
}

const server = Bun.serve({
  hostname: host,
  port,
  idleTimeout: HEAD_TIMEOUT_S,
  maxRequestBodySize: BUN_MAX_BODY_BYTES,
  async fetch(req, srv) {
    // The head is in: from the end of a small answer, the connection may idle for IDLE_TIMEOUT_S
    // (Bun keeps this timer past the response); a completion sets its own.
    srv.timeout(req, IDLE_TIMEOUT_S);
    const { pathname } = new URL(req.url);
    if (pathname === "/healthz" && req.method === "GET") {
      return new Response("ok\n", { headers: { "content-type": "text/plain; charset=utf-8" } });
    }
    if (pathname === "/v1/chat/completions") {
      if (req.method !== "POST") return new Response("method not allowed\n", { status: 405, headers: { allow: "POST" } });
      return proxy(req, srv);
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
