//! Canonical ABI glue: a [`Bindgen`] that writes `wit-bindgen-core`'s
//! instruction stream as AssemblyScript, for the bodies of functions and for
//! one lifting and one lowering helper per WIT type.
//!
//! Compound values are converted by helpers that every function and every
//! other helper calls:
//!
//! * `lift_T(ptr)` reads a record, tuple, variant, option or result `T`
//!   from linear memory, and `lower_T(value, ptr)` writes one;
//! * `lift_ListT(ptr, len)` copies a list the host allocated (and frees
//!   it), and `lower_ListT(list)` copies a list into a buffer that is freed
//!   when the call returns.
//!
//! Scalars, enums, strings and byte lists convert in place, and flat values
//! (the direct parameters and results of a function) inline.
//!
//! The instruction stream always covers a value's whole type, so the parts
//! a helper covers are recognized and replaced by its call:
//!
//! * a compound value lifted from memory carries where its first byte was
//!   loaded from (`Op::at`) and becomes `lift_T(at)`;
//! * a list's element block is dropped for the list helper's call;
//! * a variant written to memory: its case blocks are dropped and their
//!   discriminant store gives the address for `lower_T`;
//! * a record or tuple written to memory leaves a placeholder line, and
//!   everything derived from its fields is *deferred*: no code, only the
//!   lowest address its stores would write, which completes the placeholder
//!   as `lower_T(value, address)`.
//!
//! Resource handles and flags are scalars here: a handle is one `i32`
//! (`HandleLower` becomes the wrapper's `takeHandle()` for an `own` and
//! `borrowHandle()` for a `borrow`, `HandleLift` the wrapper class's
//! constructor), and a method is a function whose first parameter, `this`,
//! `abi::call` lowers like any other.

use super::names::{ident, param_ident, upper_camel};
use super::{Gen, Home};
use std::fmt::Write as _;
use wit_bindgen_core::abi::{
    self, AbiVariant, Bindgen, Bitcast, Instruction, LiftLower, WasmSignature, WasmType,
};
use wit_parser::{
    Alignment, ArchitectureSize, Function, FunctionKind, Handle, Resolve, SizeAlign, Type,
    TypeDefKind, TypeId,
};

/// Starts a placeholder line for a deferred lowering (followed by its index).
const DEFERRED: char = '\u{1}';

/// An AssemblyScript expression on the canonical ABI's operand stack.
#[derive(Clone, Debug, Default)]
pub(super) struct Op {
    expr: String,
    /// The AssemblyScript type of a scalar (`i32`, `usize`, `bool`, ...);
    /// empty for other values.
    ty: &'static str,
    /// Where the value starts in linear memory (address, offset), if it was
    /// lifted from there.
    at: Option<(String, usize)>,
    /// The deferred lowering this value is part of.
    deferred: Option<usize>,
    /// Whether the code returned the value already.
    returned: bool,
}

impl Op {
    fn new(expr: impl Into<String>, ty: &'static str) -> Op {
        Op {
            expr: expr.into(),
            ty,
            ..Op::default()
        }
    }

    fn at(mut self, at: Option<(String, usize)>) -> Op {
        self.at = at;
        self
    }

    /// This value as AssemblyScript type `to`.
    fn to(&self, to: &'static str) -> Op {
        if self.ty == to {
            return self.clone();
        }
        let expr = if self.expr.parse::<i64>().is_ok() {
            self.expr.clone()
        } else {
            format!("<{to}>{}", paren(&self.expr))
        };
        Op::new(expr, to).at(self.at.clone())
    }
}

/// `expr`, parenthesized unless it is one operand.
fn paren(expr: &str) -> String {
    let mut depth = 0;
    for c in expr.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ' ' if depth == 0 => return format!("({expr})"),
            _ => {}
        }
    }
    expr.to_string()
}

/// `address + offset`.
fn addr((base, offset): &(String, usize)) -> String {
    match offset {
        0 => base.clone(),
        n => format!("{base} + {n}"),
    }
}

/// `, offset` for a load or store, nothing for offset 0.
fn imm(offset: &ArchitectureSize) -> String {
    match offset.size_wasm32() {
        0 => String::new(),
        n => format!(", {n}"),
    }
}

/// The AssemblyScript type of a core wasm value.
pub(super) fn core(ty: WasmType) -> &'static str {
    match ty {
        WasmType::I32 | WasmType::Length => "i32",
        WasmType::I64 | WasmType::PointerOrI64 => "i64",
        WasmType::F32 => "f32",
        WasmType::F64 => "f64",
        WasmType::Pointer => "usize",
    }
}

