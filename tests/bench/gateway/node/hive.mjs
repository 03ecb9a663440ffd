// Hive Gateway over a supergraph file; forwards the signed principal header to subgraphs.
// argv: supergraph file, port.
import { createServer } from "node:http";
import { createGatewayRuntime } from "@graphql-hive/gateway";

const [supergraphFile, port] = process.argv.slice(2);
const gateway = createGatewayRuntime({
  supergraph: supergraphFile,
  logging: false,
  graphiql: false,
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => ({
      "x-sgo-principal": request.headers.get("x-sgo-principal") ?? "",
    }),
  },
});
createServer(gateway).listen(Number(port), "127.0.0.1", () => {
  console.log(`hive gateway ready at http://127.0.0.1:${port}/graphql`);
});
