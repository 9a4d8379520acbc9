//! What the WASI conformance runners share: the step protocol of
//! `tests/conformance/README.md` for the `keyvalue.*` and `config.*` ops,
//! over the [`KeyValue`] and [`Config`] traits. Each runner implements
//! them for the variants it imports with this crate's macros
//! ([`keyvalue_draft!`], [`keyvalue_draft2!`], [`config!`]), which expand
//! in the runner against its own generated `wasi` bindings.

use serde_json::{Map, Value, json};

/// The three cases of every `wasi:keyvalue` variant's `error`.
#[derive(Debug)]
pub enum KvError {
    /// `no-such-store`.
    NoSuchStore,
    /// `access-denied`.
    AccessDenied,
    /// `other(message)`.
    Other(String),
}

/// What a compare-and-swap step saw.
pub struct CasOutcome {
    /// The value the first handle read.
    pub current: Option<Vec<u8>>,
    /// Whether the first swap succeeded.
    pub swapped: bool,
    /// After a failed swap: the value the fresh handle read (the retry
    /// with it then succeeded).
    pub latest: Option<Vec<u8>>,
}

/// `wasi:keyvalue` as the steps use it: every call opens `bucket` first.
pub trait KeyValue {
    /// `store.open`, then drops the bucket.
    fn open(bucket: &str) -> Result<(), KvError>;
    /// `bucket.get`.
    fn get(bucket: &str, key: &str) -> Result<Option<Vec<u8>>, KvError>;
    /// `bucket.set`.
    fn set(bucket: &str, key: &str, value: &[u8]) -> Result<(), KvError>;
    /// `bucket.delete`.
    fn delete(bucket: &str, key: &str) -> Result<(), KvError>;
    /// `bucket.exists`.
    fn exists(bucket: &str, key: &str) -> Result<bool, KvError>;
    /// `bucket.list-keys`, with the cursor as text.
    fn list_keys(
        bucket: &str,
        cursor: Option<String>,
    ) -> Result<(Vec<String>, Option<String>), KvError>;
    /// `atomics.increment`.
    fn increment(bucket: &str, key: &str, delta: i64) -> Result<i64, KvError>;
    /// `batch.get-many`, as `(key, value if present)` per requested key.
    fn get_many(bucket: &str, keys: &[String]) -> Result<Vec<(String, Option<Vec<u8>>)>, KvError>;
    /// `batch.set-many`.
    fn set_many(bucket: &str, entries: Vec<(String, Vec<u8>)>) -> Result<(), KvError>;
    /// `batch.delete-many`.
    fn delete_many(bucket: &str, keys: &[String]) -> Result<(), KvError>;
    /// A compare-and-swap of `key` to `value`; `interfere` is written to the
    /// key between reading and swapping. Only `0.2.0-draft2` has CAS.
    fn cas(
        bucket: &str,
        key: &str,
        value: &[u8],
        interfere: Option<&[u8]>,
    ) -> Result<CasOutcome, KvError> {
        let _ = (bucket, key, value, interfere);
        Err(KvError::Other(
            "runner: this variant has no compare-and-swap".into(),
        ))
    }
}

/// `wasi:config/store`, whose variants all have this shape.
pub trait Config {
    /// `store.get`; `Err` carries the error case and message.
    fn get(key: &str) -> Result<Option<String>, (String, String)>;
    /// `store.get-all`.
    fn get_all() -> Result<Vec<(String, String)>, (String, String)>;
}

/// Executes one step and answers `{"ok": ...}` or `{"err": {case: message}}`.
pub fn execute<R: KeyValue + Config>(step: &str) -> String {
    let answer = match serde_json::from_str::<Value>(step) {
        Ok(step) => run::<R>(&step).unwrap_or_else(|e| e),
        Err(e) => invalid(format!("runner: the step is not JSON: {e}")),
    };
    answer.to_string()
}

fn invalid(message: String) -> Value {
    json!({"err": {"invalid-argument": message}})
}

fn kv_err(err: KvError) -> Value {
    match err {
        KvError::NoSuchStore => json!({"err": {"no-such-store": ""}}),
        KvError::AccessDenied => json!({"err": {"access-denied": ""}}),
        KvError::Other(message) => json!({"err": {"other": message}}),
    }
}

fn text(bytes: &[u8]) -> Value {
    Value::String(String::from_utf8_lossy(bytes).into_owned())
}

fn optional(bytes: Option<Vec<u8>>) -> Value {
    bytes.as_deref().map_or(Value::Null, text)
}

