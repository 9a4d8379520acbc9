"""Encryption and decryption with keys a cryptography component holds (Dapr's
Cryptography API). The ciphertext is Dapr's ``dapr.io/enc/v1`` format, so any
Dapr sidecar with the same key decrypts it, and the other way round; the keys
never reach the component.

>>> sealed = crypto.encrypt("vault", b"secret", key_name="backup-key", key_wrap_algorithm="A256KW")
>>> crypto.decrypt("vault", sealed)
b'secret'

Large messages go through a :class:`Stream`, a chunk at a time::

    with crypto.encrypt_stream("vault", key_name="backup-key", key_wrap_algorithm="A256KW") as stream:
        sealed = b"".join(stream.write(chunk) for chunk in chunks) + stream.finish()
"""

from __future__ import annotations

from typing import Any

from . import _wit
from ._wit import Data, call, to_bytes

__all__ = [
    "AES_GCM",
    "CHACHA20_POLY1305",
    "Stream",
    "encrypt",
    "decrypt",
    "encrypt_stream",
    "decrypt_stream",
]

AES_GCM = "aes-gcm"
"""The data cipher AES-256-GCM, Dapr's default."""

CHACHA20_POLY1305 = "chacha20-poly1305"
"""The data cipher ChaCha20-Poly1305, for hardware without AES instructions."""


def _encrypt_options(
    component: str,
    key_name: str,
    key_wrap_algorithm: str,
    cipher: str | None,
    decryption_key_name: str | None,
    omit_decryption_key_name: bool,
) -> Any:
    c = _wit.crypto
    ciphers = {AES_GCM: c.DataCipher.AES_GCM, CHACHA20_POLY1305: c.DataCipher.CHACHA20_POLY1305}
    if cipher is not None and cipher not in ciphers:
        raise ValueError(f"cipher must be {AES_GCM!r} or {CHACHA20_POLY1305!r}, not {cipher!r}")
    return c.EncryptOptions(
        component,
        key_name,
        key_wrap_algorithm,
        None if cipher is None else ciphers[cipher],
        omit_decryption_key_name,
        decryption_key_name,
    )


def encrypt(
    component: str,
    plaintext: Data,
    *,
    key_name: str,
    key_wrap_algorithm: str,
    cipher: str | None = None,
    decryption_key_name: str | None = None,
    omit_decryption_key_name: bool = False,
) -> bytes:
    """Encrypts ``plaintext`` (text is UTF-8) in one call with key ``key_name``
    of ``component``, wrapped by ``key_wrap_algorithm`` (``A256KW`` or
    ``RSA-OAEP-256``, or their aliases ``AES`` and ``RSA``). ``cipher``:
    :data:`AES_GCM` (the default) or :data:`CHACHA20_POLY1305`. The ciphertext
    names ``decryption_key_name`` (default ``key_name``) as the key that
    decrypts, or no key with ``omit_decryption_key_name``."""
    options = _encrypt_options(
        component, key_name, key_wrap_algorithm, cipher, decryption_key_name, omit_decryption_key_name
    )
    return bytes(call(_wit.crypto.encrypt, options, to_bytes(plaintext)))


def decrypt(component: str, ciphertext: Data, *, key_name: str | None = None) -> bytes:
    """Decrypts ``ciphertext`` in one call, with key ``key_name`` or else the key
    the ciphertext names."""
    options = _wit.crypto.DecryptOptions(component, key_name)
    return bytes(call(_wit.crypto.decrypt, options, to_bytes(ciphertext)))


class Stream:
    """A message encrypted or decrypted a chunk at a time: :meth:`write` every
    chunk in order, keeping what each returns, then :meth:`finish`. Decrypted
    data is returned only once authenticated. Use it in a ``with`` block, or
    call :meth:`close`, to release it."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, chunk: Data) -> bytes:
        """Feeds the next chunk; returns the output ready so far."""
        return bytes(call(self._stream.write, to_bytes(chunk)))

    def finish(self) -> bytes:
        """Ends the input; returns the rest of the output."""
        return bytes(call(self._stream.finish))

    def close(self) -> None:
        """Releases the stream (abandoning it if not finished)."""
        self._stream.__exit__(None, None, None)

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def encrypt_stream(
    component: str,
    *,
    key_name: str,
    key_wrap_algorithm: str,
    cipher: str | None = None,
    decryption_key_name: str | None = None,
    omit_decryption_key_name: bool = False,
) -> Stream:
    """Starts encrypting a message of any size; the options are
    :func:`encrypt`'s."""
    options = _encrypt_options(
        component, key_name, key_wrap_algorithm, cipher, decryption_key_name, omit_decryption_key_name
    )
    return Stream(call(_wit.crypto.encrypt_stream, options))


def decrypt_stream(component: str, *, key_name: str | None = None) -> Stream:
    """Starts decrypting a message of any size; the options are
    :func:`decrypt`'s."""
    return Stream(call(_wit.crypto.decrypt_stream, _wit.crypto.DecryptOptions(component, key_name)))
