import { runBaselineServer, type WireFormat } from "./baselineServer.ts";
import { naiveJson } from "./naiveJson.ts";
import { wireLimit } from "./wireLimit.ts";

/** Run one baseline server: `node --import tsx loadtest/bench/baselines/serve.ts naive-json|wire-limit`. */
const formats: Record<string, WireFormat> = { [naiveJson.name]: naiveJson, [wireLimit.name]: wireLimit };
const format = formats[process.argv[2] ?? ""];
if (format === undefined) {
  console.error(`usage: serve.ts ${Object.keys(formats).join("|")}`);
  process.exit(2);
}
await runBaselineServer(format);
