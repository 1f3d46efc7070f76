"""A deliberately untidy printer for the formatter's properties.

It writes an AST back as valid lawcode in a random layout: every sub-expression in
parentheses (some in two pairs), random spaces, tabs and line breaks
between tokens, clauses in random order, `cites` split over several clauses, `article`
spelled out, and comments (each with a unique text) after random line breaks. What it
prints must parse to the same tree, which is what the properties then format.
"""

from __future__ import annotations

import random

from lawcode.dsl import ast
from lawcode.dsl.formatter import quote


class Messy:
    def __init__(self, rng: random.Random, comments: bool = True) -> None:
        self.rng = rng
        self.comments = comments
        self.written: list[str] = []  # comment texts, in the order printed
        self.inline = False  # inside a message hole: spaces only

    # -- whitespace and comments
    def ws(self) -> str:
        choice = self.rng.random()
        if self.inline:
            return " " if choice < 0.7 else "  "
        if choice < 0.55:
            return " "
        if choice < 0.7:
            return self.rng.choice(["  ", "\t", " \t "])
        if self.comments and choice < 0.8:
            flavour = self.rng.choice(["", "why", "{x}", '"q"', "#", "中文"])
            text = f"# note {len(self.written)} {flavour}".rstrip()
            self.written.append(text)
            return self.rng.choice([" ", "  ", ""]) + text + "\n" + " " * self.rng.randint(0, 6)
        return "\n" + " " * self.rng.randint(0, 6)

    def join(self, *tokens: str) -> str:
        kept = [t for t in tokens if t]
        out = kept[:1]
        for token in kept[1:]:
            out += [self.ws(), token]
        return "".join(out)

    # -- expressions: fully parenthesised at random
    def expr(self, e: ast.Expr) -> str:
        text = self._expr(e)
        if self.rng.random() < 0.5:
            return self.join("(", text, ")")
        return text

    def _expr(self, e: ast.Expr) -> str:
        x = self.expr
        match e:
            case ast.Conditional(condition=c, then=t, otherwise=o):
                return self.join("(", "if", x(c), "then", x(t), "else", x(o), ")")
            case ast.BoolOp(op=op, left=left, right=right):
                return self.join("(", x(left), op, x(right), ")")
            case ast.Not(operand=operand):
                return self.join("(", "not", x(operand), ")")
            case ast.Compare(op=op, left=left, right=right):
                return self.join("(", x(left), op, x(right), ")")
            case ast.Member(item=item, container=container, negated=negated):
                return self.join("(", x(item), "not" if negated else "", "in", x(container), ")")
            case ast.Default(value=value, fallback=fallback):
                return self.join("(", x(value), "??", x(fallback), ")")
            case ast.Arith(op=op, left=left, right=right):
                return self.join("(", x(left), op, x(right), ")")
            case ast.Negate(operand=operand):
                return self.join("(", "-", x(operand), ")")
            case ast.Attribute(obj=obj, name=name):
                return self.join(x(obj), ".", name)
            case ast.Index(obj=obj, key=key):
                return self.join(x(obj), "[", x(key), "]")
            case ast.Call(func=func, args=args):
                return self.join(func, "(", self.join(*self._commas([x(a) for a in args])), ")")
            case ast.Aggregate(func=func, var=var, collection=coll, where=where, value=value):
                parts = [func, "("]
                if value is not None:
                    parts += [x(value), "for"]
                parts += [var, "in", x(coll)]
                if where is not None:
                    parts += ["where", x(where)]
                return self.join(*parts, ")")
            case ast.ListLit(items=items):
                return self.join("[", *self._commas([x(i) for i in items]), "]")
            case ast.MapLit(entries=entries):
                return self.join("{", *self._commas([self.join(x(k), ":", x(v)) for k, v in entries]), "}")
            case ast.DurationLit(amount=amount, unit=unit):
                word = unit if amount != 1 or self.rng.random() < 0.5 else unit[:-1]
                return f"{amount}{self.rng.choice([' ', '  ', '	'])}{word}"
            case ast.DateTimeLit(text=text) | ast.DecimalLit(text=text):
                return text
            case ast.DateLit(value=value):
                return value.isoformat()
            case ast.IntLit(value=value):
                return str(value)
            case ast.StringLit(value=value):
                return quote(value)
            case ast.BoolLit(value=value):
                return "true" if value else "false"
            case ast.Name(name=name):
                return name
        raise AssertionError(type(e).__name__)

    def _commas(self, items: list[str]) -> list[str]:
        out: list[str] = []
        for i, item in enumerate(items):
            out.append(item + ("," if i < len(items) - 1 else ""))
        return out

    def template(self, t: ast.Template) -> str:
        out = []
        for part in t.parts:
            if isinstance(part, str):
                escaped = quote(part)[1:-1]
                # either brace escape the parser accepts
                escaped = escaped.replace("{", self.rng.choice(["{{", "\\{"])).replace("}", self.rng.choice(["}}", "\\}"]))
                out.append(escaped)
            else:
                pad = self.rng.choice(["", " ", "  "])
                out.append("{" + pad + self._oneline(part) + pad + "}")
        return '"' + "".join(out) + '"'

    def _oneline(self, e: ast.Expr) -> str:
        self.inline = True
        try:  # a hole lives inside a string, on one line, its strings in either spelling the lexer reads
            text = self.expr(e)
            if "{" in text or "}" in text or self.rng.random() < 0.5:
                return text  # the newer spelling, bare quotes: the only one whose strings may hold a brace
            return text.replace('"', '\\"')  # the older one, every quote escaped
        finally:
            self.inline = False

    # -- declarations
    def citations(self, cites: tuple[ast.Citation, ...]) -> list[str]:
        """One or more `cites` clauses that together list `cites`."""
        clauses: list[list[str]] = [[]]
        for c in cites:
            words = [c.document, "task" if c.unit == "task" else self.rng.choice(["art", "article"]), str(c.article)]
            if c.paragraph is not None:
                words += ["para", str(c.paragraph)]
            if c.item is not None:
                words += ["item", str(c.item)]
            if clauses[-1] and self.rng.random() < 0.4:
                clauses.append([])
            clauses[-1].append(self.join(*words))
        return [self.join("cites", *self._commas(group)) for group in clauses if group]

    def type_ref(self, t: ast.TypeRef) -> str:
        return t.name if t.arg is None else self.join(t.name, "of", self.type_ref(t.arg))

    def declaration(self, d: ast.Declaration) -> str:
        match d:
            case ast.Import(path=path):
                return self.join("import", quote(path))
            case ast.SchemaDecl(path=path):
                return self.join("schema", quote(path))
            case ast.Parameter():
                clauses = [*self.citations(d.citations)]
                if d.source is not None:
                    clauses.append(self.join("from", self.join(*"."
                                                                 .join(d.source).replace(".", " . ").split())))
                if d.unit is not None:
                    clauses.append(self.join("unit", quote(d.unit)))
                self.rng.shuffle(clauses)
                return self.join("parameter", d.name, ":", self.type_ref(d.type), "=", self.expr(d.default), *clauses)
            case ast.Definition():
                head = ["def", d.name]
                if d.params is not None:
                    params = [self.join(p.name, ":", self.type_ref(p.type)) for p in d.params]
                    head += ["(", *self._commas(params), ")"]
                if d.returns is not None:
                    head += [":", self.type_ref(d.returns)]
                return self.join(*head, "=", self.expr(d.body))
            case ast.Ladder():
                steps = " < ".join(s.name for s in d.steps).split()
                return self.join("ladder", d.name, *self.citations(d.citations), "{", *steps, "}")
            case ast.Rule():
                return self.rule(d)
            case ast.Document():
                return self.document(d)
        raise AssertionError(type(d).__name__)

    def rule(self, r: ast.Rule) -> str:
        clauses = [("cites", c) for c in self.citations(r.citations)]
        clauses += [("see", "see" + c[len("cites"):]) for c in self.citations(r.related)]
        if r.title is not None:
            clauses.append(("title", self.join("title", quote(r.title))))
        if r.severity is not None:
            clauses.append(("severity", self.join("severity", r.severity)))
        if r.kind is not None:
            clauses.append(("kind", self.join("kind", r.kind)))
        if r.in_force_from or r.in_force_until:
            words = ["in_force"]
            if r.in_force_from:
                words += ["from", r.in_force_from.isoformat()]
            if r.in_force_until:
                words += ["until", r.in_force_until.isoformat()]
            clauses.append(("in_force", self.join(*words)))
        if r.subject is not None:
            s = r.subject
            words = ["for", "each", s.var, "in", s.collection]
            if s.where is not None:
                words += ["where", self.expr(s.where)]
            clauses.append(("subject", self.join(*words)))
        if r.on_platform:
            clauses.append(("subject", self.join("on", "platform")))
        if r.message is not None:
            clauses.append(("message", self.join("message", self.template(r.message))))
        clauses += [("unless", self.join("unless", self.expr(u))) for u in r.unless]
        clauses += [("require", self.join("require", self.expr(q))) for q in r.requires]
        written = list(clauses)
        self.rng.shuffle(clauses)
        # several `require`s mean `a and b` (`unless`: `a or b`) in their order: keep it
        for kind in ("require", "unless", "cites", "see"):
            texts = [text for k, text in written if k == kind]
            slots = [i for i, (k, _) in enumerate(clauses) if k == kind]
            for i, text in zip(slots, texts, strict=True):
                clauses[i] = (kind, text)
        return self.join("rule", r.id, "{", *(text for _, text in clauses), "}")

    def document(self, d: ast.Document) -> str:
        entries: list[str] = []
        for key in ("title", "issuer", "source"):
            value = getattr(d, key)
            if value is not None:
                entries.append(self.join(key, quote(value)))
        if d.issued is not None:
            entries.append(self.join("issued", d.issued.isoformat()))
        if d.in_force is not None:
            until = ["until", d.in_force_until.isoformat()] if d.in_force_until is not None else []
            entries.append(self.join("in_force", d.in_force.isoformat(), *until))
        self.rng.shuffle(entries)
        articles = [self.article(art) for art in d.articles]
        for entry in entries:  # header lines may come before, between or after the articles
            articles.insert(self.rng.randint(0, len(articles)), entry)
        entries = articles
        return self.join("document", d.key, "{", *entries, "}")

    def marks(self, u: ast.Article | ast.Paragraph | ast.Item) -> list[str]:
        """`not_applicable`, `partial` and `in_force` clauses, in random order."""
        clauses = []
        if u.not_applicable is not None:
            clauses.append(self.join("not_applicable", quote(u.not_applicable)))
        if u.partial is not None:
            clauses.append(self.join("partial", quote(u.partial)))
        if u.in_force_from is not None or u.in_force_until is not None:
            words = ["in_force"]
            if u.in_force_from is not None:
                words += ["from", u.in_force_from.isoformat()]
            if u.in_force_until is not None:
                words += ["until", u.in_force_until.isoformat()]
            clauses.append(self.join(*words))
        self.rng.shuffle(clauses)
        return clauses

    def article(self, a: ast.Article) -> str:
        words = [a.unit, str(a.number)]
        if a.summary is not None:
            words.append(quote(a.summary))
        words += self.marks(a)
        if a.paragraphs or self.rng.random() < 0.2:
            words.append("{")
            for p in a.paragraphs:
                pw = ["paragraph", str(p.number)]
                if p.summary is not None:
                    pw.append(quote(p.summary))
                pw += self.marks(p)
                if p.items:
                    pw.append("{")
                    for it in p.items:
                        iw = ["item", str(it.number)]
                        if it.summary is not None:
                            iw.append(quote(it.summary))
                        pw.append(self.join(*iw, *self.marks(it)))
                    pw.append("}")
                words.append(self.join(*pw))
            words.append("}")
        return self.join(*words)

    def module(self, declarations: tuple[ast.Declaration, ...]) -> str:
        out = []
        for d in declarations:
            out.append(self.declaration(d))
        head = ""
        if self.comments and self.rng.random() < 0.5:
            head = "# file header\n\n"
            self.written.insert(0, head.strip())
        return head + "".join(self.ws() + text + "\n" for text in out)
