//! `execute`: one scenario step, `{"op": "<interface>.<function>", "args":
//! {...}}`, answered `{"ok": ...}` or `{"err": {"<case>": "<message>"}}`.

use dapr_guest::RuntimeError;
use dapr_guest::wit::dapr::runtime::{
    actors, bindings, configuration, conversation, crypto, invoke, jobs, lock, metadata, pubsub,
    secrets, state,
};
use serde_json::{Value, json};

use crate::codec::{self, Decoded, Fields, Invalid, each};

/// Why a step produced no value.
enum Failure {
    /// The step could not be decoded.
    Invalid(Invalid),
    /// The runtime answered with an error.
    Runtime(RuntimeError),
}

impl From<Invalid> for Failure {
    fn from(e: Invalid) -> Self {
        Failure::Invalid(e)
    }
}

impl From<RuntimeError> for Failure {
    fn from(e: RuntimeError) -> Self {
        Failure::Runtime(e)
    }
}

/// Executes one step given as JSON and answers as JSON; never panics on bad
/// input.
pub fn execute(step: &str) -> String {
    let answer = match run(step) {
        Ok(value) => json!({ "ok": value }),
        Err(Failure::Runtime(e)) => json!({ "err": codec::error(&e) }),
        Err(Failure::Invalid(Invalid(message))) => {
            json!({ "err": { "invalid-argument": format!("runner: {message}") } })
        }
    };
    answer.to_string()
}

fn run(step: &str) -> Result<Value, Failure> {
    let step: Value =
        serde_json::from_str(step).map_err(|e| Invalid(format!("the step is not JSON: {e}")))?;
    let step = Fields::of(Some(&step), "step")?;
    let op = step.string("op")?;
    let args = step.object("args")?;
    match op.as_str() {
        "state.get" => state_get(args),
        "state.get-bulk" => state_get_bulk(args),
        "state.save" => state_save(args),
        "state.delete" => state_delete(args),
        "state.transact" => state_transact(args),
        "state.query" => state_query(args),
        "pubsub.publish" => pubsub_publish(args),
        "pubsub.bulk-publish" => pubsub_bulk_publish(args),
        "invoke.invoke-method" => invoke_method(args),
        "bindings.invoke" => bindings_invoke(args),
        "secrets.get" => secrets_get(args),
        "secrets.get-bulk" => secrets_get_bulk(args),
        "configuration.get" => configuration_get(args),
        "configuration.subscribe" => configuration_subscribe(args),
        "configuration.unsubscribe" => configuration_unsubscribe(args),
        "lock.try-lock" => lock_try_lock(args),
        "lock.unlock" => lock_unlock(args),
        "metadata.get" => metadata_get(),
        "jobs.schedule" => jobs_schedule(args),
        "jobs.get" => jobs_get(args),
        "jobs.delete" => jobs_delete(args),
        "conversation.converse" => conversation_converse(args),
        "crypto.encrypt" => crypto_encrypt(args),
        "crypto.decrypt" => crypto_decrypt(args),
        "crypto.encrypt-stream" => crypto_encrypt_stream(args),
        "crypto.decrypt-stream" => crypto_decrypt_stream(args),
        "actors.invoke" => actors_invoke(args),
        "actors.get-state" => actors_get_state(args),
        "actors.transact-state" => actors_transact_state(args),
        "actors.register-reminder" => actors_register_reminder(args),
        "actors.get-reminder" => actors_get_reminder(args),
        "actors.unregister-reminder" => actors_unregister_reminder(args),
        "actors.register-timer" => actors_register_timer(args),
        "actors.unregister-timer" => actors_unregister_timer(args),
        "" => Err(Invalid("the step has no `op`".into()).into()),
        other => Err(Invalid(format!("unknown op `{other}`")).into()),
    }
}

// ---- state ----

fn state_get(args: Fields) -> Result<Value, Failure> {
    let value = state::get(
        &args.string("store")?,
        &args.string("key")?,
        args.consistency("consistency")?,
        &args.pairs("metadata")?,
    )?;
    Ok(value.as_ref().map_or(Value::Null, state_value))
}

