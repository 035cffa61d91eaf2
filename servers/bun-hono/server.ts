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

const app = new Hono<{ Bindings: { server: ReturnType<typeof Bun.serve> } }>();

app.get("/healthz", (c) => c.text("ok\n"));

app.post("/v1/chat/completions", async (c) => {
  const srv = c.env.server;
  // Bun's timer still runs from the head (HEAD_TIMEOUT_S): the body gets its own time, and a
  // little more on Bun's timer, whose ticks are 4 s apart, so that the 408 comes first.
  srv.timeout(c.req.raw, BODY_TIMEOUT_MS / 1000 + 4);
  const body = await readBody(c.req.raw);
  if (body === LATE) {
    const message = `request body not received within ${BODY_TIMEOUT_MS} ms`;
    // Connection: close, for the rest of the body is never read.
    c.header("connection", "close");
    return c.json({ error: { message, type: "invalid_request_error" } }, 408);
  }
  if (body === TOO_LARGE) {
    c.header("connection", "close");
    return c.json({ error: { message: `request body over ${MAX_BODY_BYTES} bytes`, type: "invalid_request_error" } }, 413);
  }
  // A stream may stay quiet for longer than any idle limit (a stalled upstream): the timer
  // is off while it runs, and set back to IDLE_TIMEOUT_S for the connection's next idle time.
  srv.timeout(c.req.raw, 0);
  const idle = () => srv.timeout(c.req.raw, IDLE_TIMEOUT_S);
  try {
    // hono/proxy forwards the method, the headers and the client's abort signal, drops
    // hop-by-hop headers both ways and hands the upstream body over as a stream. The
    // small JSON request body is read first so that it goes upstream with a Content-Length.
    const res = await proxy(upstreamURL, {
      raw: c.req.raw,
      body,
      strictConnectionProcessing: true,
      customFetch: upstreamFetch(wantsStream(body)),
    });
    return new Response(idleAfter(res.body, idle), res);
  } catch (err) {
    idle();
    // The client left: nobody reads this answer.
    if (c.req.raw.signal.aborted) return new Response(null, { status: 499 });
    const message = `upstream ${upstreamURL}: ${(err as Error).message ?? err}`;
    return c.json({ error: { message, type: "upstream_unreachable" } }, 502);
  }
});

const server = Bun.serve({
  hostname,
  port,
  idleTimeout: HEAD_TIMEOUT_S,
  maxRequestBodySize: BUN_MAX_BODY_BYTES,
  fetch: (req, srv) => {
    // The head is in: from the end of a small answer, the connection may idle for
    // IDLE_TIMEOUT_S (Bun keeps this timer past the response); a completion sets its own.
    srv.timeout(req, IDLE_TIMEOUT_S);
    return app.fetch(req, { server: srv });
  },
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
