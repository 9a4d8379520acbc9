"""Tests of dapr_wasm against the stub bindings ``componentize-py bindings``
generates (``test.sh``): each test replaces the imports it needs with fakes
and checks what the SDK passes to them and makes of their answers."""

import io
import sys
import unittest
from unittest import mock

import dapr_wasm
from componentize_py_types import Err, Ok
from dapr_wasm import (
    App,
    DaprError,
    EtagMismatch,
    EventStatus,
    NotFound,
    Response,
    command,
    pubsub,
    secrets,
    state,
)
from dapr_wasm.errors import ERRORS
from wit_world.exports import handler as wit_handler
from wit_world.imports import environment
from wit_world.imports import invoke as wit_invoke
from wit_world.imports import pubsub as wit_pubsub
from wit_world.imports import secrets as wit_secrets
from wit_world.imports import state as wit_state
from wit_world.imports import types as wit_types


class Recorder:
    """A fake import: records its arguments, then answers or raises."""

    def __init__(self, answer=None, error=None):
        self.calls = []
        self.answer = answer
        self.error = error

    def __call__(self, *args):
        self.calls.append(args)
        if self.error is not None:
            raise Err(self.error)
        return self.answer


class Errors(unittest.TestCase):
    def test_every_wit_case_becomes_its_class(self):
        cases = [
            ("NotFound", "not-found"),
            ("Denied", "denied"),
            ("EtagMismatch", "etag-mismatch"),
            ("InvalidArgument", "invalid-argument"),
            ("Unavailable", "unavailable"),
            ("Unsupported", "unsupported"),
            ("Internal", "internal"),
        ]
        self.assertEqual([cls.__name__ for cls in ERRORS], [name for name, _ in cases])
        for name, case in cases:
            error = DaprError.from_wit(getattr(wit_types, f"Error_{name}")("why"))
            self.assertIsInstance(error, DaprError)
            self.assertEqual(type(error).__name__, name)
            self.assertEqual((error.case, error.message, str(error)), (case, "why", f"{case}: why"))

    def test_a_failed_call_raises_the_case(self):
        with mock.patch.object(
            wit_state, "delete", Recorder(error=wit_types.Error_EtagMismatch("old"))
        ):
            with self.assertRaises(EtagMismatch) as raised:
                state.delete("s", "k", etag="1")
        self.assertEqual(raised.exception.message, "old")


class State(unittest.TestCase):
    def test_get_converts_the_value_and_passes_every_argument(self):
        fake = Recorder(wit_state.Value(b'{"a": 1}', "7", [("ttlExpireTime", "soon")]))
        with mock.patch.object(wit_state, "get", fake):
            item = state.get("s", "k", consistency="strong", metadata={"m": "v"})
        self.assertEqual(fake.calls, [("s", "k", wit_state.Consistency.STRONG, [("m", "v")])])
        self.assertEqual(
            (item.etag, item.metadata, item.json()), ("7", {"ttlExpireTime": "soon"}, {"a": 1})
        )

    def test_get_json_of_a_missing_key_is_the_default(self):
        with mock.patch.object(wit_state, "get", Recorder(None)):
            self.assertEqual(state.get_json("s", "k", default=0), 0)
            self.assertIsNone(state.get("s", "k"))

    def test_save_json_and_items(self):
        fake = Recorder()
        with mock.patch.object(wit_state, "save", fake):
            state.save_json(
                "s", "k", {"n": "é"}, etag="3", concurrency=state.Concurrency.FIRST_WRITE
            )
            state.save_bulk("s", [state.SaveItem("a", "text", metadata=[("ttlInSeconds", "5")])])
        [(store, [first]), (_, [second])] = fake.calls
        self.assertEqual(
            (store, first.key, first.data, first.etag), ("s", "k", '{"n":"é"}'.encode(), "3")
        )
        self.assertEqual(first.options.concurrency, wit_state.Concurrency.FIRST_WRITE)
        self.assertEqual(first.options.consistency, wit_state.Consistency.EVENTUAL)
        self.assertEqual((second.data, second.metadata), (b"text", [("ttlInSeconds", "5")]))
        self.assertEqual(second.options.concurrency, wit_state.Concurrency.LAST_WRITE)

    def test_get_bulk_keeps_per_key_outcomes(self):
        answer = [
            wit_state.BulkValue("a", Ok(wit_state.Value(b"1", None, []))),
            wit_state.BulkValue("b", Ok(None)),
            wit_state.BulkValue("c", Err(wit_types.Error_Unavailable("down"))),
        ]
        with mock.patch.object(wit_state, "get_bulk", Recorder(answer)):
            a, b, c = state.get_bulk("s", ["a", "b", "c"])
        self.assertEqual((a.key, a.item.data, a.error), ("a", b"1", None))
        self.assertEqual((b.item, b.error), (None, None))
        self.assertEqual((c.item, c.error.case, c.error.message), (None, "unavailable", "down"))

    def test_transact_maps_items_to_operations(self):
        fake = Recorder()
        with mock.patch.object(wit_state, "transact", fake):
            state.transact("s", [state.SaveItem("a", b"1"), state.DeleteItem("b", etag="2")])
            with self.assertRaises(TypeError):
                state.transact("s", ["not an operation"])
        [(store, [upsert, delete], metadata)] = fake.calls
        self.assertIsInstance(upsert, wit_state.Operation_Upsert)
        self.assertEqual(upsert.value.key, "a")
        self.assertIsInstance(delete, wit_state.Operation_Delete)
        self.assertEqual((delete.value.key, delete.value.etag, metadata), ("b", "2", []))

    def test_bad_enum_values_and_metadata_are_refused(self):
        with self.assertRaises(ValueError):
            state.get("s", "k", consistency="sometimes")
        with self.assertRaises(TypeError):
            state.get("s", "k", metadata=[("k", 1)])
        with self.assertRaises(TypeError):
            state.save("s", "k", 42)


