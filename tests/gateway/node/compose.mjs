// Compose sets of subgraph SDLs into Federation v2 supergraphs with The Guild's composer.
// stdin: [[{"name", "url", "sdl"}, ...], ...]; stdout: [{"sdl"} | {"errors": [messages]}, ...]
// (one Node start for every composition a test run needs).
import { composeServices } from "@theguild/federation-composition";
import { parse } from "graphql";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const jobs = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const results = jobs.map((services) => {
  const result = composeServices(
    services.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })),
  );
  if (result.errors && result.errors.length) {
    return { errors: result.errors.map((error) => error.message) };
  }
  return { sdl: result.supergraphSdl };
});
process.stdout.write(JSON.stringify(results));
