"""``execute``: one scenario step, ``{"op": "<interface>.<function>", "args":
{...}}``, answered ``{"ok": ...}`` or ``{"err": {"<case>": "<message>"}}``.
Each op calls the dapr_wasm function for its WIT function with every WIT
parameter decoded from ``args``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from codec import Fields, Invalid, each, error, pairs, parse, text
from dapr_wasm import (
    ActorRef,
    DaprError,
    actors,
    bindings,
    configuration,
    conversation,
    crypto,
    invoke,
    jobs,
    lock,
    metadata,
    pubsub,
    secrets,
    state,
)
from dapr_wasm.invoke import HttpVerb
from dapr_wasm.state import Concurrency, Consistency


def execute(step: str) -> str:
    """Executes one step given as JSON and answers as JSON; never raises."""
    try:
        answer: dict[str, Any] = {"ok": run(step)}
    except DaprError as e:
        answer = {"err": error(e)}
    except Invalid as e:
        answer = {"err": {"invalid-argument": f"runner: {e}"}}
    except Exception as e:  # a bug of the runner or the SDK: report, never trap
        answer = {"err": {"internal": f"runner: {type(e).__name__}: {e}"}}
    return json.dumps(answer, ensure_ascii=False)


def run(step: str) -> Any:
    """Decodes the step and runs its op."""
    fields = Fields(parse(step), "step")
    op = fields.string("op")
    args = fields.object("args")
    if not op:
        raise Invalid("the step has no `op`")
    function = OPS.get(op)
    if function is None:
        raise Invalid(f"unknown op `{op}`")
    return function(args)


# ---- state ----


def consistency(fields: Fields) -> Consistency:
    return fields.case("consistency", Consistency, Consistency.EVENTUAL)


def options(fields: Fields) -> dict[str, Any]:
    """``write-options`` as the keyword arguments of the SDK's items."""
    opts = fields.object("options")
    return {
        "concurrency": opts.case("concurrency", Concurrency, Concurrency.LAST_WRITE),
        "consistency": consistency(opts),
    }


def save_item(item: Fields) -> state.SaveItem:
    return state.SaveItem(
        key=item.string("key"),
        data=item.data("data"),
        etag=item.opt_string("etag"),
        metadata=item.pairs("metadata"),
        **options(item),
    )


def delete_item(item: Fields) -> state.DeleteItem:
    return state.DeleteItem(
        key=item.string("key"),
        etag=item.opt_string("etag"),
        metadata=item.pairs("metadata"),
        **options(item),
    )


def operation(op: Fields) -> Any:
    """``{"upsert": save-item}`` or ``{"delete": delete-item}``."""
    case, item = op.variant()
    if case == "upsert":
        return save_item(item)
    if case == "delete":
        return delete_item(item)
    raise Invalid(f"unknown operation `{case}`, expected upsert or delete")


def state_value(item: state.StateItem | None) -> Any:
    if item is None:
        return None
    return {"data": text(item.data), "etag": item.etag, "metadata": pairs(item.metadata)}


def state_get(args: Fields) -> Any:
    item = state.get(
        args.string("store"),
        args.string("key"),
        consistency=consistency(args),
        metadata=args.pairs("metadata"),
    )
    return state_value(item)


def state_get_bulk(args: Fields) -> Any:
    items = state.get_bulk(
        args.string("store"), args.strings("keys"), metadata=args.pairs("metadata")
    )
    return [
        {
            "key": b.key,
            "value": {"err": error(b.error)} if b.error else {"ok": state_value(b.item)},
        }
        for b in items
    ]


def state_save(args: Fields) -> None:
    items = each(args.array("items"), "items[]", save_item)
    state.save_bulk(args.string("store"), items)


def state_delete(args: Fields) -> None:
    state.delete_item(args.string("store"), delete_item(args.object("item")))


def state_transact(args: Fields) -> None:
    operations = each(args.array("operations"), "operations[]", operation)
    state.transact(args.string("store"), operations, metadata=args.pairs("metadata"))


def state_query(args: Fields) -> Any:
    response = state.query(
        args.string("store"), args.string("query"), metadata=args.pairs("metadata")
    )
    return {
        "results": [{"key": r.key, "data": text(r.data), "etag": r.etag} for r in response.results],
        "token": response.token,
        "metadata": pairs(response.metadata),
    }


# ---- pubsub ----


def pubsub_publish(args: Fields) -> None:
    pubsub.publish(
        args.string("pubsub"),
        args.string("topic"),
        args.data("data"),
        content_type=args.opt_string("content-type"),
        metadata=args.pairs("metadata"),
    )