fn state_get_bulk(args: Fields) -> Result<Value, Failure> {
    let values = state::get_bulk(
        &args.string("store")?,
        &args.strings("keys")?,
        &args.pairs("metadata")?,
    )?;
    Ok(values
        .iter()
        .map(|v| {
            let value = codec::result(&v.value, |value| {
                value.as_ref().map_or(Value::Null, state_value)
            });
            json!({ "key": v.key, "value": value })
        })
        .collect())
}

fn state_save(args: Fields) -> Result<Value, Failure> {
    let items = each(args.array("items")?, "items[]", save_item)?;
    state::save(&args.string("store")?, &items)?;
    Ok(Value::Null)
}

fn state_delete(args: Fields) -> Result<Value, Failure> {
    state::delete(&args.string("store")?, &delete_item(args.object("item")?)?)?;
    Ok(Value::Null)
}

fn state_transact(args: Fields) -> Result<Value, Failure> {
    let operations = each(args.array("operations")?, "operations[]", operation)?;
    state::transact(
        &args.string("store")?,
        &operations,
        &args.pairs("metadata")?,
    )?;
    Ok(Value::Null)
}

fn state_query(args: Fields) -> Result<Value, Failure> {
    let response = state::query(
        &args.string("store")?,
        &args.string("query")?,
        &args.pairs("metadata")?,
    )?;
    let results: Value = response
        .results
        .iter()
        .map(|item| json!({ "key": item.key, "data": codec::data(&item.data), "etag": item.etag }))
        .collect();
    Ok(json!({
        "results": results,
        "token": response.token,
        "metadata": codec::pairs(&response.metadata),
    }))
}

fn state_value(value: &state::Value) -> Value {
    json!({
        "data": codec::data(&value.data),
        "etag": value.etag,
        "metadata": codec::pairs(&value.metadata),
    })
}

fn save_item(item: Fields) -> Decoded<state::SaveItem> {
    Ok(state::SaveItem {
        key: item.string("key")?,
        data: item.data("data")?,
        etag: item.opt_string("etag")?,
        options: item.options("options")?,
        metadata: item.pairs("metadata")?,
    })
}

fn delete_item(item: Fields) -> Decoded<state::DeleteItem> {
    Ok(state::DeleteItem {
        key: item.string("key")?,
        etag: item.opt_string("etag")?,
        options: item.options("options")?,
        metadata: item.pairs("metadata")?,
    })
}

/// `{"upsert": save-item}` or `{"delete": delete-item}`.
fn operation(op: Fields) -> Decoded<state::Operation> {
    match op.variant()? {
        ("upsert", item) => Ok(state::Operation::Upsert(save_item(item)?)),
        ("delete", item) => Ok(state::Operation::Delete(delete_item(item)?)),
        (other, _) => Err(Invalid(format!(
            "unknown operation `{other}`, expected upsert or delete"
        ))),
    }
}

// ---- pubsub ----

fn pubsub_publish(args: Fields) -> Result<Value, Failure> {
    pubsub::publish(
        &args.string("pubsub")?,
        &args.string("topic")?,
        &args.data("data")?,
        args.opt_string("content-type")?.as_deref(),
        &args.pairs("metadata")?,
    )?;
    Ok(Value::Null)
}

fn pubsub_bulk_publish(args: Fields) -> Result<Value, Failure> {
    let messages = each(args.array("messages")?, "messages[]", |m| {
        Ok(pubsub::BulkMessage {
            entry_id: m.string("entry-id")?,
            data: m.data("data")?,
            content_type: m.string("content-type")?,
            metadata: m.pairs("metadata")?,
        })
    })?;
    let failures = pubsub::bulk_publish(
        &args.string("pubsub")?,
        &args.string("topic")?,
        &messages,
        &args.pairs("metadata")?,
    )?;
    Ok(failures
        .iter()
        .map(|f| json!({ "entry-id": f.entry_id, "error": codec::error(&f.error) }))
        .collect())
}

// ---- invoke, bindings ----

fn invoke_method(args: Fields) -> Result<Value, Failure> {
    let request = args.object("request")?;
    let request = invoke::Request {
        method: request.string("method")?,
        verb: request.verb("verb")?,
        query: request.pairs("query")?,
        headers: request.pairs("headers")?,
        content_type: request.opt_string("content-type")?,
        data: request.data("data")?,
    };
    let response = invoke::invoke_method(&args.string("app-id")?, &request)?;
    Ok(json!({
        "status": response.status,
        "headers": codec::pairs(&response.headers),
        "content-type": response.content_type,
        "data": codec::data(&response.data),
    }))
}