/// Converts a core value between the types a variant's flat payload joins.
fn bitcast(op: &Op, cast: &Bitcast) -> Op {
    use Bitcast::*;
    let (to, template) = match cast {
        None | I32ToL | LToI32 | P64ToI64 | I64ToP64 => return op.clone(),
        Sequence(pair) => return bitcast(&bitcast(op, &pair[0]), &pair[1]),
        F32ToI32 => ("i32", "reinterpret<i32>(#)"),
        F64ToI64 => ("i64", "reinterpret<i64>(#)"),
        I32ToF32 => ("f32", "reinterpret<f32>(#)"),
        I64ToF64 => ("f64", "reinterpret<f64>(#)"),
        I32ToI64 | LToI64 => ("i64", "<i64><u32>#"),
        F32ToI64 => ("i64", "<i64><u32>reinterpret<i32>(#)"),
        I64ToI32 | I64ToL | PToI32 | PToL => ("i32", "<i32>#"),
        I64ToF32 => ("f32", "reinterpret<f32>(<i32>#)"),
        P64ToP | I32ToP | LToP => ("usize", "<usize>#"),
        PToP64 => ("i64", "<i64>#"),
    };
    Op::new(template.replace('#', &paren(&op.expr)), to)
}

/// (type loaded, AssemblyScript type of the result, offset) of a load.
fn load_of<'i>(
    inst: &'i Instruction<'_>,
) -> Option<(&'static str, &'static str, &'i ArchitectureSize)> {
    use Instruction as I;
    Some(match inst {
        I::I32Load { offset } | I::LengthLoad { offset } => ("i32", "i32", offset),
        I::I32Load8U { offset } => ("u8", "i32", offset),
        I::I32Load8S { offset } => ("i8", "i32", offset),
        I::I32Load16U { offset } => ("u16", "i32", offset),
        I::I32Load16S { offset } => ("i16", "i32", offset),
        I::I64Load { offset } => ("i64", "i64", offset),
        I::F32Load { offset } => ("f32", "f32", offset),
        I::F64Load { offset } => ("f64", "f64", offset),
        I::PointerLoad { offset } => ("usize", "usize", offset),
        _ => return None,
    })
}

/// (type stored, offset) of a store.
fn store_of<'i>(inst: &'i Instruction<'_>) -> Option<(&'static str, &'i ArchitectureSize)> {
    use Instruction as I;
    Some(match inst {
        I::I32Store { offset } | I::LengthStore { offset } => ("i32", offset),
        I::I32Store8 { offset } => ("u8", offset),
        I::I32Store16 { offset } => ("u16", offset),
        I::I64Store { offset } => ("i64", offset),
        I::F32Store { offset } => ("f32", offset),
        I::F64Store { offset } => ("f64", offset),
        I::PointerStore { offset } => ("usize", offset),
        _ => return None,
    })
}

/// How many finished blocks an instruction consumes.
fn blocks_of(inst: &Instruction<'_>) -> usize {
    use Instruction as I;
    match inst {
        I::VariantLower { variant, .. } | I::VariantLift { variant, .. } => variant.cases.len(),
        I::OptionLower { .. }
        | I::OptionLift { .. }
        | I::ResultLower { .. }
        | I::ResultLift { .. } => 2,
        I::ListLower { .. } | I::ListLift { .. } => 1,
        _ => 0,
    }
}

/// What a helper does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// Reads a value from memory.
    Lift,
    /// Writes a value to memory.
    Lower,
    /// Copies a list of the type out of a host buffer.
    LiftList,
    /// Copies a list of the type into a buffer freed after the call.
    LowerList,
}

/// A helper to generate: its module, name, kind and (element) type.
pub(super) struct Helper {
    pub(super) home: Home,
    pub(super) name: String,
    pub(super) kind: Kind,
    pub(super) ty: Type,
}

/// What the glue around the instructions calls.
enum Call {
    /// Nothing: a helper.
    None,
    /// An imported function through its core import `raw`; `params_area`
    /// until the area of indirect parameters is allocated, `mark` once the
    /// lowered arguments need freeing after the call.
    Import {
        raw: String,
        params_area: bool,
        mark: bool,
    },
    /// An export shim calling the implementation `target`.
    Export { target: String, post_return: bool },
}

/// A block of code: a function body or a case or element block.
#[derive(Default)]
struct Block {
    lines: Vec<String>,
    /// The values the block ends with.
    results: Vec<Op>,
    /// The local bound to the case's payload.
    payload: String,
    /// Where the block's first store writes.
    first_store: Option<(String, usize)>,
    /// Whether lowering here writes to memory (rather than to flat values).
    memory: bool,
}

