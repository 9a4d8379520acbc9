//! Dapr's state query language (`filter`, `sort`, `page`) evaluated over
//! JSON values; shared by every embedded state store.
//!
//! Supported filters: `EQ`, `NEQ`, `GT`, `GTE`, `LT`, `LTE`, `IN`, `AND`,
//! `OR`. Field paths are dotted paths into the JSON value; a leading
//! `value.` is accepted and ignored. Values that are not JSON never match.

use std::cmp::Ordering;

use serde::Deserialize;
use serde_json::Value as Json;

use crate::backend::{BackendResult, Error};
use crate::blocks::state::{QueryItem, QueryResponse};

/// A parsed query.
#[derive(Debug)]
pub struct Query {
    filter: Option<Filter>,
    sort: Vec<SortKey>,
    limit: Option<usize>,
    offset: usize,
}

/// One candidate item of a query.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The key as the app sees it.
    pub key: String,
    /// The stored bytes.
    pub data: Vec<u8>,
    /// The stored etag.
    pub etag: Option<String>,
}

#[derive(Debug)]
enum Filter {
    Compare(Comparison, Vec<String>, Json),
    In(Vec<String>, Vec<Json>),
    And(Vec<Filter>),
    Or(Vec<Filter>),
}

#[derive(Debug, Clone, Copy)]
enum Comparison {
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
}

#[derive(Debug)]
struct SortKey {
    path: Vec<String>,
    descending: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuery {
    #[serde(default)]
    filter: Option<Json>,
    #[serde(default)]
    sort: Vec<RawSort>,
    #[serde(default)]
    page: Option<RawPage>,
}

#[derive(Deserialize)]
struct RawSort {
    key: String,
    #[serde(default)]
    order: Option<String>,
}

#[derive(Deserialize)]
struct RawPage {
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    token: Option<String>,
}

fn invalid(message: impl Into<String>) -> Error {
    Error::InvalidArgument(message.into())
}

impl Query {
    /// Parses query JSON; malformed queries are `invalid-argument`.
    pub fn parse(text: &str) -> BackendResult<Self> {
        let raw: RawQuery =
            serde_json::from_str(text).map_err(|e| invalid(format!("invalid query: {e}")))?;
        let filter = match raw.filter {
            None => None,
            Some(Json::Object(map)) if map.is_empty() => None,
            Some(f) => Some(parse_filter(&f)?),
        };
        let sort = raw
            .sort
            .into_iter()
            .map(parse_sort)
            .collect::<BackendResult<_>>()?;
        let page = raw.page.unwrap_or(RawPage {
            limit: None,
            token: None,
        });
        let offset = match page.token.as_deref() {
            None | Some("") => 0,
            Some(t) => t
                .parse()
                .map_err(|_| invalid(format!("invalid page token {t:?}")))?,
        };
        let limit = page.limit.filter(|l| *l > 0);
        Ok(Query {
            filter,
            sort,
            limit,
            offset,
        })
    }

    /// Filters, sorts and pages `candidates` (taken in key order when the
    /// query has no sort).
    pub fn run(&self, candidates: Vec<Candidate>) -> QueryResponse {
        let mut matching: Vec<(Json, Candidate)> = candidates
            .into_iter()
            .filter_map(|c| serde_json::from_slice::<Json>(&c.data).ok().map(|j| (j, c)))
            .filter(|(json, _)| self.filter.as_ref().is_none_or(|f| f.matches(json)))
            .collect();
        matching.sort_by(|(a, ca), (b, cb)| self.compare(a, b).then_with(|| ca.key.cmp(&cb.key)));
        let total = matching.len();
        let end = self
            .limit
            .map_or(total, |l| self.offset.saturating_add(l).min(total));
        let results = matching
            .into_iter()
            .skip(self.offset)
            .take(end.saturating_sub(self.offset))
            .map(|(_, c)| QueryItem {
                key: c.key,
                data: c.data,
                etag: c.etag,
            })
            .collect();
        let token = (end < total).then(|| end.to_string());
        QueryResponse {
            results,
            token,
            metadata: Vec::new(),
        }
    }