def bulk_message(m: Fields) -> pubsub.BulkMessage:
    return pubsub.BulkMessage(
        entry_id=m.string("entry-id"),
        data=m.data("data"),
        content_type=m.string("content-type"),
        metadata=m.pairs("metadata"),
    )


def pubsub_bulk_publish(args: Fields) -> Any:
    messages = each(args.array("messages"), "messages[]", bulk_message)
    failures = pubsub.bulk_publish(
        args.string("pubsub"), args.string("topic"), messages, metadata=args.pairs("metadata")
    )
    return [{"entry-id": f.entry_id, "error": error(f.error)} for f in failures]


# ---- invoke, bindings ----


def invoke_method(args: Fields) -> Any:
    request = args.object("request")
    response = invoke.invoke_method(
        args.string("app-id"),
        invoke.Request(
            method=request.string("method"),
            verb=request.case("verb", HttpVerb, HttpVerb.POST),
            query=request.pairs("query"),
            headers=request.pairs("headers"),
            content_type=request.opt_string("content-type"),
            data=request.data("data"),
        ),
    )
    return {
        "status": response.status,
        "headers": pairs(response.headers),
        "content-type": response.content_type,
        "data": text(bytes(response.data)),
    }


def bindings_invoke(args: Fields) -> Any:
    response = bindings.invoke(
        args.string("name"),
        args.string("operation"),
        args.data("data"),
        metadata=args.pairs("metadata"),
    )
    return {"data": text(response.data), "metadata": pairs(response.metadata)}


# ---- secrets, configuration ----


def secrets_get(args: Fields) -> Any:
    secret = secrets.get(args.string("store"), args.string("key"), metadata=args.pairs("metadata"))
    return pairs(secret)


def secrets_get_bulk(args: Fields) -> Any:
    every = secrets.get_bulk(args.string("store"), metadata=args.pairs("metadata"))
    return [[key, pairs(secret)] for key, secret in every.items()]


def configuration_get(args: Fields) -> Any:
    items = configuration.get(
        args.string("store"), args.strings("keys"), metadata=args.pairs("metadata")
    )
    return [
        {"key": i.key, "value": i.value, "version": i.version, "metadata": pairs(i.metadata)}
        for i in items
    ]


def configuration_subscribe(args: Fields) -> Any:
    return configuration.subscribe(
        args.string("store"), args.strings("keys"), metadata=args.pairs("metadata")
    )


def configuration_unsubscribe(args: Fields) -> None:
    configuration.unsubscribe(args.string("store"), args.string("id"))


# ---- lock, metadata ----


def lock_try_lock(args: Fields) -> Any:
    return lock.try_lock(
        args.string("store"),
        args.string("resource-id"),
        args.string("owner"),
        args.u32("expiry-in-seconds"),
    )


def lock_unlock(args: Fields) -> Any:
    status = lock.unlock(args.string("store"), args.string("resource-id"), args.string("owner"))
    return status.value


def metadata_get(_args: Fields) -> Any:
    meta = metadata.get()
    return {
        "app-id": meta.app_id,
        "runtime": meta.runtime,
        "components": [
            {"name": c.name, "component-type": c.component_type, "version": c.version}
            for c in meta.components
        ],
    }


# ---- jobs ----


def jobs_schedule(args: Fields) -> None:
    job = args.object("job")
    policy_fields = job.object("failure-policy")
    policy: jobs.FailurePolicy = None
    if not policy_fields.is_null():
        case, retry = policy_fields.variant()
        if case == "drop":
            policy = jobs.DROP
        elif case == "constant":
            policy = jobs.ConstantRetry(retry.u64("interval-ms"), retry.opt_u32("max-retries"))
        else:
            raise Invalid(f"unknown failure policy `{case}`")
    jobs.schedule(
        jobs.Job(
            job.string("name"),
            job.opt_string("schedule"),
            job.opt_string("due-time"),
            job.opt_u32("repeats"),
            job.opt_string("ttl"),
            job.data("data"),
            policy,
        ),
        overwrite=args.bool("overwrite"),
    )


def jobs_get(args: Fields) -> Any:
    job = jobs.get(args.string("name"))
    if job is None:
        return None
    policy = job.failure_policy
    if policy == jobs.DROP:
        policy_json: Any = {"drop": None}
    elif isinstance(policy, jobs.ConstantRetry):
        policy_json = {
            "constant": {"interval-ms": policy.interval_ms, "max-retries": policy.max_retries}
        }
    else:
        policy_json = None
    return {
        "name": job.name,
        "schedule": job.schedule,
        "due-time": job.due_time,
        "repeats": job.repeats,
        "ttl": job.ttl,
        "data": text(job.data),
        "failure-policy": policy_json,
    }