/// A record or tuple lowering into memory that becomes a helper call.
struct Deferred {
    /// The call up to its address argument.
    call: String,
    /// The lowest address written.
    at: Option<(String, usize)>,
}

/// Writes one function body or helper.
pub(super) struct Body<'g, 'a> {
    g: &'g mut Gen<'a>,
    home: Home,
    /// The type whose helper this is: converted here, not by a call.
    own: Option<TypeId>,
    args: Vec<Op>,
    call: Call,
    blocks: Vec<Block>,
    finished: Vec<Block>,
    deferred: Vec<Deferred>,
    tmp: usize,
}

impl<'g, 'a> Body<'g, 'a> {
    fn new(
        g: &'g mut Gen<'a>,
        home: Home,
        own: Option<TypeId>,
        args: Vec<Op>,
        call: Call,
        memory: bool,
    ) -> Self {
        Body {
            g,
            home,
            own,
            args,
            call,
            blocks: vec![Block {
                memory,
                ..Block::default()
            }],
            finished: Vec::new(),
            deferred: Vec::new(),
            tmp: 0,
        }
    }

    fn block(&mut self) -> &mut Block {
        self.blocks.last_mut().expect("a block")
    }

    fn line(&mut self, line: impl Into<String>) {
        self.block().lines.push(line.into());
    }

    fn tmp(&mut self, what: &str) -> String {
        self.tmp += 1;
        format!("{what}_{}", self.tmp)
    }

    fn take(&mut self, n: usize) -> Vec<Block> {
        self.finished.split_off(self.finished.len() - n)
    }

    /// The code written, with the deferred lowerings completed.
    fn finish(mut self) -> Vec<String> {
        let mut lines = self.blocks.pop().expect("the body").lines;
        if let Call::Import { mark: true, .. } = self.call {
            lines.insert(0, "const mark = rt.deferMark();".into());
        }
        let deferred = &self.deferred;
        lines
            .into_iter()
            .filter_map(|line| {
                let trimmed = line.trim_start();
                let Some(index) = trimmed.strip_prefix(DEFERRED) else {
                    return Some(line);
                };
                let d = index.parse::<usize>().ok().and_then(|i| deferred.get(i));
                // A lowering that stores nothing (a zero-sized record or
                // tuple, such as an empty record) writes no code.
                let at = d?.at.as_ref()?;
                let indent = &line[..line.len() - trimmed.len()];
                Some(format!("{indent}{}{});", d?.call, addr(at)))
            })
            .collect()
    }

    /// A helper's call, importing it into this module.
    fn helper(&mut self, kind: Kind, ty: Type) -> String {
        self.g.helper(self.home, kind, ty)
    }

    /// A function of `rt.ts`.
    fn rt(&self, name: &str) -> String {
        match self.home {
            Home::Rt => name.to_string(),
            Home::Iface(_) => format!("rt.{name}"),
        }
    }

    /// An instruction on values of a deferred lowering: no code, but
    /// stores and discriminants tell where it writes.
    fn defer(&mut self, id: usize, inst: &Instruction<'_>, operands: &[Op], results: &mut Vec<Op>) {
        use Instruction as I;
        let mut at =
            store_of(inst).map(|(_, offset)| (operands[1].expr.clone(), offset.size_wasm32()));
        let blocks = self.take(blocks_of(inst));
        if let I::VariantLower { .. } | I::OptionLower { .. } | I::ResultLower { .. } = inst {
            // The discriminant store of the first case.
            at = blocks.into_iter().next().and_then(|b| b.first_store);
        }
        self.note_list(inst);
        let d = &mut self.deferred[id];
        if let Some(at) = at
            && d.at.as_ref().is_none_or(|(_, low)| at.1 < *low)
        {
            d.at = Some(at);
        }
        results.extend((0..inst.results_len()).map(|_| Op {
            deferred: Some(id),
            ..Op::default()
        }));
    }

    /// Lowering a list allocates a buffer the call must free.
    fn note_list(&mut self, inst: &Instruction<'_>) {
        if let (Instruction::ListLower { .. }, Call::Import { mark, .. }) = (inst, &mut self.call) {
            *mark = true;
        }
    }

    /// The fields of a record or tuple being lowered: the values to lower
    /// flat, or a deferred helper call when writing memory.
    fn lower_fields(
        &mut self,
        ty: TypeId,
        v: &Op,
        fields: Vec<(String, Type)>,
        results: &mut Vec<Op>,
    ) {
        if self.block().memory && self.own != Some(ty) {
            let call = format!("{}({}, ", self.helper(Kind::Lower, Type::Id(ty)), v.expr);
            let id = self.deferred.len();
            self.deferred.push(Deferred { call, at: None });
            self.line(format!("{DEFERRED}{id}"));
            results.extend(fields.iter().map(|_| Op {
                deferred: Some(id),
                ..Op::default()
            }));
            return;
        }
        for (name, fty) in fields {
            results.push(Op::new(format!("{}.{name}", v.expr), self.g.prim(&fty)));
        }
    }

