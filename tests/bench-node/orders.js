// The HTTP front end of the orders example, in Node.js with the Dapr
// JavaScript SDK: the native side of the `apps` benchmark group, answering
// as `examples/orders/orders` does for `POST /orders`.
//
// - `POST /orders` with a JSON body that has an `id` (string or number)
//   publishes the order to topic `orders` of pub/sub `pubsub` as
//   `application/json` and answers `202 Accepted`; `400` if the body is not
//   such a JSON object, `502` if the publish fails.
// - Anything else is `404`.
//
// Environment: `HOST` [127.0.0.1] and `PORT` [3000] to listen on;
// `DAPR_HOST` [127.0.0.1] and `DAPR_HTTP_PORT` [3500] of daprd (the SDK's
// default protocol, HTTP, talks to daprd's HTTP port).

"use strict";

const express = require("express");
const { DaprClient } = require("@dapr/dapr");

const PUBSUB = "pubsub";
const TOPIC = "orders";

const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? "3000");

const client = new DaprClient({
  daprHost: process.env.DAPR_HOST ?? "127.0.0.1",
  daprPort: process.env.DAPR_HTTP_PORT ?? "3500",
});

/** The order in `body` if it is a JSON object with a string or number `id`. */
function parseOrder(body) {
  let order;
  try {
    order = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  const isObject = order !== null && typeof order === "object" && !Array.isArray(order);
  if (!isObject || !(typeof order.id === "string" || typeof order.id === "number")) {
    return undefined;
  }
  return order;
}

const app = express();
app.disable("x-powered-by");
app.disable("etag");

app.post("/orders", express.raw({ type: () => true, limit: "4mb" }), async (req, res) => {
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const order = parseOrder(body);
  if (order === undefined) {
    res.status(400).type("text/plain").send("expected a JSON object with an `id` string or number");
    return;
  }
  const result = await client.pubsub.publish(PUBSUB, TOPIC, order, {
    contentType: "application/json",
  });
  if (result.error) {
    res.status(502).type("text/plain").send(String(result.error));
    return;
  }
  res.status(202).end();
});

app.use((req, res) => {
  res.status(404).end();
});

async function main() {
  // Wait for daprd as `wasmtime-dapr serve` does before it listens.
  await client.start();
  const server = app.listen(port, host, () => {
    console.log(`orders listening on http://${host}:${port}`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