fn run<R: KeyValue + Config>(step: &Value) -> Result<Value, Value> {
    let op = step["op"].as_str().unwrap_or_default();
    let args = &step["args"];
    let arg = |name: &str| -> Result<&str, Value> {
        args[name]
            .as_str()
            .ok_or_else(|| invalid(format!("runner: `{op}` needs a string `{name}`")))
    };
    let strings = |name: &str| -> Result<Vec<String>, Value> {
        args[name]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .ok_or_else(|| invalid(format!("runner: `{op}` needs a list `{name}`")))
    };
    let ok = |value: Value| Ok(json!({ "ok": value }));
    match op {
        "keyvalue.open" => R::open(arg("bucket")?).map_err(kv_err)?,
        "keyvalue.get" => {
            return ok(optional(
                <R as KeyValue>::get(arg("bucket")?, arg("key")?).map_err(kv_err)?,
            ));
        }
        "keyvalue.set" => {
            R::set(arg("bucket")?, arg("key")?, arg("value")?.as_bytes()).map_err(kv_err)?
        }
        "keyvalue.delete" => R::delete(arg("bucket")?, arg("key")?).map_err(kv_err)?,
        "keyvalue.exists" => {
            return ok(R::exists(arg("bucket")?, arg("key")?)
                .map_err(kv_err)?
                .into());
        }
        "keyvalue.list-keys" => {
            let cursor = args["cursor"].as_str().map(String::from);
            let (keys, cursor) = R::list_keys(arg("bucket")?, cursor).map_err(kv_err)?;
            return ok(json!({"keys": keys, "cursor": cursor}));
        }
        "keyvalue.list-all-keys" => {
            let bucket = arg("bucket")?;
            let (mut all, mut cursor) = R::list_keys(bucket, None).map_err(kv_err)?;
            let mut pages = 1;
            while let Some(next) = cursor {
                let (keys, after) = R::list_keys(bucket, Some(next)).map_err(kv_err)?;
                all.extend(keys);
                cursor = after;
                pages += 1;
            }
            return ok(json!({"keys": all, "pages": pages}));
        }
        "keyvalue.increment" => {
            let delta = args["delta"].as_i64().ok_or_else(|| {
                invalid("runner: `keyvalue.increment` needs an integer `delta`".into())
            })?;
            return ok(R::increment(arg("bucket")?, arg("key")?, delta)
                .map_err(kv_err)?
                .into());
        }
        "keyvalue.get-many" => {
            let values = R::get_many(arg("bucket")?, &strings("keys")?).map_err(kv_err)?;
            let pairs: Vec<Value> = values
                .into_iter()
                .map(|(k, v)| json!([k, optional(v)]))
                .collect();
            return ok(pairs.into());
        }
        "keyvalue.set-many" => {
            let entries = args["entries"]
                .as_array()
                .ok_or_else(|| invalid("runner: `keyvalue.set-many` needs `entries`".into()))?
                .iter()
                .filter_map(|pair| {
                    Some((
                        pair[0].as_str()?.to_string(),
                        pair[1].as_str()?.as_bytes().to_vec(),
                    ))
                })
                .collect();
            R::set_many(arg("bucket")?, entries).map_err(kv_err)?
        }
        "keyvalue.delete-many" => {
            R::delete_many(arg("bucket")?, &strings("keys")?).map_err(kv_err)?
        }
        "keyvalue.cas" => {
            let interfere = args["interfere"].as_str().map(str::as_bytes);
            let outcome = R::cas(
                arg("bucket")?,
                arg("key")?,
                arg("value")?.as_bytes(),
                interfere,
            )
            .map_err(kv_err)?;
            return ok(json!({
                "current": optional(outcome.current),
                "swapped": outcome.swapped,
                "latest": optional(outcome.latest),
            }));
        }
        "config.get" => {
            let value = <R as Config>::get(arg("key")?).map_err(config_err)?;
            return ok(value.map_or(Value::Null, Value::String));
        }
        "config.get-all" => {
            let all: Map<String, Value> = R::get_all()
                .map_err(config_err)?
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            return ok(all.into());
        }
        other => return Err(invalid(format!("runner: unknown op `{other}`"))),
    }
    ok(Value::Null)
}

fn config_err((case, message): (String, String)) -> Value {
    json!({"err": { case: message }})
}

