// Apollo Gateway over a supergraph file; forwards the signed principal header to subgraphs.
// argv: supergraph file, port.
import { readFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { ApolloGateway, RemoteGraphQLDataSource } from "@apollo/gateway";

const [supergraphFile, port] = process.argv.slice(2);
// Apollo Gateway refuses @authenticated/@requiresScopes (enforced only by Apollo Router), so they
// are linked as ordinary features here: this peer serves the data without checking access.
const supergraphSdl = readFileSync(supergraphFile, "utf8").replace(/,\s*for:\s*SECURITY/g, "");
const gateway = new ApolloGateway({
  supergraphSdl,
  buildService: ({ url }) =>
    new RemoteGraphQLDataSource({
      url,
      willSendRequest({ request, context }) {
        if (context.principal) request.http.headers.set("x-sgo-principal", context.principal);
      },
    }),
});
const server = new ApolloServer({ gateway, csrfPrevention: false, introspection: false });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(port), host: "127.0.0.1" },
  context: async ({ req }) => ({ principal: req.headers["x-sgo-principal"] }),
});
console.log(`apollo gateway ready at ${url}`);