    /// A record or tuple from its lifted fields, or its helper's call when
    /// it was read from memory.
    fn lift_fields(&mut self, ty: TypeId, fields: &[Op]) -> Op {
        let at = fields.first().and_then(|f| f.at.clone());
        if let Some(at) = at.clone().filter(|_| self.own != Some(ty)) {
            let f = self.helper(Kind::Lift, Type::Id(ty));
            return Op::new(format!("{f}({})", addr(&at)), "").at(Some(at));
        }
        let name = self.g.helper_ty(self.home, &Type::Id(ty));
        let args: Vec<&str> = fields.iter().map(|f| f.expr.as_str()).collect();
        Op::new(format!("new {name}({})", args.join(", ")), "").at(at)
    }

    /// Lowers variant-like `v` (its case blocks are finished): a helper call
    /// when writing memory, else an `if` chain over the cases that assigns
    /// the flat values `flat` (none when writing memory).
    fn lower_cases(
        &mut self,
        ty: TypeId,
        v: &Op,
        cases: &[Option<Type>],
        flat: &[WasmType],
        results: &mut Vec<Op>,
    ) {
        let blocks = self.take(cases.len());
        if flat.is_empty() && self.own != Some(ty) {
            let f = self.helper(Kind::Lower, Type::Id(ty));
            let at = blocks[0]
                .first_store
                .clone()
                .expect("a variant stores its case");
            self.line(format!("{f}({}, {});", v.expr, addr(&at)));
            return;
        }
        let vars: Vec<Op> = flat
            .iter()
            .map(|t| {
                let name = self.tmp("f");
                self.line(format!("let {name}: {} = 0;", core(*t)));
                Op::new(name, core(*t))
            })
            .collect();
        let access = self.g.case_access(self.home, ty, &v.expr);
        let last = blocks.len() - 1;
        for (i, (block, (cond, payload))) in blocks.into_iter().zip(access).enumerate() {
            self.line(match i {
                _ if last == 0 => "{".to_string(),
                0 => format!("if ({cond}) {{"),
                _ if i == last => "} else {".to_string(),
                _ => format!("}} else if ({cond}) {{"),
            });
            if cases[i].is_some() {
                self.line(format!("  const {} = {payload};", block.payload));
            }
            for line in block.lines {
                self.line(format!("  {line}"));
            }
            for (var, value) in vars.iter().zip(&block.results) {
                self.line(format!("  {} = {};", var.expr, value.to(var.ty).expr));
            }
        }
        self.line("}");
        results.extend(vars);
    }

    /// Lifts variant-like `ty` with discriminant `disc` (its case blocks are
    /// finished): a helper call when read from memory, else a `switch` that
    /// returns the value (in the type's own helper) or assigns a local.
    fn lift_cases(&mut self, ty: TypeId, disc: &Op, cases: usize) -> Op {
        let blocks = self.take(cases);
        if let Some(at) = disc.at.clone().filter(|_| self.own != Some(ty)) {
            let f = self.helper(Kind::Lift, Type::Id(ty));
            return Op::new(format!("{f}({})", addr(&at)), "").at(Some(at));
        }
        let local = (self.own != Some(ty)).then(|| {
            let name = self.tmp("r");
            let (t, init) = self.g.placeholder(self.home, &Type::Id(ty));
            self.line(format!("let {name}: {t} = {init};"));
            name
        });
        self.line(format!("switch ({}) {{", disc.expr));
        for (i, block) in blocks.into_iter().enumerate() {
            let value = self.g.make_case(
                self.home,
                ty,
                i,
                block.results.first().map(|p| p.expr.as_str()),
            );
            let end = match &local {
                Some(name) => format!("{name} = {value}; break;"),
                None => format!("return {value};"),
            };
            if block.lines.is_empty() {
                self.line(format!("  case {i}: {end}"));
                continue;
            }
            self.line(format!("  case {i}: {{"));
            for line in block.lines {
                self.line(format!("    {line}"));
            }
            self.line(format!("    {end}"));
            self.line("  }");
        }
        // `unreachable()` is an expression of any type, so the helper's
        // `switch` still returns on every path.
        self.line(match local {
            Some(_) => "  default: unreachable();",
            None => "  default: return unreachable();",
        });
        self.line("}");
        match local {
            Some(name) => Op::new(name, "").at(disc.at.clone()),
            None => Op {
                returned: true,
                ..Op::default()
            },
        }
    }

