//! JSON encoding of WIT values, both ways, as the step protocol defines it.
//!
//! Decoding: every field may be omitted (or `null`) and then takes its
//! default; fields without a documented default take the empty value of
//! their type (`""`, `0`, `[]`). A present field of the wrong type is an
//! error. Payloads (`data`) are UTF-8 text; answers decode bytes lossily.

use std::borrow::Cow;

use dapr_guest::RuntimeError;
use dapr_guest::invoke::HttpVerb;
use dapr_guest::lock::UnlockStatus;
use dapr_guest::state::{Concurrency, Consistency, WriteOptions};
use serde_json::{Map, Value, json};

/// A step that cannot be decoded; answered as `invalid-argument`.
#[derive(Debug)]
pub struct Invalid(pub String);

/// The result of decoding.
pub type Decoded<T> = Result<T, Invalid>;

/// The names of HTTP verbs in JSON.
pub const VERBS: &[(&str, HttpVerb)] = &[
    ("get", HttpVerb::Get),
    ("head", HttpVerb::Head),
    ("post", HttpVerb::Post),
    ("put", HttpVerb::Put),
    ("delete", HttpVerb::Delete),
    ("patch", HttpVerb::Patch),
    ("options", HttpVerb::Options),
];
const CONSISTENCIES: &[(&str, Consistency)] = &[
    ("eventual", Consistency::Eventual),
    ("strong", Consistency::Strong),
];
const CONCURRENCIES: &[(&str, Concurrency)] = &[
    ("first-write", Concurrency::FirstWrite),
    ("last-write", Concurrency::LastWrite),
];
const UNLOCK_STATUSES: &[(&str, UnlockStatus)] = &[
    ("success", UnlockStatus::Success),
    ("lock-does-not-exist", UnlockStatus::LockDoesNotExist),
    ("lock-belongs-to-others", UnlockStatus::LockBelongsToOthers),
];

/// A JSON object whose fields are decoded by WIT name; a missing object
/// behaves like an empty one.
#[derive(Clone, Copy)]
pub struct Fields<'a> {
    what: &'a str,
    map: Option<&'a Map<String, Value>>,
}

impl<'a> Fields<'a> {
    /// Wraps `value`, which must be an object or `null`; `what` names it in
    /// error messages.
    pub fn of(value: Option<&'a Value>, what: &'a str) -> Decoded<Self> {
        match value {
            None | Some(Value::Null) => Ok(Fields { what, map: None }),
            Some(Value::Object(map)) => Ok(Fields {
                what,
                map: Some(map),
            }),
            Some(other) => Err(Invalid(format!("`{what}` must be an object, not {other}"))),
        }
    }

    /// Whether the value was missing or `null`.
    pub fn is_null(&self) -> bool {
        self.map.is_none()
    }

