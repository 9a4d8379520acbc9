/**
 * The exceptions building-block calls throw: one class per case of the WIT
 * variant `dapr:runtime/types.error`, all subclasses of {@link DaprError}.
 *
 * Branch on the class (or {@link DaprError.case}), never on the message:
 *
 * ```ts
 * try {
 *   state.save("statestore", "k", "v", { etag });
 * } catch (e) {
 *   if (e instanceof EtagMismatchError) { ... } // someone else wrote first
 *   else throw e;
 * }
 * ```
 */

/** The kebab-case names of the WIT error cases, in the variant's order. */
export type ErrorCase =
  | "not-found"
  | "denied"
  | "etag-mismatch"
  | "invalid-argument"
  | "unavailable"
  | "unsupported"
  | "internal";

/** A WIT `error` value as the bindings represent it. */
export interface WitError {
  /** The case name. */
  tag: string;
  /** The runtime's message. */
  val: unknown;
}

/** A building-block call failed; the subclass names the WIT error case. */
export class DaprError extends Error {
  /** The kebab-case name of the WIT case, such as `"not-found"`. */
  readonly case: ErrorCase;

  /**
   * An error of case `errorCase` with the runtime's human-readable
   * `message` (for logs).
   */
  constructor(errorCase: ErrorCase, message: string) {
    super(message);
    this.case = errorCase;
    this.name = new.target.name;
  }

  /** `"<case>: <message>"`. */
  override toString(): string {
    return `${this.case}: ${this.message}`;
  }

  /**
   * The exception for a WIT error value (`{tag, val}`); an unknown case
   * becomes {@link InternalError}.
   */
  static fromWit(error: WitError): DaprError {
    const make = BY_CASE.get(error.tag as ErrorCase);
    const message = typeof error.val === "string" ? error.val : JSON.stringify(error);
    return make ? make(message) : new InternalError(`${error.tag}: ${message}`);
  }
}

/** The named component, app id or item (secret, lock, ...) does not exist. */
export class NotFoundError extends DaprError {
  /** An error with the runtime's `message`. */
  constructor(message: string) {
    super("not-found", message);
  }
}

/** The component exists but this app may not use it. */
export class DeniedError extends DaprError {
  /** An error with the runtime's `message`. */
  constructor(message: string) {
    super("denied", message);
  }
}

/** An etag did not match, or first-write found the key; nothing was written. */
export class EtagMismatchError extends DaprError {
  /** An error with the runtime's `message`. */
  constructor(message: string) {
    super("etag-mismatch", message);
  }
}

/** The arguments are malformed (an empty key, invalid query JSON, ...). */
export class InvalidArgumentError extends DaprError {
  /** An error with the runtime's `message`. */
  constructor(message: string) {
    super("invalid-argument", message);
  }
}

/** The backend cannot be reached now; retrying later may succeed. */
export class UnavailableError extends DaprError {
  /** An error with the runtime's `message`. */
  constructor(message: string) {
    super("unavailable", message);
  }
}

/** The component serving the call does not implement the operation. */
export class UnsupportedError extends DaprError {
  /** An error with the runtime's `message`. */
  constructor(message: string) {
    super("unsupported", message);
  }
}

/** Any other failure inside the host or the backend. */
export class InternalError extends DaprError {
  /** An error with the runtime's `message`. */
  constructor(message: string) {
    super("internal", message);
  }
}

/** Every error class by its WIT case, in the order of the variant's cases. */
export const ERRORS: ReadonlyArray<[ErrorCase, new (message: string) => DaprError]> = [
  ["not-found", NotFoundError],
  ["denied", DeniedError],
  ["etag-mismatch", EtagMismatchError],
  ["invalid-argument", InvalidArgumentError],
  ["unavailable", UnavailableError],
  ["unsupported", UnsupportedError],
  ["internal", InternalError],
];

const BY_CASE = new Map<ErrorCase, (message: string) => DaprError>(
  ERRORS.map(([errorCase, cls]) => [errorCase, (message: string) => new cls(message)]),
);
