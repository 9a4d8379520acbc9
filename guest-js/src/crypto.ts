/**
 * Encryption and decryption with keys a cryptography component holds
 * (Dapr's Cryptography API). The ciphertext is Dapr's `dapr.io/enc/v1`
 * format, so any Dapr sidecar with the same key decrypts it, and the other
 * way round; the keys never reach the component.
 *
 * ```ts
 * const sealed = crypto.encrypt("vault", "secret", { keyName: "backup-key", keyWrapAlgorithm: "A256KW" });
 * const opened = crypto.decrypt("vault", sealed); // the bytes of "secret"
 * ```
 *
 * Large messages go through a {@link Stream}, a chunk at a time.
 * @module
 */

import * as wit from "./wit.js";
import { call, type Data, oneOf, toBytes } from "./wit.js";

/** The ciphers that seal the data: AES-256-GCM (Dapr's default) or ChaCha20-Poly1305. */
export const CIPHERS = ["aes-gcm", "chacha20-poly1305"] as const;

/** A data cipher. */
export type Cipher = (typeof CIPHERS)[number];

/** How to encrypt. */
export interface EncryptOptions {
  /** The key that wraps the data key. */
  keyName: string;
  /**
   * The key wrap algorithm: `A256KW` or `RSA-OAEP-256` (aliases `AES` and
   * `RSA`), any case.
   */
  keyWrapAlgorithm: string;
  /** The data cipher; default `aes-gcm`. */
  cipher?: Cipher;
  /** The key the ciphertext names as the one that decrypts; default `keyName`. */
  decryptionKeyName?: string;
  /** Name no key in the ciphertext: whoever decrypts names it. */
  omitDecryptionKeyName?: boolean;
}

/** How to decrypt. */
export interface DecryptOptions {
  /** The key to decrypt with; default the key the ciphertext names. */
  keyName?: string;
}

type WitEncryptOptions = Parameters<typeof wit.crypto.encrypt>[0];
type WitDecryptOptions = Parameters<typeof wit.crypto.decrypt>[0];
type WitStream = ReturnType<typeof wit.crypto.encryptStream>;

function encryptOptions(component: string, options: EncryptOptions): WitEncryptOptions {
  return {
    component,
    keyName: options.keyName,
    keyWrapAlgorithm: options.keyWrapAlgorithm,
    dataEncryptionCipher: options.cipher === undefined ? undefined : oneOf(options.cipher, CIPHERS, "cipher"),
    omitDecryptionKeyName: options.omitDecryptionKeyName ?? false,
    decryptionKeyName: options.decryptionKeyName,
  };
}

function decryptOptions(component: string, options: DecryptOptions): WitDecryptOptions {
  return { component, keyName: options.keyName };
}

/** Encrypts `plaintext` (text is UTF-8) in one call with a key of `component`. */
export function encrypt(component: string, plaintext: Data, options: EncryptOptions): Uint8Array {
  return wit.asBytes(call(wit.crypto.encrypt, encryptOptions(component, options), toBytes(plaintext))) ?? new Uint8Array();
}

/** Decrypts `ciphertext` in one call with a key of `component`. */
export function decrypt(component: string, ciphertext: Uint8Array, options: DecryptOptions = {}): Uint8Array {
  return wit.asBytes(call(wit.crypto.decrypt, decryptOptions(component, options), toBytes(ciphertext))) ?? new Uint8Array();
}

/**
 * A message encrypted or decrypted a chunk at a time: {@link Stream.write}
 * every chunk in order, keeping what each returns, then
 * {@link Stream.finish}. Decrypted data is returned only once authenticated.
 */
export class Stream {
  readonly #stream: WitStream;

  /** @internal Use {@link encryptStream} or {@link decryptStream}. */
  constructor(stream: WitStream) {
    this.#stream = stream;
  }

  /** Feeds the next chunk; returns the output ready so far. */
  write(chunk: Data): Uint8Array {
    return wit.asBytes(call((c: Uint8Array) => this.#stream.write(c), toBytes(chunk))) ?? new Uint8Array();
  }

  /** Ends the input; returns the rest of the output. */
  finish(): Uint8Array {
    return wit.asBytes(call(() => this.#stream.finish())) ?? new Uint8Array();
  }
}

/** Starts encrypting a message of any size; the options are {@link encrypt}'s. */
export function encryptStream(component: string, options: EncryptOptions): Stream {
  return new Stream(call(wit.crypto.encryptStream, encryptOptions(component, options)));
}

/** Starts decrypting a message of any size; the options are {@link decrypt}'s. */
export function decryptStream(component: string, options: DecryptOptions = {}): Stream {
  return new Stream(call(wit.crypto.decryptStream, decryptOptions(component, options)));
}