    fn compare(&self, a: &Json, b: &Json) -> Ordering {
        self.sort
            .iter()
            .map(|s| {
                let o = compare_json(lookup(a, &s.path), lookup(b, &s.path));
                if s.descending { o.reverse() } else { o }
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

fn parse_sort(raw: RawSort) -> BackendResult<SortKey> {
    let descending = match raw.order.as_deref().map(str::to_ascii_uppercase).as_deref() {
        None | Some("ASC") => false,
        Some("DESC") => true,
        Some(other) => return Err(invalid(format!("invalid sort order {other:?}"))),
    };
    Ok(SortKey {
        path: parse_path(&raw.key)?,
        descending,
    })
}

fn parse_path(path: &str) -> BackendResult<Vec<String>> {
    let path = path.strip_prefix("value.").unwrap_or(path);
    if path.is_empty() || path.split('.').any(str::is_empty) {
        return Err(invalid(format!("invalid field path {path:?}")));
    }
    Ok(path.split('.').map(str::to_string).collect())
}

fn parse_filter(json: &Json) -> BackendResult<Filter> {
    let (op, arg) = single_entry(json)
        .ok_or_else(|| invalid("a filter must be an object with one operator"))?;
    match op {
        "AND" | "OR" => {
            let items = arg
                .as_array()
                .ok_or_else(|| invalid(format!("{op} takes an array")))?;
            if items.is_empty() {
                return Err(invalid(format!("{op} takes at least one filter")));
            }
            let filters = items
                .iter()
                .map(parse_filter)
                .collect::<BackendResult<_>>()?;
            Ok(if op == "AND" {
                Filter::And(filters)
            } else {
                Filter::Or(filters)
            })
        }
        "IN" => {
            let (path, values) = field_argument(op, arg)?;
            let values = values
                .as_array()
                .ok_or_else(|| invalid("IN takes an array of values"))?;
            Ok(Filter::In(path, values.clone()))
        }
        _ => {
            let comparison = match op {
                "EQ" => Comparison::Eq,
                "NEQ" => Comparison::Neq,
                "GT" => Comparison::Gt,
                "GTE" => Comparison::Gte,
                "LT" => Comparison::Lt,
                "LTE" => Comparison::Lte,
                _ => return Err(invalid(format!("unknown filter operator {op:?}"))),
            };
            let (path, value) = field_argument(op, arg)?;
            Ok(Filter::Compare(comparison, path, value.clone()))
        }
    }
}

fn single_entry(json: &Json) -> Option<(&str, &Json)> {
    let map = json.as_object().filter(|m| m.len() == 1)?;
    map.iter().next().map(|(k, v)| (k.as_str(), v))
}

fn field_argument<'a>(op: &str, arg: &'a Json) -> BackendResult<(Vec<String>, &'a Json)> {
    let (path, value) =
        single_entry(arg).ok_or_else(|| invalid(format!("{op} takes an object with one field")))?;
    Ok((parse_path(path)?, value))
}

impl Filter {
    fn matches(&self, json: &Json) -> bool {
        match self {
            Filter::And(fs) => fs.iter().all(|f| f.matches(json)),
            Filter::Or(fs) => fs.iter().any(|f| f.matches(json)),
            Filter::In(path, values) => {
                lookup(json, path).is_some_and(|v| values.iter().any(|c| json_eq(v, c)))
            }
            Filter::Compare(cmp, path, expected) => {
                let Some(actual) = lookup(json, path) else {
                    return matches!(cmp, Comparison::Neq);
                };
                match cmp {
                    Comparison::Eq => json_eq(actual, expected),
                    Comparison::Neq => !json_eq(actual, expected),
                    _ => ordered(actual, expected).is_some_and(|o| match cmp {
                        Comparison::Gt => o.is_gt(),
                        Comparison::Gte => o.is_ge(),
                        Comparison::Lt => o.is_lt(),
                        _ => o.is_le(),
                    }),
                }
            }
        }
    }
}

fn lookup<'a>(json: &'a Json, path: &[String]) -> Option<&'a Json> {
    path.iter().try_fold(json, |node, field| match node {
        Json::Object(map) => map.get(field),
        Json::Array(items) => field.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// Equality where numbers compare by value (`1 == 1.0`).
fn json_eq(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// The order of two values of the same kind (numbers or strings).
fn ordered(a: &Json, b: &Json) -> Option<Ordering> {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Json::String(x), Json::String(y)) => Some(x.cmp(y)),
        (Json::Bool(x), Json::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// A total order for sorting: missing < null < bool < number < string < other.
fn compare_json(a: Option<&Json>, b: Option<&Json>) -> Ordering {
    fn rank(v: Option<&Json>) -> u8 {
        match v {
            None => 0,
            Some(Json::Null) => 1,
            Some(Json::Bool(_)) => 2,
            Some(Json::Number(_)) => 3,
            Some(Json::String(_)) => 4,
            Some(_) => 5,
        }
    }
    match (a, b) {
        (Some(x), Some(y)) => ordered(x, y).unwrap_or_else(|| rank(a).cmp(&rank(b))),
        _ => rank(a).cmp(&rank(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates() -> Vec<Candidate> {
        let items = [
            ("a", r#"{"person":{"org":"dev","id":3},"city":"Oslo"}"#),
            ("b", r#"{"person":{"org":"ops","id":1},"city":"Rome"}"#),
            ("c", r#"{"person":{"org":"dev","id":2},"city":"Lima"}"#),
            ("d", "not json"),
        ];
        items
            .iter()
            .map(|(k, v)| Candidate {
                key: k.to_string(),
                data: v.as_bytes().to_vec(),
                etag: None,
            })
            .collect()
    }

    fn keys(query: &str) -> (Vec<String>, Option<String>) {
        let response = Query::parse(query).unwrap().run(candidates());
        (
            response.results.into_iter().map(|r| r.key).collect(),
            response.token,
        )
    }

    #[test]
    fn empty_query_returns_json_values_in_key_order() {
        assert_eq!(keys("{}").0, ["a", "b", "c"]);
    }

    #[test]
    fn eq_in_and_or_filters() {
        assert_eq!(
            keys(r#"{"filter":{"EQ":{"person.org":"dev"}}}"#).0,
            ["a", "c"]
        );
        assert_eq!(
            keys(r#"{"filter":{"EQ":{"value.person.id":1.0}}}"#).0,
            ["b"]
        );
        assert_eq!(
            keys(r#"{"filter":{"IN":{"city":["Rome","Lima"]}}}"#).0,
            ["b", "c"]
        );
        let and = r#"{"filter":{"AND":[{"EQ":{"person.org":"dev"}},{"EQ":{"city":"Lima"}}]}}"#;
        assert_eq!(keys(and).0, ["c"]);
        let or = r#"{"filter":{"OR":[{"EQ":{"city":"Oslo"}},{"EQ":{"person.org":"ops"}}]}}"#;
        assert_eq!(keys(or).0, ["a", "b"]);
        assert_eq!(keys(r#"{"filter":{"GT":{"person.id":1}}}"#).0, ["a", "c"]);
    }

    #[test]
    fn sorts_by_path_in_both_orders() {
        assert_eq!(keys(r#"{"sort":[{"key":"person.id"}]}"#).0, ["b", "c", "a"]);
        let desc = r#"{"sort":[{"key":"person.org","order":"DESC"},{"key":"city"}]}"#;
        assert_eq!(keys(desc).0, ["b", "c", "a"]);
    }

    #[test]
    fn pages_with_opaque_token() {
        let (first, token) = keys(r#"{"sort":[{"key":"city"}],"page":{"limit":2}}"#);
        assert_eq!(first, ["c", "a"]);
        let token = token.expect("more results");
        let next =
            format!(r#"{{"sort":[{{"key":"city"}}],"page":{{"limit":2,"token":"{token}"}}}}"#);
        assert_eq!(keys(&next), (vec!["b".to_string()], None));
    }

    #[test]
    fn rejects_malformed_queries() {
        for bad in [
            "not json",
            r#"{"filter":{"EQ":{"a":1},"IN":{"b":[1]}}}"#,
            r#"{"filter":{"LIKE":{"a":1}}}"#,
            r#"{"filter":{"IN":{"a":1}}}"#,
            r#"{"sort":[{"key":"a","order":"UP"}]}"#,
            r#"{"page":{"token":"x"}}"#,
        ] {
            assert!(
                matches!(Query::parse(bad), Err(Error::InvalidArgument(_))),
                "{bad}"
            );
        }
    }

    /// Property tests: no query text and no stored value panics the parser
    /// or the evaluator (errors are fine).
    mod no_panic {
        use proptest::prelude::*;
        use serde_json::json;

        use super::*;

        /// JSON values of every kind, nested a little, with field names
        /// from a small set so paths find something.
        fn json_value() -> impl Strategy<Value = Json> {
            let leaf = prop_oneof![
                Just(Json::Null),
                any::<bool>().prop_map(Json::Bool),
                any::<i64>().prop_map(Json::from),
                any::<u64>().prop_map(Json::from),
                any::<f64>().prop_map(Json::from),
                "\\PC{0,8}".prop_map(Json::String),
                prop::sample::select(&["a", "b", "0", "ASC", "DESC", ""][..])
                    .prop_map(|s| Json::String(s.into())),
            ];
            leaf.prop_recursive(4, 24, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
                    prop::collection::vec((field(), inner), 0..4)
                        .prop_map(|pairs| Json::Object(pairs.into_iter().collect())),
                ]
            })
        }

        fn field() -> impl Strategy<Value = String> {
            prop_oneof![
                4 => prop::sample::select(&["a", "b", "c", "0", "1"][..]).prop_map(str::to_string),
                1 => "\\PC{0,6}",
            ]
        }

        fn path() -> impl Strategy<Value = String> {
            prop_oneof![
                6 => prop::collection::vec(field(), 1..4).prop_map(|p| p.join(".")),
                1 => prop::collection::vec(field(), 1..3).prop_map(|p| format!("value.{}", p.join("."))),
                1 => prop::sample::select(&["", ".", "a..b", "value.", "a."][..]).prop_map(str::to_string),
            ]
        }

        /// Filters in the query language's shape, with some wrong ones.
        fn filter() -> impl Strategy<Value = Json> {
            let ops = &["EQ", "NEQ", "GT", "GTE", "LT", "LTE", "LIKE", ""][..];
            let leaf = prop_oneof![
                8 => (prop::sample::select(ops), path(), json_value())
                    .prop_map(|(op, p, v)| json!({ op: { p: v } })),
                2 => (path(), prop::collection::vec(json_value(), 0..4))
                    .prop_map(|(p, vs)| json!({ "IN": { p: vs } })),
                1 => json_value(),
            ];
            leaf.prop_recursive(4, 24, 4, |inner| {
                (
                    prop::sample::select(&["AND", "OR", "NOT"][..]),
                    prop::collection::vec(inner, 0..4),
                )
                    .prop_map(|(op, fs)| json!({ op: fs }))
            })
        }

        fn query() -> impl Strategy<Value = Json> {
            let sort = prop::collection::vec(
                (
                    path(),
                    prop::option::of(prop_oneof![
                        prop::sample::select(&["ASC", "DESC", "asc", "desc", "up"][..])
                            .prop_map(Json::from),
                        json_value(),
                    ]),
                )
                    .prop_map(|(key, order)| match order {
                        Some(order) => json!({ "key": key, "order": order }),
                        None => json!({ "key": key }),
                    }),
                0..3,
            );
            let number = prop_oneof![
                any::<i64>().prop_map(Json::from),
                any::<u64>().prop_map(Json::from),
                any::<f64>().prop_map(Json::from),
                Just(json!(0)),
                Just(json!(1)),
            ];
            let token = prop_oneof![
                Just(json!("18446744073709551615")),
                Just(json!("18446744073709551616")),
                Just(json!("-1")),
                "[0-9]{0,20}".prop_map(Json::from),
                json_value(),
            ];
            let page = (prop::option::of(number), prop::option::of(token)).prop_map(|(l, t)| {
                let mut page = serde_json::Map::new();
                if let Some(l) = l {
                    page.insert("limit".into(), l);
                }
                if let Some(t) = t {
                    page.insert("token".into(), t);
                }
                Json::Object(page)
            });
            (prop::option::of(filter()), sort, prop::option::of(page)).prop_map(
                |(filter, sort, page)| {
                    let mut query = serde_json::Map::new();
                    if let Some(f) = filter {
                        query.insert("filter".into(), f);
                    }
                    query.insert("sort".into(), Json::Array(sort));
                    if let Some(p) = page {
                        query.insert("page".into(), p);
                    }
                    Json::Object(query)
                },
            )
        }

        fn stored() -> impl Strategy<Value = Vec<Candidate>> {
            prop::collection::vec(
                prop_oneof![
                    6 => json_value().prop_map(|j| j.to_string().into_bytes()),
                    1 => prop::collection::vec(any::<u8>(), 0..12),
                ],
                0..8,
            )
            .prop_map(|data| {
                data.into_iter()
                    .enumerate()
                    .map(|(i, data)| Candidate {
                        key: format!("k{i}"),
                        data,
                        etag: None,
                    })
                    .collect()
            })
        }

        fn check(text: &str, candidates: Vec<Candidate>) {
            if let Ok(query) = Query::parse(text) {
                let total = candidates.len();
                let response = query.run(candidates);
                assert!(response.results.len() <= total);
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn arbitrary_text(text in "\\PC{0,200}", candidates in stored()) {
                check(&text, candidates);
            }

            #[test]
            fn arbitrary_json(value in json_value(), candidates in stored()) {
                check(&value.to_string(), candidates);
            }

            #[test]
            fn query_shaped_json(value in query(), candidates in stored()) {
                check(&value.to_string(), candidates);
            }
        }
    }
}