class PubSubAndSecrets(unittest.TestCase):
    def test_publish_json_and_bulk_failures(self):
        publish = Recorder()
        failures = [wit_pubsub.BulkFailure("2", wit_types.Error_Denied("no"))]
        with (
            mock.patch.object(wit_pubsub, "publish", publish),
            mock.patch.object(wit_pubsub, "bulk_publish", Recorder(failures)),
        ):
            pubsub.publish_json("p", "t", [1, 2])
            [failure] = pubsub.bulk_publish("p", "t", [pubsub.BulkMessage("1", "x")])
        self.assertEqual(publish.calls, [("p", "t", b"[1,2]", "application/json", [])])
        self.assertEqual((failure.entry_id, failure.error.case), ("2", "denied"))

    def test_secret_values(self):
        with mock.patch.object(wit_secrets, "get", Recorder([("db", "s3cret")])):
            self.assertEqual(secrets.get("store", "db"), {"db": "s3cret"})
            self.assertEqual(secrets.get_value("store", "db"), "s3cret")
        with mock.patch.object(wit_secrets, "get", Recorder([("a", "1"), ("b", "2")])):
            self.assertEqual(secrets.get_value("store", "db"), "1")
        with mock.patch.object(wit_secrets, "get", Recorder([])):
            self.assertIsNone(secrets.get_value("store", "db"))
        with mock.patch.object(wit_secrets, "get", Recorder(error=wit_types.Error_NotFound("no"))):
            with self.assertRaises(NotFound):
                secrets.get_value("store", "db")


class Invoke(unittest.TestCase):
    def test_request_and_response_round_trip(self):
        answer = wit_invoke.Response(201, [("a", "b")], "application/json", b'{"ok":true}')
        fake = Recorder(answer)
        with mock.patch.object(wit_invoke, "invoke_method", fake):
            response = dapr_wasm.invoke.post_json("orders", "place", {"id": 1})
        [(app_id, request)] = fake.calls
        self.assertEqual(
            (app_id, request.method, request.verb), ("orders", "place", wit_invoke.HttpVerb.POST)
        )
        self.assertEqual((request.content_type, request.data), ("application/json", b'{"id":1}'))
        self.assertTrue(response.ok)
        self.assertEqual(
            (response.status, response.headers, response.json()), (201, [("a", "b")], {"ok": True})
        )


def cloud_event(topic, pubsub_name="pubsub", data=b"x"):
    return wit_handler.CloudEvent(
        "id-1",
        "src",
        "com.dapr.event.sent",
        "1.0",
        "text/plain",
        data,
        topic,
        pubsub_name,
        topic,
        [],
    )