fn bindings_invoke(args: Fields) -> Result<Value, Failure> {
    let response = bindings::invoke(
        &args.string("name")?,
        &args.string("operation")?,
        &args.data("data")?,
        &args.pairs("metadata")?,
    )?;
    Ok(json!({ "data": codec::data(&response.data), "metadata": codec::pairs(&response.metadata) }))
}

// ---- secrets, configuration ----

fn secrets_get(args: Fields) -> Result<Value, Failure> {
    let secret = secrets::get(
        &args.string("store")?,
        &args.string("key")?,
        &args.pairs("metadata")?,
    )?;
    Ok(codec::pairs(&secret))
}

fn secrets_get_bulk(args: Fields) -> Result<Value, Failure> {
    let all = secrets::get_bulk(&args.string("store")?, &args.pairs("metadata")?)?;
    Ok(all
        .iter()
        .map(|(key, secret)| json!([key, codec::pairs(secret)]))
        .collect())
}

fn configuration_get(args: Fields) -> Result<Value, Failure> {
    let items = configuration::get(
        &args.string("store")?,
        &args.strings("keys")?,
        &args.pairs("metadata")?,
    )?;
    Ok(items
        .iter()
        .map(|item| {
            json!({
                "key": item.key,
                "value": item.value,
                "version": item.version,
                "metadata": codec::pairs(&item.metadata),
            })
        })
        .collect())
}

fn configuration_subscribe(args: Fields) -> Result<Value, Failure> {
    let id = configuration::subscribe(
        &args.string("store")?,
        &args.strings("keys")?,
        &args.pairs("metadata")?,
    )?;
    Ok(id.into())
}

fn configuration_unsubscribe(args: Fields) -> Result<Value, Failure> {
    configuration::unsubscribe(&args.string("store")?, &args.string("id")?)?;
    Ok(Value::Null)
}

// ---- lock, metadata ----

fn lock_try_lock(args: Fields) -> Result<Value, Failure> {
    let taken = lock::try_lock(
        &args.string("store")?,
        &args.string("resource-id")?,
        &args.string("owner")?,
        args.u32("expiry-in-seconds")?,
    )?;
    Ok(taken.into())
}

fn lock_unlock(args: Fields) -> Result<Value, Failure> {
    let status = lock::unlock(
        &args.string("store")?,
        &args.string("resource-id")?,
        &args.string("owner")?,
    )?;
    Ok(codec::unlock_status(status))
}

fn metadata_get() -> Result<Value, Failure> {
    let meta = metadata::get()?;
    let components: Value = meta
        .components
        .iter()
        .map(
            |c| json!({ "name": c.name, "component-type": c.component_type, "version": c.version }),
        )
        .collect();
    Ok(json!({ "app-id": meta.app_id, "runtime": meta.runtime, "components": components }))
}

// ---- jobs ----

fn jobs_schedule(args: Fields) -> Result<Value, Failure> {
    let job = args.object("job")?;
    let failure_policy = match args.object("job")?.object("failure-policy")? {
        policy if policy.is_null() => None,
        policy => Some(match policy.variant()? {
            ("drop", _) => jobs::FailurePolicy::Drop,
            ("constant", retry) => jobs::FailurePolicy::Constant(jobs::ConstantRetry {
                interval_ms: retry.u64("interval-ms")?,
                max_retries: retry.opt_u32("max-retries")?,
            }),
            (other, _) => return Err(Invalid(format!("unknown failure policy `{other}`")).into()),
        }),
    };
    let job = jobs::Job {
        name: job.string("name")?,
        schedule: job.opt_string("schedule")?,
        due_time: job.opt_string("due-time")?,
        repeats: job.opt_u32("repeats")?,
        ttl: job.opt_string("ttl")?,
        data: job.data("data")?,
        failure_policy,
    };
    jobs::schedule(&job, args.bool("overwrite")?)?;
    Ok(Value::Null)
}

