// Reference JSONata (npm `jsonata`, pinned in package.json) for the test harness, with the functions
// Step Functions adds (Developer Guide, "Transforming data with JSONata in Step Functions").
//
// Protocol: one JSON object per line on stdin, {"id": n, "expression": "...", "bindings": {...}};
// one JSON line per request on stdout: {"id": n, "value": ...} or {"id": n, "undefined": true}
// or {"id": n, "error": {"code": ..., "message": ...}}. The process lives as long as stdin is open.
import { createHash, randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import path from "node:path";

// Load `jsonata` from the node_modules directory jsonata_bridge.py found (its only argument).
const nodeModules = process.argv[2];
if (!nodeModules) {
  process.stderr.write("usage: node jsonata_bridge.mjs <node_modules directory holding jsonata>\n");
  process.exit(2);
}
const jsonata = createRequire(import.meta.url)(path.join(path.resolve(nodeModules), "jsonata"));

// $hash: the algorithms Step Functions accepts (States.Hash's list); hex digest.
const HASH_ALGORITHMS = { "MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" };

function fail(code, message) {
  const error = new Error(message);
  error.code = code;
  throw error;
}

// A seeded generator for $random(seed): the same seed gives the same number (mulberry32 over a string hash).
function seeded(seed) {
  let h = 0x811c9dc5;
  for (const ch of String(seed)) h = Math.imul(h ^ ch.codePointAt(0), 0x01000193) >>> 0;
  h = (h + 0x6d2b79f5) >>> 0;
  let t = Math.imul(h ^ (h >>> 15), h | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const STEP_FUNCTIONS_FUNCTIONS = {
  partition: [(array, size) => {
    if (!Array.isArray(array)) array = array === undefined ? [] : [array];
    if (!Number.isInteger(size) || size < 1) fail("SF001", "$partition: the chunk size must be a positive integer");
    const chunks = [];
    for (let i = 0; i < array.length; i += size) chunks.push(array.slice(i, i + size));
    return chunks;
  }, "<an:a>"],
  range: [(first, last, step) => {
    if (step === 0) fail("SF002", "$range: the step must not be 0");
    const values = [];
    for (let v = first; step > 0 ? v <= last : v >= last; v += step) values.push(v);
    return values;
  }, "<nnn:a>"],
  hash: [(value, algorithm) => {
    const name = HASH_ALGORITHMS[algorithm];
    if (name === undefined) {
      fail("SF004", `$hash: unsupported algorithm '${algorithm}'. Allowed values: ${Object.keys(HASH_ALGORITHMS).join(", ")}`);
    }
    return createHash(name).update(value, "utf8").digest("hex");
  }, "<ss:s>"],
  random: [(seed) => (seed === undefined ? Math.random() : seeded(seed)), "<j?:n>"],
  uuid: [() => randomUUID(), "<:s>"],
  parse: [(text) => {
    try {
      return JSON.parse(text);
    } catch (error) {
      fail("SF005", `$parse: the argument is not valid JSON: ${error.message}`);
    }
  }, "<s:j>"],
};

// "$eval is not available - use $parse instead" (Developer Guide, "Supported JSONata version").
function refuseEval() {
  fail("SF006", "$eval is not available in Step Functions: use $parse instead");
}

async function evaluate(request) {
  const expression = jsonata(request.expression);
  for (const [name, [implementation, signature]] of Object.entries(STEP_FUNCTIONS_FUNCTIONS)) {
    expression.registerFunction(name, implementation, signature);
  }
  expression.registerFunction("eval", refuseEval);
  const value = await expression.evaluate(request.input ?? null, request.bindings ?? {});
  if (value === undefined) return { id: request.id, undefined: true };
  if (typeof value === "function" || (value && value._jsonata_lambda)) return { id: request.id, function: true };
  if (typeof value === "number" && !Number.isFinite(value)) fail("D1001", "Number out of range");
  return { id: request.id, value };
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  let request;
  let reply;
  try {
    request = JSON.parse(line);
    reply = await evaluate(request);
  } catch (error) {
    reply = { id: request?.id ?? null, error: { code: error.code ?? "UNKNOWN", message: error.message ?? String(error) } };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
}
