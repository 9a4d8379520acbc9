//! JSON as protobuf's well-known `Value` and `Struct`, both ways: how the
//! sidecar clients pass JSON that daprd's API types as `google.protobuf`
//! messages (a conversation tool's parameters, job data written by the HTTP
//! API).

use prost_types::value::Kind;
use prost_types::{ListValue, Struct, Value};

/// A JSON value as a protobuf `Value` (numbers as `f64`, as protobuf keeps them).
pub fn to_value(json: serde_json::Value) -> Value {
    let kind = match json {
        serde_json::Value::Null => Kind::NullValue(0),
        serde_json::Value::Bool(b) => Kind::BoolValue(b),
        serde_json::Value::Number(n) => Kind::NumberValue(n.as_f64().unwrap_or_default()),
        serde_json::Value::String(s) => Kind::StringValue(s),
        serde_json::Value::Array(items) => Kind::ListValue(ListValue {
            values: items.into_iter().map(to_value).collect(),
        }),
        serde_json::Value::Object(map) => Kind::StructValue(to_struct(map)),
    };
    Value { kind: Some(kind) }
}

/// A JSON object as a protobuf `Struct`.
pub fn to_struct(object: serde_json::Map<String, serde_json::Value>) -> Struct {
    Struct {
        fields: object.into_iter().map(|(k, v)| (k, to_value(v))).collect(),
    }
}

/// A protobuf `Value` as JSON (a missing kind is `null`).
pub fn from_value(value: &Value) -> serde_json::Value {
    match &value.kind {
        None | Some(Kind::NullValue(_)) => serde_json::Value::Null,
        Some(Kind::NumberValue(n)) => serde_json::json!(n),
        Some(Kind::StringValue(s)) => serde_json::json!(s),
        Some(Kind::BoolValue(b)) => serde_json::json!(b),
        Some(Kind::StructValue(s)) => serde_json::Value::Object(
            s.fields
                .iter()
                .map(|(k, v)| (k.clone(), from_value(v)))
                .collect(),
        ),
        Some(Kind::ListValue(l)) => {
            serde_json::Value::Array(l.values.iter().map(from_value).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trips() {
        let json = serde_json::json!({
            "type": "object",
            "properties": {"days": {"type": "integer", "minimum": 1.5}},
            "required": ["days"],
            "strict": true,
            "default": null,
        });
        assert_eq!(from_value(&to_value(json.clone())), json);
    }
}
