//! AssemblyScript types for WIT types, and the type definitions of an
//! interface module.

use super::names::{RESERVED_TYPES, ident, lower_camel, upper_camel};
use super::{Gen, Home};
use anyhow::{Context, Result, bail};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use wit_parser::{Docs, Handle, InterfaceId, Type, TypeDefKind, TypeId, TypeOwner};

impl Gen<'_> {
    pub(super) fn iface_path(&self, id: InterfaceId) -> Result<String> {
        let iface = &self.resolve.interfaces[id];
        let name = iface
            .name
            .as_deref()
            .context("anonymous interfaces are not supported")?;
        let pkg = &self.resolve.packages[iface.package.context("interface without package")?];
        Ok(format!(
            "{}/{}/{}.ts",
            pkg.name.namespace, pkg.name.name, name
        ))
    }

    pub(super) fn type_name(&self, id: TypeId) -> String {
        let td = &self.resolve.types[id];
        let name = upper_camel(td.name.as_deref().unwrap());
        let reserved = RESERVED_TYPES.contains(&name.as_str())
            || (name.starts_with("Tuple") && name[5..].chars().all(|c| c.is_ascii_digit()));
        if !reserved {
            return name;
        }
        let prefix = match td.owner {
            TypeOwner::Interface(i) => self.resolve.interfaces[i]
                .package
                .map(|p| upper_camel(&self.resolve.packages[p].name.namespace))
                .unwrap_or_default(),
            _ => String::new(),
        };
        if prefix.is_empty() {
            format!("Wit{name}")
        } else {
            format!("{prefix}{name}")
        }
    }

    /// The named type of another interface that `id` brings in with
    /// `use`, if it is such an alias.
    pub(super) fn used(&self, id: TypeId) -> Option<TypeId> {
        let td = &self.resolve.types[id];
        match td.kind {
            TypeDefKind::Type(Type::Id(orig))
                if self.resolve.types[orig].name.is_some()
                    && self.resolve.types[orig].owner != td.owner =>
            {
                Some(orig)
            }
            _ => None,
        }
    }

    /// Follows unnamed aliases and `use`d aliases to the type they stand for.
    pub(super) fn unalias(&self, ty: &Type) -> Type {
        let mut ty = *ty;
        while let Type::Id(id) = ty {
            match &self.resolve.types[id].kind {
                TypeDefKind::Type(t) => ty = *t,
                _ => break,
            }
        }
        ty
    }

    pub(super) fn kind(&self, ty: &Type) -> Option<&TypeDefKind> {
        match self.unalias(ty) {
            Type::Id(id) => Some(&self.resolve.types[id].kind),
            _ => None,
        }
    }

    pub(super) fn is_bytes(&self, elem: &Type) -> bool {
        self.unalias(elem) == Type::U8
    }

    /// The resource a handle type (`own<T>`, `borrow<T>`) or resource type
    /// refers to, through `use`d aliases; `None` for other types.
    pub(super) fn resource_of(&self, ty: &Type) -> Option<TypeId> {
        let Type::Id(id) = self.unalias(ty) else {
            return None;
        };
        match &self.resolve.types[id].kind {
            TypeDefKind::Resource => Some(id),
            TypeDefKind::Handle(Handle::Own(r) | Handle::Borrow(r)) => {
                match self.unalias(&Type::Id(*r)) {
                    Type::Id(r) => Some(r),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Whether the AssemblyScript type of `ty` is a value (not a reference).
    pub(super) fn is_value(&self, ty: &Type) -> bool {
        match self.kind(ty) {
            None => !matches!(self.unalias(ty), Type::String),
            Some(TypeDefKind::Enum(_) | TypeDefKind::Flags(_)) => true,
            Some(_) => false,
        }
    }

    pub(super) fn is_nullable(&self, ty: &Type) -> bool {
        matches!(self.kind(ty), Some(TypeDefKind::Option(_)))
    }

    pub(super) fn boxed(&self, ty: &Type) -> bool {
        self.is_value(ty) || self.is_nullable(ty)
    }

    pub(super) fn check(&self, ty: &Type, seen: &mut BTreeSet<TypeId>) -> Result<()> {
        let id = match ty {
            Type::ErrorContext => bail!("error-context is not supported"),
            Type::Id(id) => *id,
            _ => return Ok(()),
        };
        if !seen.insert(id) {
            return Ok(());
        }
        let td = &self.resolve.types[id];
        let what = td
            .name
            .clone()
            .unwrap_or_else(|| "an anonymous type".into());
        match &td.kind {
            TypeDefKind::Record(r) => {
                for f in &r.fields {
                    self.check(&f.ty, seen)?;
                }
            }
            TypeDefKind::Tuple(t) => {
                for t in &t.types {
                    self.check(t, seen)?;
                }
            }
            TypeDefKind::Variant(v) => {
                for c in &v.cases {
                    if let Some(t) = &c.ty {
                        self.check(t, seen)?;
                    }
                }
            }
            TypeDefKind::Enum(_) | TypeDefKind::Resource => {}
            TypeDefKind::Handle(_) => {
                if self.resource_of(&Type::Id(id)).is_none() {
                    bail!("the handle {what} does not refer to a resource");
                }
            }
            TypeDefKind::Flags(f) => {
                if f.flags.is_empty() || f.flags.len() > 32 {
                    bail!(
                        "flags ({what}) with {} members are not supported (1 to 32 are)",
                        f.flags.len()
                    );
                }
            }
            TypeDefKind::Option(t) | TypeDefKind::List(t) | TypeDefKind::Type(t) => {
                self.check(t, seen)?
            }
            TypeDefKind::Result(r) => {
                if let Some(t) = &r.ok {
                    self.check(t, seen)?;
                }
                if let Some(t) = &r.err {
                    self.check(t, seen)?;
                }
            }
            TypeDefKind::Future(_) | TypeDefKind::Stream(_) => {
                bail!("futures and streams ({what}) are not supported")
            }
            TypeDefKind::Map(..) | TypeDefKind::FixedLengthList(..) => {
                bail!("maps and fixed-length lists ({what}) are not supported")
            }
            TypeDefKind::Unknown => bail!("unresolved type {what}"),
        }
        Ok(())
    }

    fn named(&mut self, home: Home, id: TypeId) -> String {
        let name = self.type_name(id);
        if let TypeOwner::Interface(owner) = self.resolve.types[id].owner {
            self.import(home, Home::Iface(owner), &name);
        }
        name
    }

    /// The AssemblyScript type of `ty`.
    pub(super) fn ty(&mut self, home: Home, ty: &Type) -> String {
        match ty {
            Type::Bool => "bool".into(),
            Type::U8 => "u8".into(),
            Type::U16 => "u16".into(),
            Type::U32 | Type::Char => "u32".into(),
            Type::U64 => "u64".into(),
            Type::S8 => "i8".into(),
            Type::S16 => "i16".into(),
            Type::S32 | Type::ErrorContext => "i32".into(),
            Type::S64 => "i64".into(),
            Type::F32 => "f32".into(),
            Type::F64 => "f64".into(),
            Type::String => "string".into(),
            Type::Id(id) => {
                let td = &self.resolve.types[*id];
                if let TypeDefKind::Type(t) = &td.kind {
                    return self.ty(home, &t.clone());
                }
                if td.name.is_some() {
                    return self.named(home, *id);
                }
                self.anon_ty(home, *id)
            }
        }
    }

    /// The AssemblyScript type of an unnamed (structural) WIT type.
    pub(super) fn anon_ty(&mut self, home: Home, id: TypeId) -> String {
        let kind = self.resolve.types[id].kind.clone();
        match kind {
            TypeDefKind::List(t) if self.is_bytes(&t) => "Uint8Array".into(),
            TypeDefKind::List(t) => format!("Array<{}>", self.ty(home, &t)),
            TypeDefKind::Option(t) => {
                if self.boxed(&t) {
                    self.use_rt(home, "Box");
                    format!("Box<{}> | null", self.ty(home, &t))
                } else {
                    format!("{} | null", self.ty(home, &t))
                }
            }
            TypeDefKind::Result(r) => {
                self.use_rt(home, "Result");
                let ok = self.opt_ty(home, r.ok.as_ref());
                let err = self.opt_ty(home, r.err.as_ref());
                format!("Result<{ok}, {err}>")
            }
            TypeDefKind::Tuple(t) => {
                let n = t.types.len();
                self.tuples.insert(n);
                self.use_rt(home, &format!("Tuple{n}"));
                let args: Vec<String> = t.types.iter().map(|t| self.ty(home, t)).collect();
                format!("Tuple{n}<{}>", args.join(", "))
            }
            TypeDefKind::Handle(Handle::Own(r) | Handle::Borrow(r)) => self.ty(home, &Type::Id(r)),
            _ => unreachable!("named-only kind without a name"),
        }
    }

    pub(super) fn opt_ty(&mut self, home: Home, ty: Option<&Type>) -> String {
        match ty {
            Some(t) => self.ty(home, t),
            None => {
                self.use_rt(home, "Unit");
                "Unit".into()
            }
        }
    }

    // ---- type definitions ---------------------------------------------

    pub(super) fn typedef(&mut self, home: Home, id: TypeId, out: &mut String) {
        let td = self.resolve.types[id].clone();
        let name = self.type_name(id);
        let docs = docs_of(&td.docs, "");
        match &td.kind {
            // `use`d: re-exported by the caller; resources: a class with
            // their functions, written with the interface's functions.
            TypeDefKind::Resource => {}
            TypeDefKind::Type(_) if self.used(id).is_some() => {}
            TypeDefKind::Type(t) => {
                // `type duration = u64;`
                out.push_str(&docs);
                let t = self.ty(home, t);
                let _ = writeln!(out, "export type {name} = {t};\n");
            }
            TypeDefKind::Flags(f) => {
                out.push_str(&docs);
                let _ = writeln!(
                    out,
                    "// Flags: combine the members with `|`, test one with `&`.\nexport enum {name} {{"
                );
                for (i, flag) in f.flags.iter().enumerate() {
                    out.push_str(&docs_of(&flag.docs, "  "));
                    let _ = writeln!(out, "  {} = 1 << {i},", upper_camel(&flag.name));
                }
                out.push_str("}\n\n");
            }
            TypeDefKind::Record(r) => {
                out.push_str(&docs);
                let _ = writeln!(out, "export class {name} {{\n  constructor(");
                for f in &r.fields {
                    let t = self.ty(home, &f.ty);
                    out.push_str(&docs_of(&f.docs, "    "));
                    let _ = writeln!(out, "    public {}: {t},", ident(&f.name));
                }
                out.push_str("  ) {}\n}\n\n");
            }
            TypeDefKind::Enum(e) => {
                out.push_str(&docs);
                let _ = writeln!(out, "export enum {name} {{");
                for (i, c) in e.cases.iter().enumerate() {
                    out.push_str(&docs_of(&c.docs, "  "));
                    let _ = writeln!(out, "  {} = {i},", upper_camel(&c.name));
                }
                out.push_str("}\n\n");
            }
            TypeDefKind::Variant(v) => {
                out.push_str(&docs);
                let _ = writeln!(out, "export class {name} {{");
                let _ = writeln!(
                    out,
                    "  /** The case: one of the `{name}.*_TAG` constants. */\n  tag: {} = 0;",
                    disc_ty(v.cases.len())
                );
                let mut fields = String::new();
                let mut methods = String::new();
                for (i, c) in v.cases.iter().enumerate() {
                    let tag = format!("{}_TAG", c.name.to_uppercase().replace('-', "_"));
                    let _ = writeln!(
                        out,
                        "  static readonly {tag}: {} = {i};",
                        disc_ty(v.cases.len())
                    );
                    let case = upper_camel(&c.name);
                    let field = format!("_{}", lower_camel(&c.name));
                    methods.push_str(&docs_of(&c.docs, "  "));
                    match &c.ty {
                        None => {
                            let _ = writeln!(
                                methods,
                                "  static {}(): {name} {{ const v = new {name}(); v.tag = {i}; return v; }}",
                                ident(&c.name)
                            );
                        }
                        Some(t) => {
                            let ty = self.ty(home, t);
                            let (decl, get) = if self.is_value(t) {
                                (format!("{ty} = <{ty}>0"), format!("this.{field}"))
                            } else if self.is_nullable(t) {
                                (format!("{ty} = null"), format!("this.{field}"))
                            } else {
                                (format!("{ty} | null = null"), format!("this.{field}!"))
                            };
                            let _ = writeln!(fields, "  private {field}: {decl};");
                            let _ = writeln!(
                                methods,
                                "  static {}(value: {ty}): {name} {{ const v = new {name}(); v.tag = {i}; v.{field} = value; return v; }}",
                                ident(&c.name)
                            );
                            let _ = writeln!(
                                methods,
                                "  /** The payload of case `{}`; aborts for another case. */\n  get{case}(): {ty} {{ assert(this.tag == {i}, \"not case {}\"); return {get}; }}",
                                c.name, c.name
                            );
                        }
                    }
                    let _ = writeln!(methods, "  is{case}(): bool {{ return this.tag == {i}; }}");
                }
                out.push_str(&fields);
                out.push_str(&methods);
                let _ = writeln!(
                    out,
                    "  /** The WIT name of the case. */\n  caseName(): string {{\n    switch (this.tag) {{"
                );
                for (i, c) in v.cases.iter().enumerate() {
                    let _ = writeln!(out, "      case {i}: return \"{}\";", c.name);
                }
                out.push_str("      default: return \"?\";\n    }\n  }\n}\n\n");
            }
            _ => {
                // A named list, option, result or tuple: a type alias.
                out.push_str(&docs);
                let t = self.anon_ty(home, id);
                let _ = writeln!(out, "export type {name} = {t};\n");
            }
        }
    }
}

pub(super) fn doc_comment(docs: &str, indent: &str) -> String {
    let mut out = format!("{indent}/**\n");
    for line in docs.trim().lines() {
        let line = line.replace("*/", "* /");
        if line.trim().is_empty() {
            let _ = writeln!(out, "{indent} *");
        } else {
            let _ = writeln!(out, "{indent} * {line}");
        }
    }
    let _ = writeln!(out, "{indent} */");
    out
}

pub(super) fn docs_of(docs: &Docs, indent: &str) -> String {
    docs.contents
        .as_deref()
        .map(|d| doc_comment(d, indent))
        .unwrap_or_default()
}

/// The AssemblyScript type of the `tag` of a variant with `cases` cases.
fn disc_ty(cases: usize) -> &'static str {
    match cases {
        0..=256 => "u8",
        257..=65536 => "u16",
        _ => "u32",
    }
}