    fn call_wasm(&mut self, sig: &WasmSignature, operands: &[Op], results: &mut Vec<Op>) {
        let Call::Import { raw, mark, .. } = &self.call else {
            unreachable!("only imports call wasm")
        };
        let args: Vec<String> = operands
            .iter()
            .zip(&sig.params)
            .map(|(o, t)| o.to(core(*t)).expr)
            .collect();
        let call = format!("{raw}({});", args.join(", "));
        let mark = *mark;
        match sig.results.first() {
            Some(t) => {
                self.line(format!("const ret = {call}"));
                results.push(Op::new("ret", core(*t)));
            }
            None => self.line(call),
        }
        if mark {
            self.line("rt.deferRelease(mark);");
        }
    }

    fn call_interface(&mut self, func: &Function, operands: &[Op], results: &mut Vec<Op>) {
        let Call::Export {
            target,
            post_return,
        } = &self.call
        else {
            unreachable!("only exports call the interface")
        };
        let args: Vec<&str> = operands.iter().map(|o| o.expr.as_str()).collect();
        let call = format!("{target}({});", args.join(", "));
        let post_return = *post_return;
        match &func.result {
            Some(t) => {
                self.line(format!("const result = {call}"));
                results.push(Op::new("result", self.g.prim(t)));
            }
            None => self.line(call),
        }
        if post_return {
            self.line("exportMark = rt.deferMark();");
        }
    }
}

impl Bindgen for Body<'_, '_> {
    type Operand = Op;