/// Implements [`KeyValue`] for `$runner` on `wasi:keyvalue@0.2.0-draft`
/// (the runner's bindings at `wasi::keyvalue`).
#[macro_export]
macro_rules! keyvalue_draft {
    ($runner:ty) => {
        $crate::keyvalue_common!($runner;);

        impl $runner {
            fn list_page(
                bucket: &variant::keyvalue::store::Bucket,
                cursor: Option<String>,
            ) -> Result<(Vec<String>, Option<String>), $crate::KvError> {
                let cursor = cursor
                    .map(|c| {
                        c.parse()
                            .map_err(|_| $crate::KvError::Other(format!("runner: cursor {c:?}")))
                    })
                    .transpose()?;
                let page = bucket.list_keys(cursor).map_err(Self::kv)?;
                Ok((page.keys, page.cursor.map(|c| c.to_string())))
            }

            fn increment_by(
                bucket: &variant::keyvalue::store::Bucket,
                key: &str,
                delta: i64,
            ) -> Result<i64, $crate::KvError> {
                let delta = u64::try_from(delta).map_err(|_| {
                    $crate::KvError::Other("runner: this variant only adds unsigned deltas".into())
                })?;
                let sum = variant::keyvalue::atomics::increment(bucket, key, delta).map_err(Self::kv)?;
                i64::try_from(sum).map_err(|e| $crate::KvError::Other(e.to_string()))
            }

            fn many(
                keys: &[String],
                values: Vec<Option<(String, Vec<u8>)>>,
            ) -> Vec<(String, Option<Vec<u8>>)> {
                keys.iter()
                    .cloned()
                    .zip(values)
                    .map(|(key, entry)| (key, entry.map(|(_, v)| v)))
                    .collect()
            }
        }
    };
}

/// Implements [`KeyValue`] for `$runner` on `wasi:keyvalue@0.2.0-draft2`
/// (the runner's bindings at `wasi::keyvalue`), compare-and-swap included.
#[macro_export]
macro_rules! keyvalue_draft2 {
    ($runner:ty) => {
        $crate::keyvalue_common!($runner; fn cas(
            bucket: &str,
            key: &str,
            value: &[u8],
            interfere: Option<&[u8]>,
        ) -> Result<$crate::CasOutcome, $crate::KvError> {
            use variant::keyvalue::atomics::{Cas, CasError, swap};
            let open = Self::bucket(bucket)?;
            let cas = Cas::new(&open, key).map_err(Self::kv)?;
            let current = cas.current().map_err(Self::kv)?;
            if let Some(other) = interfere {
                Self::bucket(bucket)?.set(key, other).map_err(Self::kv)?;
            }
            match swap(cas, value) {
                Ok(()) => Ok($crate::CasOutcome { current, swapped: true, latest: None }),
                Err(CasError::StoreError(e)) => Err(Self::kv(e)),
                Err(CasError::CasFailed(fresh)) => {
                    let latest = fresh.current().map_err(Self::kv)?;
                    swap(fresh, value).map_err(|e| match e {
                        CasError::StoreError(e) => Self::kv(e),
                        CasError::CasFailed(_) => $crate::KvError::Other("runner: the retry failed too".into()),
                    })?;
                    Ok($crate::CasOutcome { current, swapped: false, latest })
                }
            }
        });

        impl $runner {
            fn list_page(
                bucket: &variant::keyvalue::store::Bucket,
                cursor: Option<String>,
            ) -> Result<(Vec<String>, Option<String>), $crate::KvError> {
                let page = bucket.list_keys(cursor.as_deref()).map_err(Self::kv)?;
                Ok((page.keys, page.cursor))
            }

            fn increment_by(
                bucket: &variant::keyvalue::store::Bucket,
                key: &str,
                delta: i64,
            ) -> Result<i64, $crate::KvError> {
                variant::keyvalue::atomics::increment(bucket, key, delta).map_err(Self::kv)
            }

            fn many(
                _: &[String],
                values: Vec<(String, Option<Vec<u8>>)>,
            ) -> Vec<(String, Option<Vec<u8>>)> {
                values
            }
        }
    };
}