    /// The field `name`, `None` if missing or `null`.
    fn get(&self, name: &str) -> Option<&'a Value> {
        self.map?.get(name).filter(|v| !v.is_null())
    }

    fn wrong(&self, name: &str, expected: &str) -> Invalid {
        Invalid(format!("`{}.{name}` must be {expected}", self.what))
    }

    /// A nested object (empty if missing).
    pub fn object(&self, name: &'a str) -> Decoded<Fields<'a>> {
        Fields::of(self.get(name), name)
    }

    /// A string (default `""`).
    pub fn string(&self, name: &str) -> Decoded<String> {
        Ok(self.opt_string(name)?.unwrap_or_default())
    }

    /// An optional string (default `null`).
    pub fn opt_string(&self, name: &str) -> Decoded<Option<String>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.wrong(name, "a string")),
        }
    }

    /// A payload given as text (default empty).
    pub fn data(&self, name: &str) -> Decoded<Vec<u8>> {
        Ok(self.string(name)?.into_bytes())
    }

    /// Bytes given as hexadecimal text (default empty).
    pub fn hex(&self, name: &str) -> Decoded<Vec<u8>> {
        let text = self.string(name)?;
        let digit = |c: u8| (c as char).to_digit(16);
        if text.len() % 2 != 0 {
            return Err(self.wrong(name, "hexadecimal text"));
        }
        text.as_bytes()
            .chunks(2)
            .map(|pair| Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8))
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| self.wrong(name, "hexadecimal text"))
    }

    /// An unsigned 32-bit integer (default 0).
    pub fn u32(&self, name: &str) -> Decoded<u32> {
        match self.get(name) {
            None => Ok(0),
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| self.wrong(name, "a u32")),
        }
    }

    /// An optional unsigned 32-bit integer (default `null`).
    pub fn opt_u32(&self, name: &str) -> Decoded<Option<u32>> {
        match self.get(name) {
            None => Ok(None),
            Some(_) => self.u32(name).map(Some),
        }
    }

    /// An unsigned 64-bit integer (default 0).
    pub fn u64(&self, name: &str) -> Decoded<u64> {
        match self.get(name) {
            None => Ok(0),
            Some(v) => v.as_u64().ok_or_else(|| self.wrong(name, "a u64")),
        }
    }

    /// An optional number (default `null`).
    pub fn opt_f64(&self, name: &str) -> Decoded<Option<f64>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| self.wrong(name, "a number")),
        }
    }

    /// A boolean (default `false`).
    pub fn bool(&self, name: &str) -> Decoded<bool> {
        match self.get(name) {
            None => Ok(false),
            Some(v) => v.as_bool().ok_or_else(|| self.wrong(name, "a boolean")),
        }
    }

    /// An array (default empty).
    pub fn array(&self, name: &str) -> Decoded<&'a [Value]> {
        match self.get(name) {
            None => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(_) => Err(self.wrong(name, "an array")),
        }
    }

    /// An array of strings (default empty).
    pub fn strings(&self, name: &str) -> Decoded<Vec<String>> {
        self.array(name)?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| self.wrong(name, "an array of strings"))
            })
            .collect()
    }

    /// An array of `[k, v]` string pairs (metadata, headers, ...; default empty).
    pub fn pairs(&self, name: &str) -> Decoded<Vec<(String, String)>> {
        self.array(name)?
            .iter()
            .map(|pair| match pair.as_array().map(Vec::as_slice) {
                Some([Value::String(k), Value::String(v)]) => Ok((k.clone(), v.clone())),
                _ => Err(self.wrong(name, "an array of [string, string] pairs")),
            })
            .collect()
    }

    /// This object as a variant: its only field's name (the case) and value
    /// (the payload, an object).
    pub fn variant(&self) -> Decoded<(&'a str, Fields<'a>)> {
        match self
            .map
            .map(|map| map.iter().collect::<Vec<_>>())
            .as_deref()
        {
            Some([(case, payload)]) => Ok((case.as_str(), Fields::of(Some(payload), case)?)),
            _ => Err(Invalid(format!(
                "`{}` must be an object with exactly one field",
                self.what
            ))),
        }
    }

    /// An enum given by its case name.
    pub fn case<T: Copy>(&self, name: &str, cases: &[(&str, T)], default: T) -> Decoded<T> {
        let Some(value) = self.get(name) else {
            return Ok(default);
        };
        value
            .as_str()
            .and_then(|s| cases.iter().find(|(case, _)| *case == s))
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let names: Vec<&str> = cases.iter().map(|(case, _)| *case).collect();
                self.wrong(name, &format!("one of {}", names.join(", ")))
            })
    }

    /// A `consistency` (default `eventual`).
    pub fn consistency(&self, name: &str) -> Decoded<Consistency> {
        self.case(name, CONSISTENCIES, Consistency::Eventual)
    }

    /// `write-options` (default last-write, eventual).
    pub fn options(&self, name: &'a str) -> Decoded<WriteOptions> {
        let options = self.object(name)?;
        Ok(WriteOptions {
            concurrency: options.case("concurrency", CONCURRENCIES, Concurrency::LastWrite)?,
            consistency: options.consistency("consistency")?,
        })
    }

    /// An `http-verb` (default `post`).
    pub fn verb(&self, name: &str) -> Decoded<HttpVerb> {
        self.case(name, VERBS, HttpVerb::Post)
    }
}