class Handlers(unittest.TestCase):
    def setUp(self):
        self.app = App()
        self.handler = self.app.handler()()
        self.log = io.StringIO()
        patcher = mock.patch("sys.stderr", self.log)
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_subscriptions_and_topic_outcomes(self):
        seen = []
        self.app.topic("pubsub", "ok", dead_letter_topic="dead")(lambda e: seen.append(e.text()))
        self.app.topic("pubsub", "drop")(lambda e: EventStatus.DROP)
        self.app.topic("pubsub", "fail")(lambda e: 1 / 0)
        self.app.topic("pubsub", "odd")(lambda e: "sometimes")
        [first, *_] = self.handler.subscriptions()
        self.assertEqual(
            (first.pubsub, first.topic, first.route, first.dead_letter_topic),
            ("pubsub", "ok", None, "dead"),
        )
        outcomes = {
            topic: self.handler.on_topic_event(cloud_event(topic))
            for topic in ["ok", "drop", "fail", "odd", "unknown"]
        }
        S = wit_handler.EventStatus
        self.assertEqual(
            outcomes,
            {"ok": S.SUCCESS, "drop": S.DROP, "fail": S.RETRY, "odd": S.RETRY, "unknown": S.DROP},
        )
        self.assertEqual(seen, ["x"])
        self.assertIn("ZeroDivisionError", self.log.getvalue())
        self.assertIn("no handler for topic 'unknown'", self.log.getvalue())
        with self.assertRaises(ValueError):
            self.app.topic("pubsub", "ok")(print)

    def test_bulk_subscriptions_answer_per_event(self):
        self.app.bulk_topic("pubsub", "batched", max_messages=3, max_await_ms=50)(
            lambda events: [None] * (len(events) - 1) + [EventStatus.RETRY]
        )
        self.app.bulk_topic("pubsub", "short")(lambda events: [])
        self.app.topic("pubsub", "single")(lambda e: EventStatus.DROP)
        subscriptions = {s.topic: s for s in self.handler.subscriptions()}
        bulk = subscriptions["batched"].bulk
        self.assertEqual((bulk.max_messages, bulk.max_await_ms), (3, 50))
        self.assertIsNone(subscriptions["single"].bulk)
        S = wit_handler.EventStatus
        batch = [cloud_event("batched"), cloud_event("batched")]
        self.assertEqual(self.handler.on_bulk_topic_event(batch), [S.SUCCESS, S.RETRY])
        self.assertEqual(
            self.handler.on_bulk_topic_event([cloud_event("short")] * 2), [S.RETRY, S.RETRY]
        )
        self.assertIn("0 statuses answered for 2 events", self.log.getvalue())
        self.assertEqual(self.handler.on_bulk_topic_event([cloud_event("single")]), [S.DROP])
        self.assertEqual(self.handler.on_topic_event(cloud_event("batched")), S.RETRY)
        with self.assertRaises(ValueError):
            self.app.bulk_topic("pubsub", "none", max_messages=0)

    def test_invocations(self):
        self.app.invoke("hello")(lambda r: Response.with_text("hi " + r.text()))
        self.app.invoke("bytes")(lambda r: b"raw")
        self.app.invoke("boom")(lambda r: 1 / 0)
        self.app.invoke("odd")(lambda r: 42)

        def call(method):
            request = wit_invoke.Request(
                method, wit_invoke.HttpVerb.PUT, [("q", "1")], [], None, b"you"
            )
            return self.handler.on_invoke(request)

        self.assertEqual(
            (call("hello").status, call("hello").data, call("hello").content_type),
            (200, b"hi you", "text/plain"),
        )
        self.assertEqual((call("bytes").status, call("bytes").data), (200, b"raw"))
        self.assertEqual(call("boom").status, 500)
        self.assertEqual(call("odd").status, 500)
        self.assertEqual(call("nobody").status, 404)
        self.app.invoke()(lambda r: Response(202, data=f"{r.verb.value}:{r.query}"))
        self.assertEqual((call("nobody").status, call("nobody").data), (202, b"put:[('q', '1')]"))

    def test_bindings_and_configuration_updates(self):
        self.app.binding("ticker")(lambda e: e.text().upper())
        self.app.binding("broken")(lambda e: 1 / 0)
        self.app.binding("odd")(lambda e: 42)
        updates = []
        self.app.configuration_update(
            lambda store, sid, items: updates.append((store, sid, items[0].value))
        )
        self.assertEqual(self.handler.input_bindings(), ["ticker", "broken", "odd"])
        event = wit_handler.BindingEvent("ticker", b"tick", [])
        self.assertEqual(self.handler.on_binding_event(event), b"TICK")
        for name in ["broken", "odd", "unknown"]:
            with self.assertRaises(Err):
                self.handler.on_binding_event(wit_handler.BindingEvent(name, b"", []))
        item = dapr_wasm.configuration._wit.configuration.Item("k", "v", "1", [])
        self.handler.on_configuration_update("store", "sub", [item])
        self.assertEqual(updates, [("store", "sub", "v")])


    def test_job_triggers(self):
        seen = []
        self.app.job("report")(lambda name, data: seen.append((name, data)))
        self.app.job("broken")(lambda name, data: 1 / 0)
        self.handler.on_job_event("report", b"q3")
        self.assertEqual(seen, [("report", b"q3")])
        for name in ["broken", "unknown"]:
            with self.assertRaises(Err):
                self.handler.on_job_event(name, b"")
        self.app.job()(lambda name, data: seen.append((name, data)))
        self.handler.on_job_event("other", b"")
        self.assertEqual(seen[-1], ("other", b""))
        with self.assertRaises(ValueError):
            self.app.job("report")(print)