fn jobs_get(args: Fields) -> Result<Value, Failure> {
    let job = jobs::get(&args.string("name")?)?;
    Ok(job.map_or(Value::Null, |job| {
        let failure_policy = match job.failure_policy {
            None => Value::Null,
            Some(jobs::FailurePolicy::Drop) => json!({ "drop": null }),
            Some(jobs::FailurePolicy::Constant(retry)) => json!({
                "constant": { "interval-ms": retry.interval_ms, "max-retries": retry.max_retries }
            }),
        };
        json!({
            "name": job.name,
            "schedule": job.schedule,
            "due-time": job.due_time,
            "repeats": job.repeats,
            "ttl": job.ttl,
            "data": codec::data(&job.data),
            "failure-policy": failure_policy,
        })
    }))
}

fn jobs_delete(args: Fields) -> Result<Value, Failure> {
    jobs::delete(&args.string("name")?)?;
    Ok(Value::Null)
}

// ---- actors ----

/// `actor`: `{actor-type, id}`.
fn actor_ref(args: &Fields) -> Result<actors::ActorRef, Failure> {
    let actor = args.object("actor")?;
    Ok(actors::ActorRef {
        actor_type: actor.string("actor-type")?,
        id: actor.string("id")?,
    })
}

fn actors_invoke(args: Fields) -> Result<Value, Failure> {
    let answer = actors::invoke(
        &actor_ref(&args)?,
        &args.string("method")?,
        &args.data("data")?,
    )?;
    Ok(codec::data(&answer))
}

fn actors_get_state(args: Fields) -> Result<Value, Failure> {
    let value = actors::get_state(&actor_ref(&args)?, &args.string("key")?)?;
    Ok(value.map_or(Value::Null, |v| codec::data(&v)))
}

fn actors_transact_state(args: Fields) -> Result<Value, Failure> {
    let operations = args
        .array("operations")?
        .iter()
        .map(|operation| match operation.get("delete") {
            Some(Value::String(key)) => Ok(actors::ActorStateOperation::Delete(key.clone())),
            _ => match Fields::of(Some(operation), "operations[]")?.variant()? {
                ("upsert", upsert) => Ok(actors::ActorStateOperation::Upsert(
                    actors::ActorStateUpsert {
                        key: upsert.string("key")?,
                        value: upsert.data("value")?,
                        ttl_seconds: upsert.opt_u32("ttl-seconds")?,
                    },
                )),
                (other, _) => Err(Invalid(format!("unknown actor state operation `{other}`"))),
            },
        })
        .collect::<Result<Vec<_>, Invalid>>()?;
    actors::transact_state(&actor_ref(&args)?, &operations)?;
    Ok(Value::Null)
}

fn actors_register_reminder(args: Fields) -> Result<Value, Failure> {
    let reminder = args.object("reminder")?;
    let reminder = actors::Reminder {
        name: reminder.string("name")?,
        due_time: reminder.string("due-time")?,
        period: reminder.opt_string("period")?,
        ttl: reminder.opt_string("ttl")?,
        data: reminder.data("data")?,
    };
    actors::register_reminder(&actor_ref(&args)?, &reminder)?;
    Ok(Value::Null)
}

fn actors_get_reminder(args: Fields) -> Result<Value, Failure> {
    let reminder = actors::get_reminder(&actor_ref(&args)?, &args.string("name")?)?;
    Ok(reminder.map_or(Value::Null, |r| {
        json!({
            "name": r.name,
            "due-time": r.due_time,
            "period": r.period,
            "ttl": r.ttl,
            "data": codec::data(&r.data),
        })
    }))
}

fn actors_unregister_reminder(args: Fields) -> Result<Value, Failure> {
    actors::unregister_reminder(&actor_ref(&args)?, &args.string("name")?)?;
    Ok(Value::Null)
}

fn actors_register_timer(args: Fields) -> Result<Value, Failure> {
    let timer = args.object("timer")?;
    let timer = actors::Timer {
        name: timer.string("name")?,
        due_time: timer.string("due-time")?,
        period: timer.opt_string("period")?,
        ttl: timer.opt_string("ttl")?,
        callback: timer.opt_string("callback")?,
        data: timer.data("data")?,
    };
    actors::register_timer(&actor_ref(&args)?, &timer)?;
    Ok(Value::Null)
}

