// Registers the stub hooks of stubs.js (`node --import ./tests/register.js`).
import { register } from "node:module";

register("./stubs.js", import.meta.url);