    fn emit(
        &mut self,
        _: &Resolve,
        inst: &Instruction<'_>,
        operands: &mut Vec<Op>,
        results: &mut Vec<Op>,
    ) {
        use Instruction as I;
        if let Some(id) = operands.iter().find_map(|o| o.deferred) {
            return self.defer(id, inst, operands, results);
        }
        if let Some((t, res, offset)) = load_of(inst) {
            let base = operands[0].expr.clone();
            let load = format!("load<{t}>({base}{})", imm(offset));
            let op = Op::new(load, t).to(res);
            results.push(op.at(Some((base, offset.size_wasm32()))));
            return;
        }
        if let Some((t, offset)) = store_of(inst) {
            let (value, base) = (operands[0].to(t).expr, operands[1].expr.clone());
            self.line(format!("store<{t}>({base}, {value}{});", imm(offset)));
            let block = self.block();
            block
                .first_store
                .get_or_insert((base, offset.size_wasm32()));
            return;
        }
        let v = operands.first().cloned().unwrap_or_default();
        let scalar = |to: &'static str| v.to(to);
        let out = match inst {
            I::GetArg { nth } => self.args[*nth].clone(),
            I::I32Const { val } => Op::new(val.to_string(), "i32"),
            I::Bitcasts { casts } => {
                results.extend(
                    casts
                        .iter()
                        .zip(operands.iter())
                        .map(|(c, o)| bitcast(o, c)),
                );
                return;
            }
            I::ConstZero { tys } => {
                results.extend(tys.iter().map(|t| Op::new("0", core(*t))));
                return;
            }
            I::Flush { .. } => {
                results.append(operands);
                return;
            }
            I::I32FromBool => Op::new(format!("{} ? 1 : 0", v.expr), "i32"),
            I::I32FromChar
            | I::I32FromU32
            | I::I32FromS32
            | I::I32FromU16
            | I::I32FromS16
            | I::I32FromU8
            | I::I32FromS8
            | I::S32FromI32
            | I::EnumLower { .. } => scalar("i32"),
            I::I64FromU64 | I::I64FromS64 | I::S64FromI64 => scalar("i64"),
            I::CoreF32FromF32 | I::F32FromCoreF32 => scalar("f32"),
            I::CoreF64FromF64 | I::F64FromCoreF64 => scalar("f64"),
            I::S8FromI32 => scalar("i8"),
            I::U8FromI32 => scalar("u8"),
            I::S16FromI32 => scalar("i16"),
            I::U16FromI32 => scalar("u16"),
            I::U32FromI32 | I::CharFromI32 => scalar("u32"),
            I::U64FromI64 => scalar("u64"),
            I::BoolFromI32 => Op::new(format!("{} != 0", paren(&v.expr)), "bool").at(v.at.clone()),
            I::FlagsLower { .. } => scalar("i32"),
            I::HandleLower { handle, .. } => {
                let f = match handle {
                    Handle::Own(_) => "takeHandle",
                    Handle::Borrow(_) => "borrowHandle",
                };
                Op::new(format!("{}.{f}()", v.expr), "i32")
            }
            I::HandleLift { ty, .. } => {
                let r = self.g.resource_of(&Type::Id(*ty)).expect("checked handle");
                let name = self.g.ty(self.home, &Type::Id(r));
                Op::new(format!("new {name}({})", v.to("i32").expr), "").at(v.at.clone())
            }
            I::EnumLift { ty, .. } | I::FlagsLift { ty, .. } => {
                let name = self.g.ty(self.home, &Type::Id(*ty));
                Op::new(format!("<{name}>{}", paren(&v.expr)), "").at(v.at.clone())
            }
            I::StringLower { .. } | I::ListCanonLower { .. } | I::ListLower { .. } => {
                let ptr = match inst {
                    I::StringLower { .. } => format!("changetype<usize>({})", v.expr),
                    I::ListLower { element, .. } => {
                        self.take(1);
                        self.note_list(inst);
                        format!("{}({})", self.helper(Kind::LowerList, **element), v.expr)
                    }
                    _ => format!("{}.dataStart", v.expr),
                };
                results.push(Op::new(ptr, "usize"));
                Op::new(format!("{}.length", v.expr), "i32")
            }
            I::StringLift | I::ListCanonLift { .. } | I::ListLift { .. } => {
                let (ptr, len) = (operands[0].to("usize").expr, &operands[1]);
                let call = match inst {
                    I::StringLift => {
                        format!("{}({ptr}, {})", self.rt("liftString"), len.to("u32").expr)
                    }
                    I::ListLift { element, .. } => {
                        self.take(1);
                        let f = self.helper(Kind::LiftList, **element);
                        format!("{f}({ptr}, {})", len.to("i32").expr)
                    }
                    _ => format!("{}({ptr}, {})", self.rt("liftBytes"), len.to("i32").expr),
                };
                Op::new(call, "").at(v.at.clone())
            }
            I::IterElem { .. } => Op::new("e", ""),
            I::IterBasePointer => {
                self.block().memory = true;
                Op::new("base", "usize")
            }
            I::RecordLower { record, ty, .. } => {
                let fields = record
                    .fields
                    .iter()
                    .map(|f| (ident(&f.name), f.ty))
                    .collect();
                return self.lower_fields(*ty, &v, fields, results);
            }
            I::TupleLower { tuple, ty } => {
                let fields = tuple
                    .types
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (format!("f{i}"), *t))
                    .collect();
                return self.lower_fields(*ty, &v, fields, results);
            }
            I::RecordLift { ty, .. } | I::TupleLift { ty, .. } => self.lift_fields(*ty, operands),
            I::VariantPayloadName => {
                let name = self.tmp("v");
                self.block().payload = name.clone();
                Op::new(name, "")
            }
            I::VariantLower {
                variant,
                ty,
                results: flat,
                ..
            } => {
                let cases: Vec<Option<Type>> = variant.cases.iter().map(|c| c.ty).collect();
                return self.lower_cases(*ty, &v, &cases, flat, results);
            }
            I::OptionLower {
                payload,
                ty,
                results: flat,
            } => {
                return self.lower_cases(*ty, &v, &[None, Some(**payload)], flat, results);
            }
            I::ResultLower {
                result,
                ty,
                results: flat,
            } => {
                return self.lower_cases(*ty, &v, &[result.ok, result.err], flat, results);
            }
            I::VariantLift { ty, .. } | I::OptionLift { ty, .. } | I::ResultLift { ty, .. } => {
                self.lift_cases(*ty, &v, blocks_of(inst))
            }
            I::CallWasm { sig, .. } => return self.call_wasm(sig, operands, results),
            I::CallInterface { func, .. } => return self.call_interface(func, operands, results),
            I::Return { amt, .. } => {
                if *amt == 1 {
                    self.line(format!("return {};", v.expr));
                }
                return;
            }
            I::GuestDeallocate { .. } => {
                self.line(format!("{}({}, 1);", self.rt("freeList"), v.expr));
                return;
            }
            other => unreachable!("{other:?} for a type the generator refuses"),
        };
        results.push(out);
    }

    fn return_pointer(&mut self, size: ArchitectureSize, align: Alignment) -> Op {
        self.block().memory = true;
        if let Call::Import {
            params_area: area @ true,
            mark,
            ..
        } = &mut self.call
        {
            *area = false;
            *mark = true;
            self.line(format!(
                "const args = rt.allocList(1, {});",
                size.size_wasm32()
            ));
            return Op::new("args", "usize");
        }
        let m = self.g.modules.entry(self.home).or_default();
        m.ret_area.0 = m.ret_area.0.max(size.size_wasm32());
        m.ret_area.1 = m.ret_area.1.max(align.align_wasm32());
        Op::new("RET_AREA", "usize")
    }

    fn push_block(&mut self) {
        let memory = self.block().memory;
        self.blocks.push(Block {
            memory,
            ..Block::default()
        });
    }

    fn finish_block(&mut self, operands: &mut Vec<Op>) {
        let mut block = self.blocks.pop().expect("a block");
        block.results = std::mem::take(operands);
        self.finished.push(block);
    }

    fn sizes(&self) -> &SizeAlign {
        &self.g.sizes
    }

    fn is_list_canonical(&self, _: &Resolve, element: &Type) -> bool {
        self.g.is_bytes(element)
    }
}

