//! Identifiers: AssemblyScript names for WIT names, and the names under
//! which export shims are exported.

use std::fmt::Write as _;

/// The prefix of AssemblyScript export shims; see [`export_shim_name`].
pub const EXPORT_PREFIX: &str = "witexp_";

/// The AssemblyScript name under which the shim for the core export `name`
/// (such as `dapr:runtime/handler@0.1.0#on-invoke`) is exported; the
/// componentizer renames it back with [`decode_export_shim_name`].
pub fn export_shim_name(name: &str) -> String {
    let mut out = String::from(EXPORT_PREFIX);
    for c in name.chars() {
        match c {
            '_' => out.push_str("__"),
            ':' => out.push_str("_C"),
            '/' => out.push_str("_S"),
            '@' => out.push_str("_A"),
            '.' => out.push_str("_D"),
            '#' => out.push_str("_H"),
            '-' => out.push_str("_M"),
            c if c.is_ascii_alphanumeric() => out.push(c),
            c => {
                let _ = write!(out, "_U{:06x}", c as u32);
            }
        }
    }
    out
}

/// Reverses [`export_shim_name`]; `None` if `shim` is not such a name.
pub fn decode_export_shim_name(shim: &str) -> Option<String> {
    let rest = shim.strip_prefix(EXPORT_PREFIX)?;
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        if c != '_' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            '_' => '_',
            'C' => ':',
            'S' => '/',
            'A' => '@',
            'D' => '.',
            'H' => '#',
            'M' => '-',
            'U' => {
                let hex: String = chars.by_ref().take(6).collect();
                char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
            }
            _ => return None,
        });
    }
    Some(out)
}

pub(super) fn upper_camel(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut c = part.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

pub(super) fn lower_camel(name: &str) -> String {
    let u = upper_camel(name);
    let mut c = u.chars();
    match c.next() {
        Some(f) => f.to_ascii_lowercase().to_string() + c.as_str(),
        None => u,
    }
}

const RESERVED_WORDS: &[&str] = &[
    "abstract",
    "as",
    "async",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "declare",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "from",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "is",
    "keyof",
    "let",
    "module",
    "namespace",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "readonly",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "type",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

/// Type names that would shadow AssemblyScript globals or `rt.ts` names.
pub(super) const RESERVED_TYPES: &[&str] = &[
    "Array",
    "ArrayBuffer",
    "Boolean",
    "Box",
    "DataView",
    "Date",
    "Error",
    "Function",
    "JSON",
    "Map",
    "Math",
    "Number",
    "Object",
    "Promise",
    "RegExp",
    "Result",
    "Set",
    "StaticArray",
    "String",
    "Symbol",
    "Uint8Array",
    "Unit",
];

/// Names the generated function bodies use; parameters must not shadow them.
const BODY_NAMES: &[&str] = &[
    "abort",
    "args",
    "assert",
    "changetype",
    "heap",
    "load",
    "mark",
    "memory",
    "reinterpret",
    "result",
    "ret",
    "retptr",
    "rt",
    "store",
    "unchecked",
    "unreachable",
    "zero",
];

/// The name of a function parameter.
pub(super) fn param_ident(name: &str) -> String {
    let n = ident(name);
    if BODY_NAMES.contains(&n.as_str()) {
        format!("{n}_")
    } else {
        n
    }
}

pub(super) fn ident(name: &str) -> String {
    let n = lower_camel(name);
    if RESERVED_WORDS.contains(&n.as_str()) {
        format!("{n}_")
    } else {
        n
    }
}
