/**
 * What the runtime knows about this app (Dapr's metadata API).
 * @module
 */

import * as wit from "./wit.js";
import { call } from "./wit.js";

/** A component this app can use. */
export interface Component {
  /** Its name, such as `statestore`. */
  name: string;
  /** Its Dapr type, such as `state.redis`. */
  componentType: string;
  /** Its version, such as `v1`. */
  version: string;
}

/** This app and its runtime. */
export interface AppMetadata {
  /** The app's id. */
  appId: string;
  /** The runtime serving it: `embedded` or `dapr`. */
  runtime: string;
  /** The components the app can use (scopes applied). */
  components: Component[];
}

/** The app's metadata. */
export function get(): AppMetadata {
  const meta = call(wit.metadata.get);
  return {
    appId: meta.appId,
    runtime: meta.runtime,
    components: meta.components.map((c) => ({ name: c.name, componentType: c.componentType, version: c.version })),
  };
}