/// The parts of [`KeyValue`] every variant spells the same; `$extra` are
/// further trait items (draft2's `cas`). The variant macro supplies
/// `list_page`, `increment_by` and `many`.
#[doc(hidden)]
#[macro_export]
macro_rules! keyvalue_common {
    ($runner:ty; $($extra:tt)*) => {
        impl $runner {
            fn kv(err: variant::keyvalue::store::Error) -> $crate::KvError {
                use variant::keyvalue::store::Error;
                match err {
                    Error::NoSuchStore => $crate::KvError::NoSuchStore,
                    Error::AccessDenied => $crate::KvError::AccessDenied,
                    Error::Other(message) => $crate::KvError::Other(message),
                }
            }

            fn bucket(name: &str) -> Result<variant::keyvalue::store::Bucket, $crate::KvError> {
                variant::keyvalue::store::open(name).map_err(Self::kv)
            }
        }

        impl $crate::KeyValue for $runner {
            fn open(bucket: &str) -> Result<(), $crate::KvError> {
                Self::bucket(bucket).map(drop)
            }

            fn get(bucket: &str, key: &str) -> Result<Option<Vec<u8>>, $crate::KvError> {
                Self::bucket(bucket)?.get(key).map_err(Self::kv)
            }

            fn set(bucket: &str, key: &str, value: &[u8]) -> Result<(), $crate::KvError> {
                Self::bucket(bucket)?.set(key, value).map_err(Self::kv)
            }

            fn delete(bucket: &str, key: &str) -> Result<(), $crate::KvError> {
                Self::bucket(bucket)?.delete(key).map_err(Self::kv)
            }

            fn exists(bucket: &str, key: &str) -> Result<bool, $crate::KvError> {
                Self::bucket(bucket)?.exists(key).map_err(Self::kv)
            }

            fn list_keys(
                bucket: &str,
                cursor: Option<String>,
            ) -> Result<(Vec<String>, Option<String>), $crate::KvError> {
                Self::list_page(&Self::bucket(bucket)?, cursor)
            }

            fn increment(bucket: &str, key: &str, delta: i64) -> Result<i64, $crate::KvError> {
                Self::increment_by(&Self::bucket(bucket)?, key, delta)
            }

            fn get_many(
                bucket: &str,
                keys: &[String],
            ) -> Result<Vec<(String, Option<Vec<u8>>)>, $crate::KvError> {
                let values = variant::keyvalue::batch::get_many(&Self::bucket(bucket)?, keys)
                    .map_err(Self::kv)?;
                Ok(Self::many(keys, values))
            }

            fn set_many(bucket: &str, entries: Vec<(String, Vec<u8>)>) -> Result<(), $crate::KvError> {
                variant::keyvalue::batch::set_many(&Self::bucket(bucket)?, &entries).map_err(Self::kv)
            }

            fn delete_many(bucket: &str, keys: &[String]) -> Result<(), $crate::KvError> {
                variant::keyvalue::batch::delete_many(&Self::bucket(bucket)?, keys).map_err(Self::kv)
            }

            $($extra)*
        }
    };
}

/// Implements [`Config`] for `$runner` (the runner's bindings at
/// `variant::config::store`, any variant).
#[macro_export]
macro_rules! config {
    ($runner:ty) => {
        impl $runner {
            fn config_error(err: variant::config::store::Error) -> (String, String) {
                use variant::config::store::Error;
                match err {
                    Error::Upstream(message) => ("upstream".into(), message),
                    Error::Io(message) => ("io".into(), message),
                }
            }
        }

        impl $crate::Config for $runner {
            fn get(key: &str) -> Result<Option<String>, (String, String)> {
                variant::config::store::get(key).map_err(Self::config_error)
            }

            fn get_all() -> Result<Vec<(String, String)>, (String, String)> {
                variant::config::store::get_all().map_err(Self::config_error)
            }
        }
    };
}

/// The whole of a WASI runner component: bindings of world `$world` of
/// `tests/conformance/wit` (the runner crate's own `wit-bindgen`), its
/// variants' generated modules `$keyvalue` and `$config` under the names
/// the macros above use, [`KeyValue`] through `$kv_macro` and [`Config`],
/// and the `execute` export.
#[macro_export]
macro_rules! runner {
    ($world:literal, $kv_macro:ident, $keyvalue:ident, $config:ident) => {
        wit_bindgen::generate!({
            world: $world,
            path: ["../../../wit", "../../conformance/wit"],
            generate_all,
        });

        /// The variants this runner imports, under the names the shared
        /// macros use.
        mod variant {
            pub use super::wasi::$config as config;
            pub use super::wasi::$keyvalue as keyvalue;
        }

        /// The component.
        struct Runner;

        $crate::$kv_macro!(Runner);
        $crate::config!(Runner);

        impl Guest for Runner {
            fn execute(step: String) -> String {
                $crate::execute::<Runner>(&step)
            }
        }

        export!(Runner);
    };
}
