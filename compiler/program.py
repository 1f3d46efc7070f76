"""AST modules → one checked `Program`.

Declarations are lowered lazily: a rule that uses a definition lowers it on first use,
and a definition met again while it is being lowered is a cycle, reported with the
whole chain. The order in which definitions finish lowering is a dependency order,
which is the order the IR lists them in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lawcode.compiler import ir
from lawcode.compiler import types as T
from lawcode.compiler.citations import lower_document, resolve_citation
from lawcode.compiler.lower import Lowerer
from lawcode.compiler.modules import Loaded, display
from lawcode.compiler.schema import SnapshotSchema
from lawcode.dsl import ast
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError, Level, did_you_mean, error
from lawcode.dsl.spans import Span

if TYPE_CHECKING:
    import networkx as nx


@dataclass(frozen=True, slots=True)
class Program:
    """A compiled ruleset: what the engine evaluates and the tools inspect."""

    documents: dict[str, ir.Document]
    parameters: dict[str, ir.Parameter]
    ladders: dict[str, ir.Ladder]
    definitions: dict[str, ir.Definition]  # in dependency order
    rules: tuple[ir.Rule, ...]  # in source order
    schema: SnapshotSchema
    sources: dict[str, str]
    modules: dict[str, ast.Module]
    warnings: tuple[Diagnostic, ...] = ()
    _built: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)  # fresh on `replace`

    @property
    def graph(self) -> nx.DiGraph:
        """The dependency graph (`lawcode.compiler.graph`), built on first use: evaluating
        needs none of it, and importing networkx is a quarter of `lawcode check`'s start-up."""
        found = self._built.get("graph")
        if found is None:
            from lawcode.compiler.graph import build_graph

            found = self._built["graph"] = build_graph(self)
        return found


@dataclass(slots=True)
class _Symbol:
    module: str
    decl: ast.Parameter | ast.Definition | ast.Ladder