def jobs_delete(args: Fields) -> None:
    jobs.delete(args.string("name"))


# ---- actors ----


def actor_ref(args: Fields) -> ActorRef:
    """``actor``: ``{actor-type, id}``."""
    actor = args.object("actor")
    return ActorRef(actor.string("actor-type"), actor.string("id"))


def actor_state_operation(op: Any) -> actors.StateOperation:
    """``{"upsert": {key, value, ttl-seconds}}`` or ``{"delete": key}``."""
    deleted = Fields(op, "operations[]").opt_string("delete")
    if deleted is not None:
        return actors.Delete(deleted)
    case, upsert = Fields(op, "operations[]").variant()
    if case != "upsert":
        raise Invalid(f"unknown actor state operation `{case}`")
    return actors.Upsert(upsert.string("key"), upsert.data("value"), upsert.opt_u32("ttl-seconds"))


def schedule(fields: Fields) -> dict[str, Any]:
    """The fields reminders and timers share, as keyword arguments."""
    return {
        "name": fields.string("name"),
        "due_time": fields.string("due-time"),
        "period": fields.opt_string("period"),
        "ttl": fields.opt_string("ttl"),
        "data": fields.data("data"),
    }


def actors_invoke(args: Fields) -> Any:
    return text(actors.invoke(actor_ref(args), args.string("method"), args.data("data")))


def actors_get_state(args: Fields) -> Any:
    value = actors.get_state(actor_ref(args), args.string("key"))
    return None if value is None else text(value)


def actors_transact_state(args: Fields) -> None:
    operations = [actor_state_operation(op) for op in args.array("operations")]
    actors.transact_state(actor_ref(args), operations)


def actors_register_reminder(args: Fields) -> None:
    actors.register_reminder(actor_ref(args), actors.Reminder(**schedule(args.object("reminder"))))


def actors_get_reminder(args: Fields) -> Any:
    reminder = actors.get_reminder(actor_ref(args), args.string("name"))
    if reminder is None:
        return None
    return {
        "name": reminder.name,
        "due-time": reminder.due_time,
        "period": reminder.period,
        "ttl": reminder.ttl,
        "data": reminder.text(),
    }


def actors_unregister_reminder(args: Fields) -> None:
    actors.unregister_reminder(actor_ref(args), args.string("name"))


def actors_register_timer(args: Fields) -> None:
    timer = args.object("timer")
    actors.register_timer(
        actor_ref(args), actors.Timer(**schedule(timer), callback=timer.opt_string("callback"))
    )


def actors_unregister_timer(args: Fields) -> None:
    actors.unregister_timer(actor_ref(args), args.string("name"))


# ---- conversation ----


def conversation_message(fields: Fields) -> conversation.Message:
    role, m = fields.variant()
    if role in ("developer", "system", "user"):
        return conversation.Message(role, m.strings("content"), m.opt_string("name"))
    if role == "assistant":
        calls = [
            conversation.ToolCall(c.string("name"), c.string("arguments"), c.opt_string("id"))
            for c in each(m.array("tool-calls"), "tool-calls[]", lambda c: c)
        ]
        return conversation.Message(
            role, m.strings("content"), m.opt_string("name"), tool_calls=calls
        )
    if role == "tool":
        return conversation.Message(
            role, m.strings("content"), m.string("name"), tool_id=m.opt_string("tool-id")
        )
    raise Invalid(f"unknown message role `{role}`")


