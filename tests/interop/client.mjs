// Spawns registry-mcp over stdio with the official TypeScript SDK, lists its tools, adds a server,
// reads it back and sends one invalid call; prints what it saw as one JSON object on stdout.
// Usage: node client.mjs <registry-mcp command> <database file>
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [command, database] = process.argv.slice(2);
const transport = new StdioClientTransport({
  command,
  args: [],
  env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", REGISTRY_MCP_DB: database },
  stderr: "pipe",
});
const client = new Client({ name: "registry-mcp-ts-interop", version: "1.0.0" });
await client.connect(transport);

const payload = {
  saved_name: "from-typescript",
  server_name: "@modelcontextprotocol/server-filesystem",
  mcp_config: {
    config: { command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"], env: { ROOT: "/tmp" } },
    denied_tools: ["write_*"],
  },
};
const tools = await client.listTools();
const added = await client.callTool({ name: "add_registry_server", arguments: payload });
const read = await client.callTool({ name: "get_registry_server", arguments: { saved_name: "from-typescript" } });
const invalid = await client.callTool({ name: "add_registry_server", arguments: { saved_name: "bad name" } });
console.log(
  JSON.stringify({
    server: client.getServerVersion(),
    protocol: transport.protocolVersion ?? null,
    tools: tools.tools,
    added,
    read,
    invalid,
  }),
);
await client.close();