fn actors_unregister_timer(args: Fields) -> Result<Value, Failure> {
    actors::unregister_timer(&actor_ref(&args)?, &args.string("name")?)?;
    Ok(Value::Null)
}

// ---- crypto ----

const CIPHERS: &[(&str, crypto::DataCipher)] = &[
    ("aes-gcm", crypto::DataCipher::AesGcm),
    ("chacha20-poly1305", crypto::DataCipher::Chacha20Poly1305),
];

fn encrypt_options(args: &Fields) -> Decoded<crypto::EncryptOptions> {
    let options = args.object("options")?;
    let cipher = match options.opt_string("data-encryption-cipher")? {
        None => None,
        Some(_) => Some(options.case(
            "data-encryption-cipher",
            CIPHERS,
            crypto::DataCipher::AesGcm,
        )?),
    };
    Ok(crypto::EncryptOptions {
        component: options.string("component")?,
        key_name: options.string("key-name")?,
        key_wrap_algorithm: options.string("key-wrap-algorithm")?,
        data_encryption_cipher: cipher,
        omit_decryption_key_name: options.bool("omit-decryption-key-name")?,
        decryption_key_name: options.opt_string("decryption-key-name")?,
    })
}

fn decrypt_options(args: &Fields) -> Decoded<crypto::DecryptOptions> {
    let options = args.object("options")?;
    Ok(crypto::DecryptOptions {
        component: options.string("component")?,
        key_name: options.opt_string("key-name")?,
    })
}

fn crypto_encrypt(args: Fields) -> Result<Value, Failure> {
    let ciphertext = crypto::encrypt(&encrypt_options(&args)?, &args.data("plaintext")?)?;
    Ok(codec::hex(&ciphertext).into())
}

fn crypto_decrypt(args: Fields) -> Result<Value, Failure> {
    let ciphertext = args.hex("ciphertext")?;
    Ok(codec::data(&crypto::decrypt(
        &decrypt_options(&args)?,
        &ciphertext,
    )?))
}

fn crypto_encrypt_stream(args: Fields) -> Result<Value, Failure> {
    let stream = crypto::encrypt_stream(&encrypt_options(&args)?)?;
    let mut ciphertext = Vec::new();
    for chunk in args.strings("chunks")? {
        ciphertext.extend(stream.write(chunk.as_bytes())?);
    }
    ciphertext.extend(stream.finish()?);
    Ok(codec::hex(&ciphertext).into())
}

fn crypto_decrypt_stream(args: Fields) -> Result<Value, Failure> {
    let ciphertext = args.hex("ciphertext")?;
    let chunk_size = args.u32("chunk-size")?.max(1) as usize;
    let stream = crypto::decrypt_stream(&decrypt_options(&args)?)?;
    let mut plaintext = Vec::new();
    for chunk in ciphertext.chunks(chunk_size) {
        plaintext.extend(stream.write(chunk)?);
    }
    plaintext.extend(stream.finish()?);
    Ok(codec::data(&plaintext))
}

// ---- conversation ----