@dataclass(slots=True)
class Compiler:
    loaded: Loaded
    problems: list[Diagnostic] = field(default_factory=list)
    symbols: dict[str, _Symbol] = field(default_factory=dict)
    documents: dict[str, ir.Document] = field(default_factory=dict)
    parameters: dict[str, ir.Parameter] = field(default_factory=dict)
    ladders: dict[str, ir.Ladder] = field(default_factory=dict)
    definitions: dict[str, ir.Definition] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    lowering: list[str] = field(default_factory=list)
    schema: SnapshotSchema = field(default_factory=lambda: SnapshotSchema({"type": "object"}))
    usage: bool = True  # W001-W003 (usage.py), W010-W011 (messages.py): off where only part of the rules is compiled (the LSP)

    # ------------------------------------------------------------ entry
    def compile(self) -> Program:
        self._load_schema()
        self._register()
        for name, sym in self.symbols.items():
            if isinstance(sym.decl, ast.Ladder):
                self.ladder(sym.module, name)
        for name, sym in self.symbols.items():
            if isinstance(sym.decl, ast.Parameter):
                self.parameter(sym.module, name)
        for name, sym in self.symbols.items():
            if isinstance(sym.decl, ast.Definition):
                self.definition(sym.module, name, sym.decl.span)
        rules = self._rules()
        # A scope's condition is checked in each rule of its block (it is the first of
        # their `unless` clauses): one report of each problem it has is enough.
        self.problems[:] = dict.fromkeys(self.problems)
        errors = [p for p in self.problems if p.level is Level.ERROR]
        if errors:
            raise LawcodeError(self.problems, self.loaded.sources)
        program = Program(
            documents=self.documents,
            parameters=self.parameters,
            ladders=self.ladders,
            definitions=self.definitions,
            rules=tuple(rules),
            schema=self.schema,
            sources=self.loaded.sources,
            modules=self.loaded.modules,
            warnings=tuple(self.problems),
        )
        if not self.usage:
            return program
        from lawcode.compiler.messages import message_warnings  # both read the Program this module defines
        from lawcode.compiler.usage import unused_declarations

        return replace(program, warnings=(*program.warnings, *unused_declarations(program, self.loaded), *message_warnings(program)))

    # ------------------------------------------------------------ schema
    def _load_schema(self) -> None:
        chosen: tuple[Path, Span] | None = None
        for name, module in self.loaded.modules.items():
            for decl in module.declarations:
                if not isinstance(decl, ast.SchemaDecl):
                    continue
                path = (self.loaded.base_dirs[name] / decl.path).resolve()
                if chosen is None:
                    chosen = (path, decl.span)
                elif chosen[0] != path:
                    self.problems.append(
                        Diagnostic("E012", f"a second snapshot schema `{decl.path}`; the ruleset already uses `{display(chosen[0])}`", decl.span, "all files of a ruleset share one schema: put `schema` in one shared module"),
                    )
        if chosen is None:
            first = next(iter(self.loaded.modules.values()), None)
            span = Span(first.path, 1, 1, 1, 2) if first else None
            self.problems.append(error("E012", "the ruleset names no snapshot schema", span, 'add `schema "snapshot.schema.json"` (a JSON Schema file, relative to the ruleset)'))
            raise LawcodeError(self.problems, self.loaded.sources)
        path, span = chosen
        try:
            self.schema = SnapshotSchema.load(path)
        except (OSError, ValueError) as exc:
            self.problems.append(error("E013", f"cannot read the snapshot schema `{display(path)}`: {exc}", span))
            raise LawcodeError(self.problems, self.loaded.sources) from None
        self.schema.path = display(path)

    # ------------------------------------------------------------ names
    def _register(self) -> None:
        seen_rules: dict[str, Span] = {}
        for name, module in self.loaded.modules.items():
            for decl in module.declarations:
                if isinstance(decl, ast.Document):
                    if decl.key in self.documents:
                        self.problems.append(error("E014", f"document `{decl.key}` is declared twice (also at {self.documents[decl.key].span})", decl.span))
                        continue
                    self.documents[decl.key] = lower_document(decl, self.problems)
                elif isinstance(decl, ast.Parameter | ast.Definition | ast.Ladder):
                    if decl.name in self.symbols:
                        other = self.symbols[decl.name].decl.span
                        self.problems.append(error("E014", f"`{decl.name}` is declared twice (also at {other})", decl.span, "names of parameters, definitions and ladders are unique across a ruleset"))
                        continue
                    if decl.name in ("as_of", *self.schema.properties(self.schema.root)):
                        self.problems.append(error("E014", f"`{decl.name}` is already a name of the snapshot", decl.span, "choose another name"))
                        continue
                    self.symbols[decl.name] = _Symbol(name, decl)
                elif isinstance(decl, ast.Rule):
                    if decl.id in seen_rules:
                        self.problems.append(error("E014", f"rule `{decl.id}` is declared twice (also at {seen_rules[decl.id]})", decl.span))
                    seen_rules[decl.id] = decl.span

    def _visible(self, module: str, name: str) -> _Symbol | None:
        sym = self.symbols.get(name)
        if sym is None:
            return None
        if sym.module == module or sym.module in self.loaded.imports.get(module, ()):
            return sym
        return None

    def visible_names(self, module: str) -> list[str]:
        return [n for n in self.symbols if self._visible(module, n)]

    def import_hint(self, module: str, name: str) -> str | None:
        """For a name declared in a file this module does not import: how to import it."""
        sym = self.symbols.get(name)
        if sym is not None and self._visible(module, name) is None:
            return f'`{name}` is declared in `{sym.module}`: add `import "{_relative(module, sym.module)}"`'
        return None

    # ------------------------------------------------------------ types
    def resolve_type(self, module: str, ref: ast.TypeRef) -> T.Type:
        if ref.arg is None:
            if ref.name in T.SCALARS:
                return T.SCALARS[ref.name]
            if ref.name in T.TYPE_ALIASES:
                return T.TYPE_ALIASES[ref.name]
            if ref.name in self.schema.collections():
                return T.entity_of(ref.name)
            names = [*T.SCALARS, *T.TYPE_ALIASES, *self.schema.collections(), "step of", "escalation of", "list of"]
            self.problems.append(error("E015", f"unknown type `{ref.name}`", ref.span, did_you_mean(ref.name, names) or f"types: {', '.join(T.SCALARS)}, a collection's name, `step of L`, `escalation of L`, `list of T`"))
            return T.UNKNOWN
        if ref.name in ("step", "escalation"):
            ladder_name = ref.arg.name
            if self.ladder(module, ladder_name) is None:
                self.problems.append(error("E015", f"unknown ladder `{ladder_name}`", ref.arg.span, did_you_mean(ladder_name, [n for n, s in self.symbols.items() if isinstance(s.decl, ast.Ladder)])))
                return T.UNKNOWN
            return T.step_of(ladder_name) if ref.name == "step" else T.escalation_of(ladder_name)
        if ref.name == "list":
            return T.list_of(self.resolve_type(module, ref.arg))
        self.problems.append(error("E015", f"unknown type `{ref.name} of …`", ref.span, "generic types: `step of L`, `escalation of L`, `list of T`"))
        return T.UNKNOWN

    # ------------------------------------------------------------ ladders
    def ladder(self, module: str, name: str) -> ir.Ladder | None:
        sym = self._visible(module, name)
        if sym is None or not isinstance(sym.decl, ast.Ladder):
            return None
        if name in self.ladders:
            return self.ladders[name]
        decl = sym.decl
        steps = [s.name for s in decl.steps]
        for i, step in enumerate(decl.steps):
            if step.name in steps[:i]:
                self.problems.append(error("E016", f"step `{step.name}` appears twice on ladder `{name}`", step.span))
        cites = self._citations(decl.citations)
        result = ir.Ladder(name, tuple(dict.fromkeys(steps)), cites, decl.span)
        self.ladders[name] = result
        return result

    # ------------------------------------------------------------ parameters
    def parameter(self, module: str, name: str) -> ir.Parameter | None:
        sym = self._visible(module, name)
        if sym is None or not isinstance(sym.decl, ast.Parameter):
            return None
        if name in self.parameters:
            return self.parameters[name]
        decl = sym.decl
        ptype = self.resolve_type(sym.module, decl.type)
        default = self._param_default(sym.module, decl, ptype)
        if decl.source is not None:
            self._check_param_source(decl, ptype)
        result = ir.Parameter(name, ptype, default, decl.source, decl.unit, self._citations(decl.citations), decl.span)
        self.parameters[name] = result
        return result

    def _param_default(self, module: str, decl: ast.Parameter, ptype: T.Type) -> Any:
        if isinstance(ptype, T.EscalationType):
            ladder = self.ladders.get(ptype.ladder)
            if not isinstance(decl.default, ast.MapLit) or ladder is None:
                self.problems.append(error("E017", "an escalation's default is a table `{count: step, …}`", decl.default.span, f"e.g. `{{1: {ladder.steps[0] if ladder else 'first_step'}, 3: …}}`"))
                return ()
            table: list[tuple[int, int]] = []
            for key, value in decl.default.entries:
                if not isinstance(key, ast.IntLit):
                    self.problems.append(error("E017", "an escalation's thresholds are whole numbers (counts)", key.span))
                    continue
                if not isinstance(value, ast.Name) or value.name not in ladder.steps:
                    label = value.name if isinstance(value, ast.Name) else "this"
                    self.problems.append(error("E037", f"`{label}` is not a step of `{ladder.name}`", value.span, did_you_mean(label, ladder.steps) or f"its steps: {', '.join(ladder.steps)}"))
                    continue
                table.append((key.value, ladder.steps.index(value.name)))
            thresholds = [t for t, _ in table]
            if len(set(thresholds)) != len(thresholds):
                self.problems.append(error("E017", "an escalation lists a threshold twice", decl.default.span))
            return tuple(sorted(table))
        lowered = Lowerer(self, module, self.problems).expr(decl.default, {})
        if not T.compatible(lowered.type, ptype):
            self.problems.append(error("E017", f"parameter `{decl.name}` is a {ptype}, but its default is a {lowered.type}", decl.default.span))
            return None
        if isinstance(lowered, ir.Const):
            return lowered.value
        if isinstance(lowered, ir.ListExpr) and all(isinstance(i, ir.Const) for i in lowered.items):
            return tuple(i.value for i in lowered.items if isinstance(i, ir.Const))
        self.problems.append(error("E017", f"the default of `{decl.name}` must be a fixed value (a literal)", decl.default.span, "move the computation into a `def` that reads the parameter"))
        return None

    def _check_param_source(self, decl: ast.Parameter, ptype: T.Type) -> None:
        assert decl.source is not None and decl.source_span is not None
        props = self.schema.properties(self.schema.root)
        node: Any = None
        walked: list[str] = []
        for part in decl.source:
            if node is not None:
                props = self.schema.properties(node)
            if part not in props:
                where = ".".join(walked) or "the snapshot"
                self.problems.append(error("E031", f"unknown field `{part}` in `{where}`", decl.source_span, did_you_mean(part, props) or f"declared there: {', '.join(sorted(props)) or 'nothing'}"))
                return
            node = props[part]
            walked.append(part)
        info = self.schema.type_of(node, "param-source")
        ok = {
            T.PERIOD: (T.DURATION, T.PERIOD, T.STRING),
            T.DURATION: (T.DURATION, T.STRING),
        }.get(ptype, (ptype,))
        if isinstance(ptype, T.EscalationType):
            ok = (info.type,) if isinstance(info.type, T.RecordType) else ()
        elif isinstance(ptype, T.StepType):
            ok = (T.STRING,)
        if info.type != T.UNKNOWN and info.type not in ok and ptype != T.UNKNOWN:
            self.problems.append(error("E017", f"`{'.'.join(decl.source)}` holds a {info.type} in the schema, but `{decl.name}` is a {ptype}", decl.source_span))

    # ------------------------------------------------------------ definitions
    def definition_params(self, module: str, name: str) -> tuple[ast.DefParam, ...] | None:
        sym = self._visible(module, name)
        if sym is None or not isinstance(sym.decl, ast.Definition):
            return None
        return sym.decl.params or ()

    def definition(self, module: str, name: str, span: Span) -> ir.Definition | None:
        sym = self._visible(module, name)
        if sym is None or not isinstance(sym.decl, ast.Definition):
            return None
        if name in self.definitions:
            return self.definitions[name]
        if name in self.failed:
            return None
        if name in self.lowering:
            chain = [*self.lowering[self.lowering.index(name):], name]
            self.problems.append(
                Diagnostic(
                    "E040",
                    "definitions depend on each other in a cycle: " + " → ".join(chain),
                    span,
                    "break the cycle: one of these must be computed without the others",
                    notes=tuple((f"`{n}` is defined here", self.symbols[n].decl.span) for n in chain[:-1]),
                )
            )
            self.failed.update(chain)
            return None
        decl = sym.decl
        self.lowering.append(name)
        try:
            params = tuple((p.name, self.resolve_type(sym.module, p.type)) for p in decl.params or ())
            env = dict(params)
            body = Lowerer(self, sym.module, self.problems).expr(decl.body, env)
            rtype = body.type
            if decl.returns is not None:
                declared = self.resolve_type(sym.module, decl.returns)
                if not T.compatible(declared, rtype):
                    self.problems.append(error("E032", f"`{name}` is declared to give a {declared}, but its body gives a {rtype}", decl.body.span))
                rtype = declared
        finally:
            self.lowering.pop()
        if name in self.failed:
            return None
        result = ir.Definition(name, params, body, rtype, decl.span)
        self.definitions[name] = result
        return result

    # ------------------------------------------------------------ rules
    def _citations(self, cites: tuple[ast.Citation, ...]) -> tuple[ir.Citation, ...]:
        out = []
        for cite in cites:
            resolved = resolve_citation(cite, self.documents, self.problems)
            if resolved is not None:
                out.append(resolved)
        return tuple(out)

    def _rules(self) -> list[ir.Rule]:
        rules: list[ir.Rule] = []
        for name, module in self.loaded.modules.items():
            for decl in module.declarations:
                if isinstance(decl, ast.Rule):
                    rule = self._rule(name, decl)
                    if rule is not None:
                        rules.append(rule)
        return rules

    def _rule(self, module: str, decl: ast.Rule) -> ir.Rule | None:
        """The rule as IR, or None when it has an error (each reported once, in source order:
        basis and labels, subject, conditions, message, dates)."""
        problems = self.problems
        before = len(problems)
        cites, related, severity, kind = self._rule_labels(decl)
        lower = Lowerer(self, module, problems)
        env: dict[str, T.Type] = {}
        collection, var, where = self._rule_subject(decl, lower, env)
        if not decl.requires:
            problems.append(error("E054", f"rule `{decl.id}` requires nothing", decl.span, "add `require CONDITION`"))
            return None
        require = _all(lower.boolean(r, env, "`require`") for r in decl.requires)
        unless = _any(_unless(lower, decl, env)) if decl.unless else None
        message: tuple[str | ir.Expr, ...]
        if decl.message is not None:
            message = tuple(p if isinstance(p, str) else lower.expr(p, env) for p in decl.message.parts)
        else:
            message = (decl.title or f"{decl.id} is not met",)
        self._rule_dates(decl, cites)
        if len(problems) > before:
            return None
        start, until = _envelope(cites, decl.in_force_from, decl.in_force_until)
        return ir.Rule(decl.id, decl.title, severity, kind, cites, start, until, collection, var, where, unless, require, message, decl.span, related)

    def _rule_labels(self, decl: ast.Rule) -> tuple[tuple[ir.Citation, ...], tuple[ir.Citation, ...], str, str]:
        """The rule's basis (`cites`), its `see` citations, severity and kind, each checked."""
        problems = self.problems
        if not decl.citations:
            problems.append(error("E050", f"rule `{decl.id}` cites nothing", decl.span, "every rule names the article it enforces: `cites forum-2017 art 8 para 1`"))
        cites = self._citations(decl.citations)
        related = self._citations(decl.related)
        both = {c.label for c in cites} & {c.label for c in related}
        for cite in decl.related:
            if _label(cite) in both:
                problems.append(error("E056", f"`{_label(cite)}` is cited both as the basis of rule `{decl.id}` and under `see`", cite.span, "keep it in `cites` if its words impose the duty, in `see` if it is only relevant"))
        severity = decl.severity or "medium"
        if severity not in ir.SEVERITIES:
            problems.append(error("E051", f"unknown severity `{severity}`", decl.severity_span, did_you_mean(severity, ir.SEVERITIES) or f"severities: {', '.join(ir.SEVERITIES)}"))
        kind = decl.kind or "data"
        if kind not in ir.RULE_KINDS:
            problems.append(error("E051", f"unknown rule kind `{kind}`", decl.kind_span, "kinds: data, attestation"))
        return cites, related, severity, kind

    def _rule_subject(self, decl: ast.Rule, lower: Lowerer, env: dict[str, T.Type]) -> tuple[str | None, str | None, ir.Expr | None]:
        """(collection, variable, `where` filter) of a `for each` rule, the variable bound in
        `env`; all None for an `on platform` rule."""
        subject = decl.subject
        if subject is None:
            if not decl.on_platform:
                self.problems.append(error("E053", f"rule `{decl.id}` has no subject", decl.span, "add `for each x in COLLECTION` or `on platform`"))
            return None, None, None
        if subject.collection not in lower.collections:
            self.problems.append(error("E052", f"unknown collection `{subject.collection}`", subject.collection_span, did_you_mean(subject.collection, lower.collections) or f"collections: {', '.join(lower.collections) or 'none in the schema'}"))
            env[subject.var] = T.UNKNOWN  # the rest of the rule is still checked, without a cascade
            return None, None, None
        env[subject.var] = T.entity_of(subject.collection)
        where = lower.boolean(subject.where, env, "a `where` filter") if subject.where is not None else None
        return subject.collection, subject.var, where

    def _rule_dates(self, decl: ast.Rule, cites: tuple[ir.Citation, ...]) -> None:
        """E055: the rule's own `in_force` dates are backwards, or miss every day its basis is in force."""
        if decl.in_force_until and decl.in_force_from and decl.in_force_until < decl.in_force_from:
            self.problems.append(error("E055", "the rule stops being in force before it starts", decl.span))
        elif cites and not any(_overlaps(c, decl.in_force_from, decl.in_force_until) for c in cites):
            have = "; ".join(f"{c.label} {_days(c.in_force_from, c.in_force_until)}" for c in cites)
            self.problems.append(error("E055", f"rule `{decl.id}` is never in force: its own dates ({_days(decl.in_force_from, decl.in_force_until)}) miss every day its basis is in force ({have})", decl.span, "a rule applies while one of the provisions it `cites` is in force: fix its `in_force` or its citations"))


