// ssebench's load scenario for real k6 (k6 runs TypeScript natively): one streamed chat
// completion per iteration, the same scenarios and checks as `ssebench load`.
//
//   k6 run -o experimental-prometheus-rw -e TARGET=http://127.0.0.1:8081 -e SCENARIO=stress \
//          -e SERVER=go-http -e TESTID=20260626-120000 k6/sse.ts
//
// Environment: TARGET (base URL of the server under test), SCENARIO (a name in
// scenarios.json, default baseline), SERVER (the server label, default TARGET's host:port),
// TESTID (the testid label), HEADERS (extra request headers, "Name: value" separated by
// newlines or ";", e.g. "X-Stub-Tokens: 32"), MAX_FAIL_RATE (the share of failed checks or
// requests over which k6 exits 99, default 0.01).
import http from "k6/http";
import { check } from "k6";
import type { ConstantArrivalRateScenario, ConstantVUsScenario, Options, RampingVUsScenario } from "k6/options";

type SupportedScenario = ConstantVUsScenario | RampingVUsScenario | ConstantArrivalRateScenario;

// "stream" is ssebench's extension of k6's scenario: the stub's shape the scenario asks for,
// sent as X-Stub-* headers (internal/load's StreamShape). k6 does not know the field, so it is
// taken off the scenario before k6 sees it.
interface StreamShape {
  tokens?: number;
  tokensDist?: string; // e.g. "lognormal:mean=200,sd=150": the stub draws each stream's tokens
  timeToFirstToken?: string;
  interTokenDelay?: string;
  tokenSize?: number;
}

// "clients" is ssebench's other extension: misbehaving clients (cancelling, slow readers)
// that `ssebench load` runs beside the scenario's. k6 cannot run them, so this script runs
// the well-behaved clients alone and takes the field off the scenario too.
interface Clients {
  cancel?: { share: number };
  slowReaders?: {
    count: number;
    bytesPerSecond?: number;
    receiveBuffer?: number;
    tokens?: number;
    tokenSize?: number;
    interTokenDelay?: string;
  };
}

// "arrival" is ssebench's third extension: arrivals drawn from a seeded Poisson or gamma
// process instead of evenly spaced (internal/load's ArrivalProcess). k6's
// constant-arrival-rate has no such option, so the field is taken off and real k6 spaces
// the same mean rate evenly.
interface Arrival {
  process?: "constant" | "poisson" | "gamma";
  cv?: number;
  seed?: number;
}

// "slo" is a scenario's own per-stream SLO for ssebench's goodput (--slo's syntax); k6 has no
// goodput, so the field is taken off.
interface ScenarioFile {
  scenarios: Record<string, SupportedScenario & { stream?: StreamShape; clients?: Clients; arrival?: Arrival; slo?: string }>;
}

// The one definition of the scenarios, shared with `ssebench load`. k6 runs every entry of
// options.scenarios at once, so the script keeps only the one chosen by SCENARIO.
const file: ScenarioFile = JSON.parse(open("./scenarios.json"));
const scenarioName = __ENV.SCENARIO || "baseline";
const entry = file.scenarios[scenarioName];
if (entry === undefined) {
  throw new Error(`SCENARIO=${scenarioName} is not in scenarios.json (it has: ${Object.keys(file.scenarios).join(", ")})`);
}
const { stream: shape, clients: _clients, arrival: _arrival, slo: _slo, ...scenario } = entry;

const target = (__ENV.TARGET || "http://127.0.0.1:8081").replace(/\/+$/, "");
const url = `${target}/v1/chat/completions`;

// The check names are part of the metric contract (k6_checks_rate{check=...}); the Go
// engine uses the same strings, and a Go test greps this file for them.
const CHECK_STATUS = "status is 200";
const CHECK_DONE = "stream ended with [DONE]";

export const options: Options = {
  scenarios: { [scenarioName]: scenario },
  // Every sample carries server and testid (k6 adds scenario itself). Set them here rather
  // than with --tag: a --tag flag replaces options.tags as a whole.
  tags: { server: __ENV.SERVER || target.replace(/^https?:\/\//, ""), testid: __ENV.TESTID || "k6" },
  summaryTrendStats: ["avg", "min", "med", "max", "p(90)", "p(95)"],
  // Without thresholds k6 exits 0 when every stream fails. A run whose share of failed checks
  // or requests is over MAX_FAIL_RATE (default 1 %) exits 99, as k6 does for any threshold.
  thresholds: {
    checks: [`rate>=${1 - maxFailRate()}`],
    http_req_failed: [`rate<=${maxFailRate()}`],
  },
};

function maxFailRate(): number {
  const raw = __ENV.MAX_FAIL_RATE || "0.01";
  const rate = Number(raw);
  if (!(rate >= 0 && rate <= 1)) {
    throw new Error(`MAX_FAIL_RATE=${raw}: want a share between 0 and 1, e.g. 0.01`);
  }
  return rate;
}

const body = JSON.stringify({
  model: "ssebench",
  stream: true,
  messages: [{ role: "user", content: "Write a haiku about streaming tokens." }],
});

const params = {
  headers: { "Content-Type": "application/json", Accept: "text/event-stream", ...shapeHeaders(shape), ...extraHeaders(__ENV.HEADERS || "") },
  timeout: "60s",
};

// shapeHeaders asks the stub for the scenario's stream shape; HEADERS, given after, says the last word.
function shapeHeaders(shape: StreamShape | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (shape?.tokens) {
    headers["X-Stub-Tokens"] = String(shape.tokens);
  }
  if (shape?.tokensDist) {
    headers["X-Stub-Tokens-Dist"] = shape.tokensDist;
  }
  if (shape?.timeToFirstToken) {
    headers["X-Stub-Time-To-First-Token"] = shape.timeToFirstToken;
  }
  if (shape?.interTokenDelay) {
    headers["X-Stub-Inter-Token-Delay"] = shape.interTokenDelay;
  }
  if (shape?.tokenSize) {
    headers["X-Stub-Token-Size"] = String(shape.tokenSize);
  }
  return headers;
}

function extraHeaders(spec: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const entry of spec.split(/[\n;]/)) {
    const colon = entry.indexOf(":");
    if (entry.trim() === "") {
      continue;
    }
    if (colon <= 0) {
      throw new Error(`HEADERS entry ${JSON.stringify(entry)}: want "Name: value"`);
    }
    headers[entry.slice(0, colon).trim()] = entry.slice(colon + 1).trim();
  }
  return headers;
}

// endsWithDone reports whether the stream's last event is `data: [DONE]`.
function endsWithDone(responseBody: string | ArrayBuffer | null): boolean {
  return typeof responseBody === "string" && /(^|\n)data: ?\[DONE\]\s*$/.test(responseBody);
}

export default function (): void {
  const res = http.post(url, body, params);
  check(res, {
    [CHECK_STATUS]: (r) => r.status === 200,
    [CHECK_DONE]: (r) => endsWithDone(r.body),
  });
}