def json_text(text: str | None, what: str) -> Any:
    """JSON text as the SDK takes it (parsed); text that is not JSON is an
    invalid step, since a Python value cannot be malformed JSON."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise Invalid(f"{what} is not JSON: {exc}") from None


def conversation_converse(args: Fields) -> Any:
    request = args.object("request")
    inputs = [
        conversation.Input(
            [conversation_message(m) for m in each(i.array("messages"), "messages[]", lambda m: m)],
            i.bool("scrub-pii"),
        )
        for i in each(request.array("inputs"), "inputs[]", lambda i: i)
    ]
    tools = [
        conversation.Tool(
            t.string("name"),
            t.opt_string("description"),
            json_text(t.opt_string("parameters"), "the tool's parameters"),
        )
        for t in each(request.array("tools"), "tools[]", lambda t: t)
    ]
    response = conversation.converse(
        args.string("component"),
        inputs,
        tools=tools,
        tool_choice=request.opt_string("tool-choice"),
        temperature=request.opt_f64("temperature"),
        context_id=request.opt_string("context-id"),
        response_format=json_text(request.opt_string("response-format"), "the response format"),
        scrub_pii=request.bool("scrub-pii"),
        metadata=request.pairs("metadata"),
    )

    def calls(items: list[conversation.ToolCall]) -> list[Any]:
        return [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in items]

    return {
        "context-id": response.context_id,
        "outputs": [
            {
                "choices": [
                    {
                        "finish-reason": c.finish_reason,
                        "index": c.index,
                        "content": c.content,
                        "tool-calls": calls(c.tool_calls),
                    }
                    for c in o.choices
                ],
                "model": o.model,
                "usage": None
                if o.usage is None
                else {
                    "completion-tokens": o.usage.completion_tokens,
                    "prompt-tokens": o.usage.prompt_tokens,
                    "total-tokens": o.usage.total_tokens,
                },
            }
            for o in response.outputs
        ],
    }


# ---- crypto ----


def crypto_encrypt_options(args: Fields) -> dict[str, Any]:
    o = args.object("options")
    return {
        "key_name": o.string("key-name"),
        "key_wrap_algorithm": o.string("key-wrap-algorithm"),
        "cipher": o.opt_string("data-encryption-cipher"),
        "decryption_key_name": o.opt_string("decryption-key-name"),
        "omit_decryption_key_name": o.bool("omit-decryption-key-name"),
    }


def crypto_component(args: Fields) -> str:
    return args.object("options").string("component")


def crypto_decrypt_key(args: Fields) -> str | None:
    return args.object("options").opt_string("key-name")


def crypto_ciphertext(args: Fields) -> bytes:
    try:
        return bytes.fromhex(args.string("ciphertext"))
    except ValueError:
        raise Invalid("`args.ciphertext` must be hexadecimal text") from None


def crypto_encrypt(args: Fields) -> Any:
    sealed = crypto.encrypt(crypto_component(args), args.data("plaintext"), **crypto_encrypt_options(args))
    return sealed.hex()


def crypto_decrypt(args: Fields) -> Any:
    return text(crypto.decrypt(crypto_component(args), crypto_ciphertext(args), key_name=crypto_decrypt_key(args)))


def crypto_encrypt_stream(args: Fields) -> Any:
    with crypto.encrypt_stream(crypto_component(args), **crypto_encrypt_options(args)) as stream:
        sealed = b"".join(stream.write(chunk) for chunk in args.strings("chunks"))
        return (sealed + stream.finish()).hex()


def crypto_decrypt_stream(args: Fields) -> Any:
    ciphertext = crypto_ciphertext(args)
    size = max(args.u32("chunk-size"), 1)
    with crypto.decrypt_stream(crypto_component(args), key_name=crypto_decrypt_key(args)) as stream:
        plaintext = b"".join(stream.write(ciphertext[i : i + size]) for i in range(0, len(ciphertext), size))
        return text(plaintext + stream.finish())


OPS: dict[str, Callable[[Fields], Any]] = {
    "state.get": state_get,
    "state.get-bulk": state_get_bulk,
    "state.save": state_save,
    "state.delete": state_delete,
    "state.transact": state_transact,
    "state.query": state_query,
    "pubsub.publish": pubsub_publish,
    "pubsub.bulk-publish": pubsub_bulk_publish,
    "invoke.invoke-method": invoke_method,
    "bindings.invoke": bindings_invoke,
    "secrets.get": secrets_get,
    "secrets.get-bulk": secrets_get_bulk,
    "configuration.get": configuration_get,
    "configuration.subscribe": configuration_subscribe,
    "configuration.unsubscribe": configuration_unsubscribe,
    "lock.try-lock": lock_try_lock,
    "lock.unlock": lock_unlock,
    "metadata.get": metadata_get,
    "jobs.schedule": jobs_schedule,
    "jobs.get": jobs_get,
    "jobs.delete": jobs_delete,
    "conversation.converse": conversation_converse,
    "crypto.encrypt": crypto_encrypt,
    "crypto.decrypt": crypto_decrypt,
    "crypto.encrypt-stream": crypto_encrypt_stream,
    "crypto.decrypt-stream": crypto_decrypt_stream,
    "actors.invoke": actors_invoke,
    "actors.get-state": actors_get_state,
    "actors.transact-state": actors_transact_state,
    "actors.register-reminder": actors_register_reminder,
    "actors.get-reminder": actors_get_reminder,
    "actors.unregister-reminder": actors_unregister_reminder,
    "actors.register-timer": actors_register_timer,
    "actors.unregister-timer": actors_unregister_timer,
}
"""Every op of the step protocol, by name."""
