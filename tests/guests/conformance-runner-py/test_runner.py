"""Tests of the runner's decoding against the stub bindings (run by
guest-python/test.sh): a step that cannot be decoded is answered
``invalid-argument`` with a ``runner:`` message, never an exception, and a
decoded step reaches the import with every argument."""

import json
import unittest
from unittest import mock

import steps
from componentize_py_types import Err
from wit_world.imports import lock as wit_lock
from wit_world.imports import state as wit_state
from wit_world.imports import types as wit_types


def answer(step: str):
    return json.loads(steps.execute(step))


class Decoding(unittest.TestCase):
    def runner_error(self, step: str) -> str:
        reply = answer(step)
        message = reply.get("err", {}).get("invalid-argument")
        self.assertIsInstance(message, str, reply)
        self.assertTrue(message.startswith("runner: "), message)
        return message

    def test_undecodable_steps_are_invalid_arguments(self):
        self.runner_error("not json")
        self.runner_error("[1, 2]")
        self.runner_error('{"args": {}}')
        self.assertIn("state.nope", self.runner_error('{"op": "state.nope"}'))
        self.runner_error('{"op": "state.get", "args": []}')
        self.runner_error('{"op": "state.get", "args": {"key": 7}}')
        self.runner_error('{"op": "state.get", "args": {"consistency": "sometimes"}}')
        self.runner_error('{"op": "state.save", "args": {"items": [{"data": {}}]}}')
        self.runner_error(
            '{"op": "state.transact", "args": {"operations": [{"upsert": {}, "delete": {}}]}}'
        )
        self.runner_error('{"op": "state.transact", "args": {"operations": [{"merge": {}}]}}')
        self.runner_error('{"op": "lock.try-lock", "args": {"expiry-in-seconds": -1}}')
        self.runner_error('{"op": "lock.try-lock", "args": {"expiry-in-seconds": true}}')
        self.runner_error('{"op": "lock.try-lock", "args": {"expiry-in-seconds": 4294967296}}')
        self.runner_error('{"op": "invoke.invoke-method", "args": {"request": {"verb": "GET"}}}')
        self.runner_error('{"op": "pubsub.publish", "args": {"metadata": [["a"]]}}')
        self.assertIn(
            "Unicode", self.runner_error('{"op": "state.get", "args": {"key": "lone-\\ud800"}}')
        )

    def test_omitted_fields_take_their_defaults(self):
        fake = mock.Mock(return_value=None)
        with mock.patch.object(wit_state, "save", fake):
            self.assertEqual(
                answer('{"op": "state.save", "args": {"items": [{"etag": null}]}}'), {"ok": None}
            )
        [(store, [item])] = [c.args for c in fake.call_args_list]
        self.assertEqual(
            (store, item.key, item.data, item.etag, item.metadata), ("", "", b"", None, [])
        )
        self.assertEqual(item.options.concurrency, wit_state.Concurrency.LAST_WRITE)
        self.assertEqual(item.options.consistency, wit_state.Consistency.EVENTUAL)

    def test_answers_encode_values_and_errors(self):
        value = wit_state.Value(b"a\xffb", "1", [("m", "v")])
        with mock.patch.object(wit_state, "get", mock.Mock(return_value=value)):
            self.assertEqual(
                answer('{"op": "state.get", "args": {"store": "s", "key": "k"}}'),
                {"ok": {"data": "a\ufffdb", "etag": "1", "metadata": [["m", "v"]]}},
            )
        error = Err(wit_types.Error_NotFound("no store"))
        with mock.patch.object(wit_lock, "unlock", mock.Mock(side_effect=error)):
            self.assertEqual(
                answer('{"op": "lock.unlock", "args": {}}'), {"err": {"not-found": "no store"}}
            )
        status = wit_lock.UnlockStatus.LOCK_BELONGS_TO_OTHERS
        with mock.patch.object(wit_lock, "unlock", mock.Mock(return_value=status)):
            self.assertEqual(
                answer('{"op": "lock.unlock", "args": {}}'), {"ok": "lock-belongs-to-others"}
            )


if __name__ == "__main__":
    unittest.main()