/// `lines`, each indented by `indent`, one per line.
fn indented(lines: &[String], indent: &str) -> String {
    lines.iter().map(|l| format!("{indent}{l}\n")).collect()
}

/// The body of the wrapper of imported `func`, which calls the core import `raw`.
/// The `self` of a method is `this`; its lines are indented by `indent`.
pub(super) fn import_body(
    g: &mut Gen<'_>,
    home: Home,
    func: &Function,
    raw: String,
    indent: &str,
) -> String {
    let resolve = g.resolve;
    let sig = resolve.wasm_signature(AbiVariant::GuestImport, func);
    let method = matches!(func.kind, FunctionKind::Method(_));
    let args = func
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| match i {
            0 if method => Op::new("this", ""),
            _ => Op::new(param_ident(&p.name), g.prim(&p.ty)),
        })
        .collect();
    let call = Call::Import {
        raw,
        params_area: sig.indirect_params,
        mark: false,
    };
    let mut body = Body::new(g, home, None, args, call, false);
    abi::call(
        resolve,
        AbiVariant::GuestImport,
        LiftLower::LowerArgsLiftResults,
        func,
        &mut body,
        false,
    );
    indented(&body.finish(), indent)
}

/// The body of the export shim of `func`, which calls the implementation
/// `target`.
pub(super) fn export_body(
    g: &mut Gen<'_>,
    home: Home,
    func: &Function,
    sig: &WasmSignature,
    target: String,
) -> String {
    let resolve = g.resolve;
    let args = sig
        .params
        .iter()
        .enumerate()
        .map(|(i, t)| Op::new(core_param(sig, i, false), core(*t)))
        .collect();
    let post_return = abi::guest_export_needs_post_return(resolve, func);
    let call = Call::Export {
        target,
        post_return,
    };
    let mut body = Body::new(g, home, None, args, call, false);
    abi::call(
        resolve,
        AbiVariant::GuestExport,
        LiftLower::LiftArgsLowerResults,
        func,
        &mut body,
        false,
    );
    indented(&body.finish(), "  ")
}

/// The name of core parameter `i` of `sig`.
pub(super) fn core_param(sig: &WasmSignature, i: usize, import: bool) -> String {
    if import && sig.retptr && i + 1 == sig.params.len() {
        "retptr".into()
    } else if sig.indirect_params && i == 0 {
        "args".into()
    } else {
        format!("p{i}")
    }
}

/// The source of `helper`.
pub(super) fn helper_source(g: &mut Gen<'_>, h: &Helper) -> String {
    let resolve = g.resolve;
    let (home, name) = (h.home, &h.name);
    let own = match h.ty {
        Type::Id(id) if matches!(h.kind, Kind::Lift | Kind::Lower) => Some(id),
        _ => None,
    };
    let t = g.helper_ty(home, &h.ty);
    let size = g.sizes.size(&h.ty).size_wasm32();
    let memory = matches!(h.kind, Kind::Lower | Kind::LowerList);
    let mut body = Body::new(g, home, own, Vec::new(), Call::None, memory);
    match h.kind {
        Kind::Lift | Kind::LiftList => {
            let base = if h.kind == Kind::Lift { "ptr" } else { "base" };
            let value = abi::lift_from_memory(resolve, &mut body, Op::new(base, "usize"), &h.ty);
            if !value.returned {
                body.line(match h.kind {
                    Kind::Lift => format!("return {};", value.expr),
                    _ => format!("list.push({});", value.expr),
                });
            }
        }
        Kind::Lower | Kind::LowerList => {
            let (base, v) = match h.kind {
                Kind::Lower => ("ptr", "v"),
                _ => ("base", "unchecked(list[i])"),
            };
            let value = Op::new(v, body.g.prim(&h.ty));
            abi::lower_to_memory(resolve, &mut body, Op::new(base, "usize"), value, &h.ty);
        }
    }
    let rt = body.rt("");
    let lines = body.finish();
    let mut out = String::new();
    let _ = match h.kind {
        Kind::Lift => write!(
            out,
            "export function {name}(ptr: usize): {t} {{\n{}",
            indented(&lines, "  ")
        ),
        Kind::Lower => write!(
            out,
            "export function {name}(v: {t}, ptr: usize): void {{\n{}",
            indented(&lines, "  ")
        ),
        Kind::LiftList => write!(
            out,
            "export function {name}(ptr: usize, len: i32): Array<{t}> {{\n  const list = new Array<{t}>();\n  for (let i = 0; i < len; i++) {{\n    const base = ptr + <usize>i * {size};\n{}  }}\n  {rt}freeList(ptr, len);\n  return list;\n",
            indented(&lines, "    ")
        ),
        Kind::LowerList => write!(
            out,
            "export function {name}(list: Array<{t}>): usize {{\n  const ptr = {rt}allocList(list.length, {size});\n  for (let i = 0; i < list.length; i++) {{\n    const base = ptr + <usize>i * {size};\n{}  }}\n  return ptr;\n",
            indented(&lines, "    ")
        ),
    };
    out.push_str("}\n");
    out
}