class Jobs(unittest.TestCase):
    def test_jobs_convert_both_ways(self):
        from dapr_wasm import jobs
        from wit_world.imports import jobs as wit_jobs

        schedule = Recorder()
        with mock.patch.object(wit_jobs, "schedule", schedule):
            jobs.schedule(
                jobs.Job("j", schedule="@every 1s", data="x", failure_policy=jobs.ConstantRetry(500, 2)),
                overwrite=True,
            )
            jobs.schedule(jobs.Job.with_json("k", {"a": 1}, due_time="1s", failure_policy=jobs.DROP))
        [(first, overwrite), (second, _)] = schedule.calls
        self.assertEqual((first.name, first.schedule, first.data, overwrite), ("j", "@every 1s", b"x", True))
        self.assertEqual(first.failure_policy.value.interval_ms, 500)
        self.assertIsInstance(second.failure_policy, wit_jobs.FailurePolicy_Drop)
        self.assertEqual(second.data, b'{"a":1}')
        with self.assertRaises(TypeError):
            jobs.schedule(jobs.Job("bad", due_time="1s", failure_policy="sometimes"))
        stored = wit_jobs.Job("j", None, "1s", None, None, b"d", wit_jobs.FailurePolicy_Drop())
        with mock.patch.object(wit_jobs, "get", Recorder(stored)):
            got = jobs.get("j")
        self.assertEqual((got.due_time, got.data, got.failure_policy), ("1s", b"d", jobs.DROP))
        with mock.patch.object(wit_jobs, "get", Recorder(None)):
            self.assertIsNone(jobs.get("j"))