fn conversation_converse(args: Fields) -> Result<Value, Failure> {
    use conversation::{AssistantMessage, Input, Message, TextMessage, ToolMessage};
    let request = args.object("request")?;
    let text = |fields: Fields| -> Result<TextMessage, Failure> {
        Ok(TextMessage {
            name: fields.opt_string("name")?,
            content: fields.strings("content")?,
        })
    };
    let message = |fields: Fields| -> Result<Message, Failure> {
        Ok(match fields.variant()? {
            ("developer", m) => Message::Developer(text(m)?),
            ("system", m) => Message::System(text(m)?),
            ("user", m) => Message::User(text(m)?),
            ("assistant", m) => Message::Assistant(AssistantMessage {
                name: m.opt_string("name")?,
                content: m.strings("content")?,
                tool_calls: each(m.array("tool-calls")?, "tool-calls[]", tool_call)?,
            }),
            ("tool", m) => Message::Tool(ToolMessage {
                tool_id: m.opt_string("tool-id")?,
                name: m.string("name")?,
                content: m.strings("content")?,
            }),
            (other, _) => return Err(Invalid(format!("unknown message role `{other}`")).into()),
        })
    };
    let mut inputs = Vec::new();
    for input in request.array("inputs")? {
        let input = Fields::of(Some(input), "inputs[]")?;
        let mut messages = Vec::new();
        for m in input.array("messages")? {
            messages.push(message(Fields::of(Some(m), "messages[]")?)?);
        }
        inputs.push(Input {
            messages,
            scrub_pii: input.bool("scrub-pii")?,
        });
    }
    let tools = each(request.array("tools")?, "tools[]", |t| {
        Ok(conversation::ToolFunction {
            name: t.string("name")?,
            description: t.opt_string("description")?,
            parameters: t.opt_string("parameters")?,
        })
    })?;
    let response = conversation::converse(
        &args.string("component")?,
        &conversation::Request {
            inputs,
            context_id: request.opt_string("context-id")?,
            temperature: request.opt_f64("temperature")?,
            tools,
            tool_choice: request.opt_string("tool-choice")?,
            response_format: request.opt_string("response-format")?,
            scrub_pii: request.bool("scrub-pii")?,
            metadata: request.pairs("metadata")?,
        },
    )?;
    let calls = |calls: &[conversation::ToolCall]| -> Value {
        calls
            .iter()
            .map(|c| json!({ "id": c.id, "name": c.name, "arguments": c.arguments }))
            .collect()
    };
    let outputs: Value = response
        .outputs
        .iter()
        .map(|o| {
            let choices: Value = o
                .choices
                .iter()
                .map(|c| {
                    json!({
                        "finish-reason": c.finish_reason,
                        "index": c.index,
                        "content": c.content,
                        "tool-calls": calls(&c.tool_calls),
                    })
                })
                .collect();
            let usage = o.usage.map(|u| {
                json!({
                    "completion-tokens": u.completion_tokens,
                    "prompt-tokens": u.prompt_tokens,
                    "total-tokens": u.total_tokens,
                })
            });
            json!({ "choices": choices, "model": o.model, "usage": usage })
        })
        .collect();
    Ok(json!({ "context-id": response.context_id, "outputs": outputs }))
}

fn tool_call(fields: Fields) -> Decoded<conversation::ToolCall> {
    Ok(conversation::ToolCall {
        id: fields.opt_string("id")?,
        name: fields.string("name")?,
        arguments: fields.string("arguments")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(step: &str) -> Value {
        serde_json::from_str(&execute(step)).expect("answers are JSON")
    }

    fn runner_error(step: &str) -> String {
        let answer = answer(step);
        let message = answer["err"]["invalid-argument"]
            .as_str()
            .unwrap_or_else(|| panic!("{answer}"));
        assert!(message.starts_with("runner: "), "{message}");
        message.to_owned()
    }

    #[test]
    fn undecodable_steps_are_invalid_arguments() {
        runner_error("not json");
        runner_error("[1, 2]");
        runner_error(r#"{"args": {}}"#);
        assert!(runner_error(r#"{"op": "state.nope"}"#).contains("state.nope"));
        runner_error(r#"{"op": "state.get", "args": []}"#);
        runner_error(r#"{"op": "state.get", "args": {"key": 7}}"#);
        runner_error(r#"{"op": "state.get", "args": {"consistency": "sometimes"}}"#);
        runner_error(r#"{"op": "state.save", "args": {"items": [{"data": {}}]}}"#);
        runner_error(
            r#"{"op": "state.transact", "args": {"operations": [{"upsert": {}, "delete": {}}]}}"#,
        );
        runner_error(r#"{"op": "state.transact", "args": {"operations": [{"merge": {}}]}}"#);
        runner_error(r#"{"op": "lock.try-lock", "args": {"expiry-in-seconds": -1}}"#);
        runner_error(r#"{"op": "invoke.invoke-method", "args": {"request": {"verb": "GET"}}}"#);
        runner_error(r#"{"op": "pubsub.publish", "args": {"metadata": [["a"]]}}"#);
        runner_error(r#"{"op": "jobs.schedule", "args": {"job": {"repeats": "2"}}}"#);
        runner_error(
            r#"{"op": "conversation.converse", "args": {"request": {"inputs": [{"messages": [{"robot": {}}]}]}}}"#,
        );
        runner_error(
            r#"{"op": "jobs.schedule", "args": {"job": {"failure-policy": {"sometimes": {}}}}}"#,
        );
    }
}