/// Decodes each element of `items` with `decode`; `what` names them.
pub fn each<T>(
    items: &[Value],
    what: &str,
    decode: impl Fn(Fields<'_>) -> Decoded<T>,
) -> Decoded<Vec<T>> {
    items
        .iter()
        .map(|item| decode(Fields::of(Some(item), what)?))
        .collect()
}

/// The name of `value` in `cases`.
fn name_of<T: PartialEq>(cases: &[(&'static str, T)], value: &T) -> &'static str {
    cases
        .iter()
        .find(|(_, v)| v == value)
        .map_or("unknown", |(name, _)| name)
}

/// The JSON name of an HTTP verb.
pub fn verb_name(verb: HttpVerb) -> &'static str {
    name_of(VERBS, &verb)
}

/// The JSON name of an unlock status.
pub fn unlock_status(status: UnlockStatus) -> Value {
    name_of(UNLOCK_STATUSES, &status).into()
}

/// Bytes as text, replacing invalid UTF-8.
pub fn text(data: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// A payload as JSON text.
pub fn data(data: &[u8]) -> Value {
    text(data).into()
}

/// Bytes as lowercase hexadecimal text (ciphertexts).
pub fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// `[k, v]` pairs.
pub fn pairs(pairs: &[(String, String)]) -> Value {
    pairs.iter().map(|(k, v)| json!([k, v])).collect()
}

/// A runtime error: `{"<case>": "<message>"}`.
pub fn error(e: &RuntimeError) -> Value {
    json!({ e.case(): e.message() })
}

/// A nested result: `{"ok": ...}` or `{"err": {...}}`.
pub fn result<T>(result: &Result<T, RuntimeError>, ok: impl FnOnce(&T) -> Value) -> Value {
    match result {
        Ok(value) => json!({ "ok": ok(value) }),
        Err(e) => json!({ "err": error(e) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(value: &Value) -> Fields<'_> {
        Fields::of(Some(value), "args").unwrap()
    }

    #[test]
    fn omitted_fields_take_their_defaults() {
        let empty = json!({ "etag": null });
        let args = fields(&empty);
        assert_eq!(args.string("key").unwrap(), "");
        assert_eq!(args.opt_string("etag").unwrap(), None);
        assert!(args.data("data").unwrap().is_empty());
        assert!(args.pairs("metadata").unwrap().is_empty());
        assert!(args.strings("keys").unwrap().is_empty());
        assert_eq!(
            args.consistency("consistency").unwrap(),
            Consistency::Eventual
        );
        assert_eq!(args.verb("verb").unwrap(), HttpVerb::Post);
        let options = args.options("options").unwrap();
        assert_eq!(options.concurrency, Concurrency::LastWrite);
        assert_eq!(options.consistency, Consistency::Eventual);
    }

    #[test]
    fn present_fields_are_decoded() {
        let value = json!({
            "data": "héllo",
            "metadata": [["ttlInSeconds", "5"]],
            "options": { "concurrency": "first-write" },
            "verb": "delete",
            "n": 42,
            "op": { "upsert": { "key": "k" } },
        });
        let args = fields(&value);
        assert_eq!(args.data("data").unwrap(), "héllo".as_bytes());
        assert_eq!(
            args.pairs("metadata").unwrap(),
            [("ttlInSeconds".to_owned(), "5".to_owned())]
        );
        let options = args.options("options").unwrap();
        assert_eq!(options.concurrency, Concurrency::FirstWrite);
        assert_eq!(options.consistency, Consistency::Eventual);
        assert_eq!(args.verb("verb").unwrap(), HttpVerb::Delete);
        assert_eq!(args.u32("n").unwrap(), 42);
        let (case, payload) = args.object("op").unwrap().variant().unwrap();
        assert_eq!(
            (case, payload.string("key").unwrap().as_str()),
            ("upsert", "k")
        );
    }

    #[test]
    fn values_are_encoded() {
        assert_eq!(data(b"a\xffb"), json!("a\u{fffd}b"));
        assert_eq!(pairs(&[("k".into(), "v".into())]), json!([["k", "v"]]));
        assert_eq!(
            error(&RuntimeError::EtagMismatch("m".into())),
            json!({ "etag-mismatch": "m" })
        );
        assert_eq!(
            result::<()>(&Err(RuntimeError::NotFound("x".into())), |_| Value::Null),
            json!({ "err": { "not-found": "x" } })
        );
        assert_eq!(result(&Ok(Some(1)), |v| json!(v)), json!({ "ok": 1 }));
        assert_eq!(verb_name(HttpVerb::Patch), "patch");
        assert_eq!(
            unlock_status(UnlockStatus::LockBelongsToOthers),
            json!("lock-belongs-to-others")
        );
    }
}