class Actors(unittest.TestCase):
    def test_client_calls_convert_both_ways(self):
        from dapr_wasm import actors
        from wit_world.imports import actors as wit_actors

        cart = dapr_wasm.ActorRef("cart", "alice")
        invoke = Recorder(b'{"n":1}')
        transact = Recorder()
        register = Recorder()
        timer = Recorder()
        with (
            mock.patch.object(wit_actors, "invoke", invoke),
            mock.patch.object(wit_actors, "transact_state", transact),
            mock.patch.object(wit_actors, "register_reminder", register),
            mock.patch.object(wit_actors, "register_timer", timer),
            mock.patch.object(wit_actors, "get_state", Recorder(b"[1]")),
        ):
            self.assertEqual(actors.invoke_json(cart, "echo", {"n": 1}), {"n": 1})
            self.assertEqual(actors.get_state_json(cart, "k"), [1])
            actors.save_state(cart, "k", "v", ttl_seconds=5)
            actors.delete_state(cart, "k")
            actors.register_reminder(cart, actors.Reminder("r", "1h", period="PT1M"))
            actors.register_timer(cart, actors.Timer("t", "0s", callback="tick", data="x"))
        [(ref, method, data)] = invoke.calls
        self.assertEqual((ref.actor_type, ref.id, method, data), ("cart", "alice", "echo", b'{"n":1}'))
        [(_, [upsert]), (_, [delete])] = transact.calls
        self.assertEqual((upsert.value.key, upsert.value.value, upsert.value.ttl_seconds), ("k", b"v", 5))
        self.assertEqual(delete.value, "k")
        [(_, reminder)] = register.calls
        self.assertEqual((reminder.period, reminder.ttl, reminder.data), ("PT1M", None, b""))
        [(_, wit_timer)] = timer.calls
        self.assertEqual((wit_timer.callback, wit_timer.data), ("tick", b"x"))
        stored = wit_actors.Reminder("r", "1h", None, None, b"d")
        with mock.patch.object(wit_actors, "get_reminder", Recorder(stored)):
            got = actors.get_reminder(cart, "r")
        self.assertEqual((got.name, got.due_time, got.text()), ("r", "1h", "d"))
        with mock.patch.object(wit_actors, "get_state", Recorder(None)):
            self.assertEqual(actors.get_state_json(cart, "missing", default=7), 7)
        with mock.patch.object(wit_actors, "invoke", Recorder(error=wit_types.Error_NotFound("no"))):
            with self.assertRaises(NotFound):
                actors.invoke(cart, "m")

    def test_the_export_dispatches_to_the_live_actor(self):
        from wit_world.exports import actor as wit_actor
        from wit_world.imports import actors as wit_actors

        class Counter(dapr_wasm.Actor):
            actor_type = "counter"
            idle_timeout_ms = 1000

            def on_activate(self):
                self._calls = 0

            def count(self, call):
                self._calls += 1
                return f"{self.ref.id}:{self._calls}"

            def add_item(self, call):
                return call.data

            def fail(self, call):
                raise ValueError("no luck")

        class Quiet(dapr_wasm.Actor):
            actor_type = "quiet"

        export = dapr_wasm.host_actors(Counter, Quiet)()
        self.assertEqual(
            [(t.name, t.idle_timeout_ms) for t in export.actor_types()], [("counter", 1000), ("quiet", None)]
        )
        ref = wit_actors.ActorRef("counter", "c1")
        export.on_activate(ref)
        self.assertEqual(export.on_invoke(ref, "count", b""), b"c1:1")
        self.assertEqual(export.on_invoke(ref, "count", b""), b"c1:2")
        self.assertEqual(export.on_invoke(ref, "add-item", b"x"), b"x")
        with self.assertRaises(Err) as failed:
            export.on_invoke(ref, "fail", b"")
        self.assertEqual(failed.exception.value, "no luck")
        for hidden in ["fly", "on_activate", "_calls", "__init__", "actor_type", "ref"]:
            with self.assertRaises(Err) as failed:
                export.on_invoke(ref, hidden, b"")
            self.assertEqual(failed.exception.value, f"counter has no method `{hidden}`")
        export.on_timer(ref, "t", None, b"")
        self.assertEqual(export.on_reminder(ref, "r", b""), wit_actor.ReminderOutcome.KEEP)
        export.on_deactivate(ref)
        self.assertEqual(export.on_invoke(ref, "count", b""), b"c1:1")
        with self.assertRaises(Err):
            export.on_activate(wit_actors.ActorRef("other", "1"))
        with self.assertRaises(TypeError):
            dapr_wasm.host_actors(dapr_wasm.Actor)
        with self.assertRaises(ValueError):
            dapr_wasm.host_actors(Counter, Counter)


class Command(unittest.TestCase):
    def run_main(self, main, arguments=("app.wasm", "x")):
        with mock.patch.object(environment, "get_arguments", Recorder(list(arguments))):
            command(main)().run()

    def test_arguments_and_exit_codes(self):
        seen = []
        self.run_main(lambda: seen.append(list(sys.argv)))
        self.assertEqual(seen, [["app.wasm", "x"]])
        self.run_main(lambda: 0)
        for failing in [lambda: 1, lambda: sys.exit(3)]:
            with self.assertRaises(Err):
                self.run_main(failing)


if __name__ == "__main__":
    unittest.main()