def _all(items: Any) -> ir.Expr:
    exprs = list(items)
    out = exprs[0]
    for e in exprs[1:]:
        out = ir.And(out, e, out.span.cover(e.span))
    return out  # type: ignore[no-any-return]


def _unless(lower: Lowerer, decl: ast.Rule, env: dict[str, T.Type]) -> list[ir.Expr]:
    """A rule's `unless` clauses, its scope's first: `not CONDITION` (the builder put it
    there), its condition checked as a scope's, not as the operand of a `not` no one wrote."""
    written = [lower.boolean(u, env, "`unless`") for u in decl.own_unless]
    if decl.scope is None:
        return written
    guard = decl.unless[0]
    condition = lower.boolean(decl.scope.condition, env, "the condition of `applies when`")
    return [ir.Not(condition, guard.span), *written]


def _any(items: Any) -> ir.Expr:
    exprs = list(items)
    out = exprs[0]
    for e in exprs[1:]:
        out = ir.Or(out, e, out.span.cover(e.span))
    return out  # type: ignore[no-any-return]


def _overlaps(cite: ir.Citation, start: dt.date | None, until: dt.date | None) -> bool:
    """Whether the citation has effect on some day within [start, until] (None: open)."""
    return (cite.in_force_from is None or until is None or cite.in_force_from <= until) and (
        cite.in_force_until is None or start is None or cite.in_force_until >= start
    )


def _envelope(cites: tuple[ir.Citation, ...], start: dt.date | None, until: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day a rule can apply: from the earliest of its basis citations'
    starts to the latest of their ends, within the rule's own dates (None: open). A rule
    whose basis has a gap (one text ends, another starts later) is in force only on the
    days `ir.Rule.citations_on` finds; the envelope is what a report of it not in force says."""
    starts = [c.in_force_from for c in cites]
    ends = [c.in_force_until for c in cites]
    low = None if None in starts else min(d for d in starts if d is not None)
    high = None if None in ends else max(d for d in ends if d is not None)
    if start is not None and (low is None or start > low):
        low = start
    if until is not None and (high is None or until < high):
        high = until
    return low, high


def _days(start: dt.date | None, until: dt.date | None) -> str:
    return f"{start or '…'} – {until or '…'}"


def _label(cite: ast.Citation) -> str:
    text = f"{cite.document} {'task' if cite.unit == 'task' else 'art'} {cite.article}"
    if cite.paragraph is not None:
        text += f" para {cite.paragraph}"
    return text + (f" item {cite.item}" if cite.item is not None else "")


def _relative(importer: str, target: str) -> str:
    import os

    return os.path.relpath(target, os.path.dirname(importer) or ".")