impl Gen<'_> {
    /// The AssemblyScript type of a helper's value: structural for lists,
    /// options, results and tuples (their aliases may live in modules the
    /// helper's module cannot import).
    pub(super) fn helper_ty(&mut self, home: Home, ty: &Type) -> String {
        match self.unalias(ty) {
            Type::Id(id)
                if matches!(
                    self.resolve.types[id].kind,
                    TypeDefKind::List(_)
                        | TypeDefKind::Option(_)
                        | TypeDefKind::Result(_)
                        | TypeDefKind::Tuple(_)
                ) =>
            {
                self.anon_ty(home, id)
            }
            t => self.ty(home, &t),
        }
    }

    /// A local's type and placeholder value before a variant-like value is
    /// assigned to it.
    fn placeholder(&mut self, home: Home, ty: &Type) -> (String, String) {
        let t = self.helper_ty(home, ty);
        let init = if self.is_nullable(ty) {
            "null".to_string()
        } else if self.is_value(ty) {
            format!("<{t}>0")
        } else {
            format!("changetype<{t}>(0)")
        };
        (t, init)
    }

    /// For each case of variant-like `ty` held in `v`: (condition, payload).
    fn case_access(&mut self, home: Home, ty: TypeId, v: &str) -> Vec<(String, String)> {
        match self.resolve.types[ty].kind.clone() {
            TypeDefKind::Option(t) => {
                let payload = if self.boxed(&t) {
                    format!("changetype<Box<{}>>({v}).value", self.ty(home, &t))
                } else {
                    format!("changetype<{}>({v})", self.ty(home, &t))
                };
                vec![
                    (format!("{v} === null"), String::new()),
                    (String::new(), payload),
                ]
            }
            TypeDefKind::Result(_) => vec![
                (format!("{v}.isOk"), format!("{v}.value")),
                (String::new(), format!("{v}.error")),
            ],
            TypeDefKind::Variant(var) => var
                .cases
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    (
                        format!("{v}.tag == {i}"),
                        format!("{v}.get{}()", upper_camel(&c.name)),
                    )
                })
                .collect(),
            other => unreachable!("{other:?} is not variant-like"),
        }
    }

    /// Case `i` of variant-like `ty` with the lifted `payload`.
    fn make_case(&mut self, home: Home, ty: TypeId, i: usize, payload: Option<&str>) -> String {
        match self.resolve.types[ty].kind.clone() {
            TypeDefKind::Option(t) => match payload {
                None => "null".into(),
                Some(p) if self.boxed(&t) => format!("new Box<{}>({p})", self.ty(home, &t)),
                Some(p) => p.into(),
            },
            TypeDefKind::Result(r) => {
                let ok = self.opt_ty(home, r.ok.as_ref());
                let err = self.opt_ty(home, r.err.as_ref());
                let f = if i == 0 { "ok" } else { "err" };
                let f = match home {
                    Home::Rt => f.to_string(),
                    Home::Iface(_) => format!("rt.{f}"),
                };
                format!("{f}<{ok}, {err}>({})", payload.unwrap_or("new Unit()"))
            }
            TypeDefKind::Variant(v) => {
                let name = self.ty(home, &Type::Id(ty));
                format!(
                    "{name}.{}({})",
                    ident(&v.cases[i].name),
                    payload.unwrap_or_default()
                )
            }
            other => unreachable!("{other:?} is not variant-like"),
        }
    }
}
