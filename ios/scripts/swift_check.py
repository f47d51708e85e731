"""Checks Swift sources without a Swift compiler (none runs on Linux CI here).

Three checks, all over tree-sitter-swift syntax trees:

1. Syntax: every file parses with no ERROR or MISSING node (reported as file:line:column).
2. Symbols: every symbol of the generated bindings module that the wrapper uses exists in the
   generated file: types, top-level functions, static and instance methods (with their argument
   labels), properties, enum cases (also in `switch` patterns), initialisers (with labels), and the
   methods a wrapper class must implement for a generated protocol it adopts.
3. The app: what it uses of the wrapper (the wrapper's own declarations, named bare) exists and
   is public.

How the wrapper's references are found, and why it works without type inference: the wrapper
names generated types only as `GroundworkUniffi.T` or through `typealias Ffi... =
GroundworkUniffi.T`, and declares the type of each variable holding a generated value (stored
properties, parameters, `let x: FfiT`), or binds it from an expression whose type the checker can
follow (a generated call's return type, a generated record's property). Member uses on such values
are checked against the generated declarations; what cannot be followed is not guessed at.

    python swift_check.py --generated G.swift --wrapper W.swift... [--parse-only X.swift...]
                          [--api W.swift... --app A.swift...]
    python swift_check.py --generated G.swift --api W.swift... --self-test DIR   (its own test)
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter
import tree_sitter_swift

MODULE = "GroundworkUniffi"
LANGUAGE = tree_sitter.Language(tree_sitter_swift.language())


# Two gaps of the tree-sitter Swift grammar (0.7.4) that valid Swift, and uniffi's output in
# particular, falls into. Each is bridged before parsing by blanking characters, so every line and
# column stays where it was, and nothing else is touched:
# - conditional compilation around attributes (`#if swift(>=5.8)` `@_documentation(…)` `#endif`):
#   the directive lines are blanked, the first branch kept, and `#elseif`/`#else` branches blanked
#   whole (as a compiler that takes the first branch would);
# - a closure whose body is the empty tuple, `{ () }`: the `()` is blanked (`{ }` means the same).
DIRECTIVE = re.compile(rb"^[ \t]*#(if|elseif|else|endif)\b")
EMPTY_TUPLE_CLOSURE = re.compile(rb"\{(\s*)\(\)(\s*)\}")


def blank(line: bytes) -> bytes:
    return re.sub(rb"[^\n]", b" ", line)


def bridge_grammar_gaps(source: bytes) -> bytes:
    out = []
    depth_skipping = []  # per open #if: are we in a branch after the first?
    for line in source.splitlines(keepends=True):
        m = DIRECTIVE.match(line)
        if m:
            kind = m.group(1)
            if kind == b"if":
                depth_skipping.append(False)
            elif kind in (b"elseif", b"else") and depth_skipping:
                depth_skipping[-1] = True
            elif kind == b"endif" and depth_skipping:
                depth_skipping.pop()
            out.append(blank(line))
        elif any(depth_skipping):
            out.append(blank(line))
        else:
            out.append(line)
    joined = b"".join(out)
    return EMPTY_TUPLE_CLOSURE.sub(lambda m: b"{" + m.group(1) + b"  " + m.group(2) + b"}", joined)


def parse(path: Path) -> tuple[tree_sitter.Tree, bytes]:
    source = bridge_grammar_gaps(path.read_bytes())
    return tree_sitter.Parser(LANGUAGE).parse(source), source


def text(node: tree_sitter.Node, source: bytes) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def ident(node: tree_sitter.Node, source: bytes) -> str:
    """A name as declared or used: `open` in backquotes (a keyword as a name) is open."""
    return text(node, source).strip("`")


def walk(node: tree_sitter.Node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


# --- 1. syntax -------------------------------------------------------------------------------


def syntax_errors(path: Path) -> list[str]:
    tree, source = parse(path)
    errors = []
    if not tree.root_node.has_error:
        return errors
    for n in walk(tree.root_node):
        if n.type == "ERROR" or n.is_missing:
            line, col = n.start_point
            what = "missing " + n.type if n.is_missing else "syntax error"
            snippet = text(n, source).splitlines()[0][:60] if n.end_byte > n.start_byte else ""
            errors.append(f"{path}:{line + 1}:{col + 1}: {what} near {snippet!r}")
    return errors


# --- 2. the generated declarations ------------------------------------------------------------


@dataclass
class Callable:
    labels: list[tuple[str | None, bool]]  # (argument label or None for `_`, has a default)
    returns: str | None
    static: bool = False
    public: bool = True


@dataclass
class TypeDecl:
    kind: str  # class, struct, enum, protocol, typealias
    methods: dict[str, list[Callable]] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)
    inits: list[Callable] = field(default_factory=list)
    cases: dict[str, list[str | None]] = field(default_factory=dict)  # case -> payload labels
    payloads: dict[str, list[str]] = field(default_factory=dict)  # case -> payload types
    inherits: list[str] = field(default_factory=list)
    # Members declared without `public`/`open` (checked when the app uses the wrapper's API).
    internal: set[str] = field(default_factory=set)


def plain_type(t: str | None, keep_optional: bool = False) -> str | None:
    """`GroundworkUniffi.Contact?` -> `Contact` (`Contact?` with keep_optional: an optional's
    members are Optional's, not the generated type's); arrays and dictionaries stay as written."""
    if t is None:
        return None
    t = t.strip()
    optional = t.endswith("?")
    t = t.rstrip("?!").strip()
    if t.startswith(MODULE + "."):
        t = t[len(MODULE) + 1 :]
    return t + "?" if optional and keep_optional else t


def parameters(decl: tree_sitter.Node, source: bytes) -> list[tuple[str | None, bool]]:
    labels = []
    children = decl.children
    for i, c in enumerate(children):
        if c.type != "parameter":
            continue
        external = c.child_by_field_name("external_name")
        names = [x for x in c.children if x.type == "simple_identifier"]
        label = text(external, source) if external is not None else text(names[0], source)
        has_default = i + 1 < len(children) and children[i + 1].type == "="
        labels.append((None if label == "_" else label, has_default))
    return labels


def return_type(decl: tree_sitter.Node, source: bytes) -> str | None:
    children = decl.children
    for i, c in enumerate(children):
        if c.type == "->" and i + 1 < len(children):
            return plain_type(text(children[i + 1], source), keep_optional=True)
    return None


def is_static(decl: tree_sitter.Node) -> bool:
    for c in decl.children:
        if c.type == "modifiers":
            return any(m.type == "property_modifier" and m.text in (b"static", b"class") for m in c.children)
    return False


def decl_name(decl: tree_sitter.Node, source: bytes) -> str | None:
    name = decl.child_by_field_name("name")
    if name is None:
        return None
    if name.type == "user_type":  # extension Foo: ...
        return plain_type(text(name, source))
    # `open` is a keyword: uniffi writes the constructor as func `open`(…).
    return text(name, source).strip("`")


def is_public(decl: tree_sitter.Node, source: bytes) -> bool:
    for c in decl.children:
        if c.type == "modifiers":
            return any(m.type == "visibility_modifier" and text(m, source) in ("public", "open") for m in c.children)
    return False


def collect_members(body: tree_sitter.Node, decl: TypeDecl, source: bytes, public_by_default: bool = False) -> None:
    for m in body.children:
        name_node = m.child_by_field_name("name")
        if name_node is not None and m.type != "enum_entry" and not (public_by_default or is_public(m, source)):
            name = ident(name_node, source) if name_node.type != "pattern" else text(name_node, source)
            decl.internal.add("init" if m.type == "init_declaration" else name)
        if m.type in ("function_declaration", "protocol_function_declaration"):
            name = decl_name(m, source)
            if name:
                decl.methods.setdefault(name, []).append(
                    Callable(parameters(m, source), return_type(m, source), is_static(m),
                             public_by_default or is_public(m, source))
                )
        elif m.type == "init_declaration":
            decl.inits.append(Callable(parameters(m, source), None, public=public_by_default or is_public(m, source)))
        elif m.type in ("property_declaration", "protocol_property_declaration"):
            pattern = m.child_by_field_name("name")
            annotation = next((c for c in m.children if c.type == "type_annotation"), None)
            if pattern is not None:
                ptype = None
                if annotation is not None:
                    ptype = plain_type(text(annotation, source).lstrip(":"), keep_optional=True)
                decl.properties[text(pattern, source)] = ptype
        elif m.type == "enum_entry":
            names = [c for c in m.children if c.type == "simple_identifier" and m.field_name_for_child(m.children.index(c)) == "name"]
            for n in names:
                payload = n.next_named_sibling
                labels: list[str | None] = []
                types: list[str] = []
                if payload is not None and payload.type == "enum_type_parameters":
                    kids = payload.children
                    for j, k in enumerate(kids):
                        # `(message: String)`: a label is an identifier followed by a colon.
                        if k.type == "simple_identifier" and j + 1 < len(kids) and kids[j + 1].type == ":":
                            labels.append(text(k, source))
                        elif k.type in TYPE_NODES:
                            if j == 0 or kids[j - 1].type != ":":
                                labels.append(None)
                            types.append(plain_type(text(k, source), keep_optional=True))
                decl.cases[ident(n, source)] = labels
                decl.payloads[ident(n, source)] = types


TYPE_NODES = ("user_type", "optional_type", "array_type", "dictionary_type", "tuple_type", "function_type")


def generated_declarations(*paths: Path) -> tuple[dict[str, TypeDecl], dict[str, list[Callable]]]:
    """The types and top-level functions the files declare; extensions (in any of the files)
    add to the types declared there, and extensions of other types (Swift's own) are left out."""
    types: dict[str, TypeDecl] = {}
    functions: dict[str, list[Callable]] = {}
    trees = [parse(p) for p in paths]
    for extensions in (False, True):
        for tree, source in trees:
            for top in tree.root_node.children:
                if top.type == "function_declaration":
                    name = decl_name(top, source)
                    if name and not extensions:
                        functions.setdefault(name, []).append(Callable(parameters(top, source), return_type(top, source)))
                    continue
                if top.type not in ("class_declaration", "protocol_declaration", "typealias_declaration"):
                    continue
                name = decl_name(top, source)
                kind_node = top.child_by_field_name("declaration_kind")
                kind = text(kind_node, source) if kind_node is not None else top.type.split("_")[0]
                if not name or (kind == "extension") != extensions:
                    continue
                if extensions:
                    decl = types.get(name)
                    if decl is None:
                        continue
                else:
                    decl = types.setdefault(name, TypeDecl(kind))
                    decl.kind = kind
                for c in top.children:
                    if c.type == "inheritance_specifier":
                        decl.inherits.append(plain_type(text(c, source)))
                body = top.child_by_field_name("body")
                if body is not None:
                    # A protocol's requirements are as visible as the protocol.
                    collect_members(body, decl, source, public_by_default=kind == "protocol")
    return types, functions


# --- 2. the wrapper's references --------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    what: str  # module, type, value, method, func, case
    type: str | None = None
    name: str | None = None


class SymbolChecker:
    """Checks uses of one module's declarations. With `module` (the generated bindings) its types
    are named `module.T` or through aliases; without (the wrapper's API, used by the app) they are
    named bare, only public members count, and the checked files' own types shadow them."""

    def __init__(self, types: dict[str, TypeDecl], functions: dict[str, list[Callable]], module: str | None = MODULE):
        self.types = types
        self.functions = functions
        self.module = module
        self.problems: list[str] = []
        self.aliases: dict[str, str] = {}
        self.wrapper_properties: dict[str, dict[str, set[str]]] = {}
        # Every use found and checked, by place: shows the check reaches the wrapper's code.
        self.checked: set[tuple[str, int, int, str]] = set()

    def saw(self, node: tree_sitter.Node, what: str) -> None:
        self.checked.add((str(self.path), *node.start_point, what))

    # Members of a type, including the generated protocols it adopts (uniffi's `FooProtocol`).
    def lineage(self, tname: str) -> list[TypeDecl]:
        out, seen, todo = [], set(), [tname]
        while todo:
            t = todo.pop()
            if t in seen or t not in self.types:
                continue
            seen.add(t)
            out.append(self.types[t])
            todo.extend(i for i in self.types[t].inherits if i)
        return out

    def collect_properties(self, path: Path) -> None:
        """The wrapper's own types' stored properties of generated types (`let inner: FfiGroup`),
        by type name: a method in an extension in another file uses them too."""
        tree, source = parse(path)
        for n in walk(tree.root_node):
            if n.type != "class_declaration":
                continue
            kind = n.child_by_field_name("declaration_kind")
            if kind is None or text(kind, source) == "extension":
                continue
            owner = decl_name(n, source)
            body = n.child_by_field_name("body")
            for m in body.children if body is not None else []:
                if m.type != "property_declaration":
                    continue
                pattern = m.child_by_field_name("name")
                annotation = next((c for c in m.children if c.type == "type_annotation"), None)
                if pattern is None or annotation is None:
                    continue
                t = self.generated_type_of(text(annotation, source).lstrip(":"))
                if t:
                    self.wrapper_properties.setdefault(owner, {}).setdefault(ident(pattern, source), set()).add(t)

    def collect_aliases(self, path: Path) -> None:
        """`typealias FfiX = GroundworkUniffi.X`: visible in every file of the module, so all
        wrapper files' aliases are collected before any file is checked."""
        tree, source = parse(path)
        for n in walk(tree.root_node):
            if n.type == "typealias_declaration":
                target = next((c for c in n.children[2:] if c.type == "user_type"), None)
                name = decl_name(n, source)
                if target is not None and text(target, source).startswith(MODULE + "."):
                    self.aliases[name] = plain_type(text(target, source))

    def report(self, path: Path, node: tree_sitter.Node, message: str) -> None:
        line, col = node.start_point
        self.problems.append(f"{path}:{line + 1}:{col + 1}: {message}")

    def check_file(self, path: Path) -> None:
        tree, source = parse(path)
        self.path, self.source = path, source
        root = tree.root_node
        # This file's own aliases and properties join the module's (a fixture checked alone).
        self.collect_aliases(path)
        self.collect_properties(path)
        # Then every user of a generated type in a type position.
        for n in walk(root):
            if n.type == "user_type":
                parts = [c for c in n.children if c.type == "type_identifier"]
                if self.module is not None and len(parts) >= 2 and text(parts[0], source) == self.module:
                    tname = text(parts[1], source)
                    if tname not in self.types:
                        self.report(path, n, f"no type {MODULE}.{tname} in the generated bindings")
                    else:
                        self.saw(n, "type")
        # Variables whose declared or inferred type is generated.
        self.variables: dict[tuple[int, str], set[str]] = {}
        for n in walk(root):
            if n.type in ("property_declaration", "parameter"):
                self.bind_variable(n)
        for n in walk(root):
            if n.type in ("navigation_expression", "call_expression"):
                # Only the outermost of a chain: its parts are resolved on the way.
                parent = n.parent
                if parent is not None and parent.type in ("navigation_expression", "call_expression") and (
                    parent.child_by_field_name("target") == n or parent.children[0] == n
                ):
                    continue
                self.resolve(n)
            elif n.type == "switch_statement":
                self.check_switch(n)
            elif n.type in ("if_statement", "guard_statement"):
                self.check_if_case(n)
            elif n.type == "class_declaration":
                self.check_conformance(n)

    def generated_type_of(self, type_text: str) -> str | None:
        """The checked module's type a written type names (`T?` for an optional one), or None."""
        t = plain_type(type_text)
        suffix = "?" if type_text.strip().endswith("?") else ""
        if t in self.aliases:
            return self.aliases[t] + suffix
        if self.module is None:
            return t + suffix if t in self.types else None
        if type_text.strip().startswith(MODULE + ".") and t in self.types:
            return t + suffix
        return None

    def member_visible(self, tname: str, member: str, node: tree_sitter.Node, quiet: bool) -> None:
        """Without a module prefix the uses come from another module: only public members."""
        if self.module is None and not quiet and any(member in d.internal for d in self.lineage(tname)):
            if not any(member in d.methods and member not in d.internal for d in self.lineage(tname)):
                self.report(self.path, node, f"{tname}.{member} is not public")

    def bind_variable(self, n: tree_sitter.Node) -> None:
        """Records the generated type of a parameter or `let`/`var`, in its scope."""
        source = self.source
        bindings: list[tuple[str, str | None]] = []
        if n.type == "parameter":
            names = [c for c in n.children if c.type == "simple_identifier"]
            tnode = next((c for c in n.children if c.type in ("user_type", "optional_type")), None)
            if names and tnode is not None:
                bindings.append((ident(names[-1], source), self.generated_type_of(text(tnode, source))))
        else:
            # `let a: T = x, b = y`: each pattern, its annotation, its value.
            var, t = None, None
            for c in n.children:
                if c.type == "pattern":
                    if var is not None:
                        bindings.append((var, t))
                    var, t = ident(c, source), None
                elif c.type == "type_annotation" and var is not None:
                    t = self.generated_type_of(text(c, source).lstrip(":"))
                elif var is not None and t is None and n.field_name_for_child(n.children.index(c)) == "value":
                    ref = self.resolve(c, quiet=True)
                    t = ref.type if ref is not None and ref.what == "value" else None
            if var is not None:
                bindings.append((var, t))
        scope = enclosing_scope(n)
        for var, t in bindings:
            if t and scope is not None:
                self.variables.setdefault((scope.id, var), set()).add(t)

    def variable_type(self, use: tree_sitter.Node, name: str) -> str | None:
        """The generated type of the nearest declaration of `name` seen from `use`: locals and
        parameters of the enclosing functions and closures, then the enclosing type's stored
        properties (declared in any wrapper file: extensions see them too)."""
        anc = use.parent
        while anc is not None:
            if anc.type in LOCAL_SCOPES or anc.type == "source_file":
                found = self.variables.get((anc.id, name))
                if found:
                    return next(iter(found)) if len(found) == 1 else None
            elif anc.type == "class_declaration":
                owner = decl_name(anc, self.source)
                found = self.wrapper_properties.get(owner, {}).get(name)
                if found:
                    return next(iter(found)) if len(found) == 1 else None
            anc = anc.parent
        return None

    def resolve(self, n: tree_sitter.Node | None, quiet: bool = False) -> Ref | None:
        """What a wrapper expression refers to, when it involves the generated module; reports
        a reference to something the generated file lacks (unless `quiet`: a second look)."""
        if n is None:
            return None
        source = self.source
        if n.type in ("try_expression", "await_expression"):
            return self.resolve(n.child_by_field_name("expr"), quiet)
        if n.type == "simple_identifier":
            name = text(n, source)
            if self.module is not None and name == self.module:
                return Ref("module")
            if name in self.aliases:
                return Ref("type", self.aliases[name])
            if self.module is None and name in self.types and self.variable_type(n, name) is None:
                return Ref("type", name)
            t = self.variable_type(n, name)
            return Ref("value", t) if t else None
        if n.type == "navigation_expression":
            target = self.resolve(n.child_by_field_name("target"), quiet)
            suffix = n.child_by_field_name("suffix")
            member_node = suffix.child_by_field_name("suffix") if suffix is not None else None
            if target is None or member_node is None:
                return None
            member = ident(member_node, source)
            self.saw(member_node, "member")
            if target.what == "module":
                if member in self.types:
                    return Ref("type", member)
                if member in self.functions:
                    return Ref("func", None, member)
                if not quiet:
                    self.report(self.path, member_node, f"no {MODULE}.{member} in the generated bindings")
                return None
            if target.what in ("type", "value") and target.type in self.types:
                self.member_visible(target.type, member, member_node, quiet)
            if target.what == "type":
                for decl in self.lineage(target.type):
                    if member in decl.cases:
                        return Ref("case", target.type, member)
                    if member in decl.methods:
                        return Ref("method", target.type, member)
                    if member in decl.properties:
                        return Ref("value", decl.properties[member])
                if member == "init" and self.types[target.type].inits:
                    return Ref("type", target.type)
                if not quiet:
                    self.report(self.path, member_node, f"{target.type} has no static member or case {member!r}")
                return None
            if target.what == "value":
                if target.type not in self.types:
                    return None  # an array, a dictionary, a standard type: not generated
                for decl in self.lineage(target.type):
                    if member in decl.properties:
                        return Ref("value", decl.properties[member])
                    if member in decl.methods:
                        return Ref("method", target.type, member)
                if not quiet and self.types[target.type].kind != "enum":
                    self.report(self.path, member_node, f"{target.type} has no member {member!r}")
                return None
            return None
        if n.type == "call_expression":
            lam = self.trailing_closure(n)
            head = n.children[0]
            if head.type == "simple_identifier" and text(head, source) in PASSTHROUGH and lam is not None:
                statements = next((c for c in lam.children if c.type == "statements"), None)
                last = statements.named_children[-1] if statements is not None and statements.named_children else None
                return self.resolve(last, quiet=True)
            if head.type == "navigation_expression" and lam is not None:
                suffix = head.child_by_field_name("suffix")
                method = suffix.child_by_field_name("suffix") if suffix is not None else None
                array = self.resolve(head.child_by_field_name("target"), quiet=True)
                if (
                    method is not None
                    and text(method, source) in ELEMENT_CLOSURES
                    and array is not None
                    and array.what == "value"
                    and array.type
                    and array.type.startswith("[")
                    and ":" not in array.type
                ):
                    element = plain_type(array.type[1:-1])
                    if element in self.types:
                        self.variables.setdefault((lam.id, "$0"), set()).add(element)
            callee = self.resolve(head, quiet)
            if callee is None:
                return None
            labels = self.call_labels(n)
            self.saw(n, "call")
            if callee.what == "type":
                decl = self.types[callee.type]
                if decl.kind == "enum" or not decl.inits:
                    return Ref("value", callee.type)
                inits = [c for c in decl.inits if c.public or self.module is not None]
                if not inits:
                    return Ref("value", callee.type)  # a memberwise init, or none callable from here
                if not any(labels_fit(labels, c.labels) for c in inits) and not quiet:
                    self.report(self.path, n, f"no init of {callee.type} takes ({label_text(labels)})")
                return Ref("value", callee.type)
            if callee.what == "case":
                payload = self.types[callee.type].cases[callee.name]
                if not quiet and not case_fits(labels, payload):
                    self.report(self.path, n, f"{callee.type}.{callee.name} takes ({label_text(payload)}), not ({label_text(labels)})")
                return Ref("value", callee.type)
            if callee.what in ("method", "func"):
                overloads = (
                    [c for d in self.lineage(callee.type) for c in d.methods.get(callee.name, [])]
                    if callee.what == "method"
                    else self.functions[callee.name]
                )
                if self.module is None:
                    overloads = [c for c in overloads if c.public]
                fitting = [c for c in overloads if labels_fit(labels, c.labels)]
                if not fitting:
                    if not quiet:
                        owner = callee.type + "." if callee.type else ""
                        self.report(self.path, n, f"{owner}{callee.name} takes no ({label_text(labels)})")
                    return None
                returns = fitting[0].returns
                return Ref("value", returns) if returns else None
        return None

    def trailing_closure(self, call: tree_sitter.Node) -> tree_sitter.Node | None:
        suffix = next((c for c in call.children if c.type == "call_suffix"), None)
        return next((c for c in suffix.children if c.type == "lambda_literal"), None) if suffix else None

    def call_labels(self, call: tree_sitter.Node) -> list[str | None]:
        suffix = next((c for c in call.children if c.type == "call_suffix"), None)
        args = next((c for c in suffix.children if c.type == "value_arguments"), None) if suffix else None
        labels: list[str | None] = []
        if args is None:
            return labels
        for a in args.children:
            if a.type == "value_argument":
                label = a.child_by_field_name("name")
                labels.append(text(label, self.source) if label is not None else None)
        return labels

    def check_switch(self, n: tree_sitter.Node) -> None:
        subject = self.resolve(n.child_by_field_name("expr"), quiet=True)
        if subject is None or subject.what != "value" or subject.type not in self.types:
            return
        decl = self.types[subject.type]
        if decl.kind != "enum":
            return
        for entry in n.children:
            if entry.type != "switch_entry":
                continue
            for sp in entry.children:
                if sp.type != "switch_pattern":
                    continue
                for pattern in sp.children:
                    kids = pattern.children
                    at = next(
                        (i for i in range(len(kids) - 1) if kids[i].type == "." and kids[i + 1].type == "simple_identifier"),
                        None,
                    )
                    if at is None:
                        continue
                    case = ident(kids[at + 1], self.source)
                    self.saw(kids[at + 1], "case")
                    if case not in decl.cases:
                        self.report(self.path, kids[at + 1], f"{subject.type} has no case {case!r}")
                        continue
                    # `case let .changed(event)`, `case .other(let value)`: the bound names
                    # have the payload's types within this entry.
                    subpatterns = [k for k in kids[at + 2 :] if k.type == "pattern"]
                    for position, sub in enumerate(subpatterns):
                        names = [k for k in sub.children if k.type == "simple_identifier"]
                        payload = decl.payloads.get(case, [])
                        if names and position < len(payload) and payload[position]:
                            self.variables.setdefault((entry.id, ident(names[-1], self.source)), set()).add(payload[position])

    def check_if_case(self, n: tree_sitter.Node) -> None:
        """`if case .onboarding = f.kind`: the case must be one of the value's type."""
        kids = n.children
        for i in range(len(kids) - 3):
            if kids[i].type == "case" and kids[i + 1].type == "." and kids[i + 2].type == "simple_identifier":
                eq = next((j for j in range(i + 3, len(kids)) if kids[j].type == "="), None)
                if eq is None or eq + 1 >= len(kids):
                    continue
                value = kids[eq + 1]
                subject = self.resolve(value, quiet=True)
                if subject is None or subject.what != "value" or not subject.type:
                    continue
                tname = subject.type.rstrip("?")
                decl = self.types.get(tname)
                if decl is None or decl.kind != "enum":
                    continue
                case = ident(kids[i + 2], self.source)
                self.saw(kids[i + 2], "case")
                if case not in decl.cases:
                    self.report(self.path, kids[i + 2], f"{tname} has no case {case!r}")

    def check_conformance(self, n: tree_sitter.Node) -> None:
        """A wrapper class adopting a generated protocol implements each of its functions."""
        source = self.source
        adopted = []
        for c in n.children:
            if c.type == "inheritance_specifier":
                t = self.generated_type_of(text(c, source))
                if t and t in self.types and self.types[t].kind == "protocol":
                    adopted.append((t, c))
        if not adopted:
            return
        body = n.child_by_field_name("body")
        implemented = TypeDecl("class")
        if body is not None:
            collect_members(body, implemented, source)
        for proto, node in adopted:
            for name, overloads in self.types[proto].methods.items():
                for required in overloads:
                    have = implemented.methods.get(name, [])
                    wanted = [label for label, _ in required.labels]
                    if not any([label for label, _ in h.labels] == wanted for h in have):
                        self.report(self.path, node, f"adopts {proto} but lacks func {name}({label_text(wanted)})")


# Where locals and parameters live: a declaration is visible in the nearest of these around it.
LOCAL_SCOPES = (
    "function_declaration",
    "init_declaration",
    "lambda_literal",
    "computed_property",
    "deinit_declaration",
    "switch_entry",
)
# Called with a closure over an array's elements: `$0` in it is an element.
ELEMENT_CLOSURES = ("map", "compactMap", "flatMap", "filter", "first", "contains", "allSatisfy", "forEach", "sorted", "min", "max")
# The wrapper's helpers that return what their closure returns (GroundworkError.swift).
PASSTHROUGH = ("mapped", "offMain")


def enclosing_scope(n: tree_sitter.Node) -> tree_sitter.Node | None:
    anc = n.parent
    while anc is not None:
        if anc.type in LOCAL_SCOPES or anc.type == "source_file":
            return anc
        if anc.type == "class_declaration":
            return None  # a stored property: collect_properties has it
        anc = anc.parent
    return None


def labels_fit(call: list[str | None], params: list[tuple[str | None, bool]]) -> bool:
    i = 0
    for label, has_default in params:
        if i < len(call) and call[i] == label:
            i += 1
        elif not has_default:
            return False
    return i == len(call)


def case_fits(call: list[str | None], payload: list[str | None]) -> bool:
    return call == payload


def label_text(labels) -> str:
    return ", ".join(f"{label}:" if label else "_" for label in labels)


def self_test(fixtures: Path, generated: Path, api: list[Path]) -> list[str]:
    """The checker's own test, so a checker that never fails cannot pass for one that works.

    Each fixture marks the lines where a problem must be reported with `// expect: TEXT`, and
    the checker must report a problem containing TEXT at that file and line, and nothing
    elsewhere. `*.syntax.swift` fixtures go through the syntax check, `*.symbols.swift` through
    the symbol check against the real generated file, `*.app.swift` through the check of an
    app's uses of the wrapper's public API (the real wrapper). A fixture without expectations must pass
    clean (no false alarms on correct code)."""
    failures = []
    types, functions = generated_declarations(generated)
    fixture_files = sorted(fixtures.glob("*.swift"))
    if not fixture_files:
        return [f"{fixtures}: no fixtures"]
    for f in fixture_files:
        expected = {}
        for number, line in enumerate(f.read_text().splitlines(), start=1):
            if "// expect: " in line:
                expected[number] = line.split("// expect: ", 1)[1].strip()
        if f.name.endswith(".syntax.swift"):
            reported = syntax_errors(f)
        elif f.name.endswith(".app.swift"):
            api_types, api_functions = generated_declarations(*api)
            checker = SymbolChecker(api_types, api_functions, module=None)
            checker.check_file(f)
            reported = syntax_errors(f) + checker.problems
        else:
            reported = [p for p in syntax_errors(f)]
            checker = SymbolChecker(types, functions)
            checker.check_file(f)
            reported += checker.problems
        by_line: dict[int, list[str]] = {}
        for r in reported:
            number = int(r[len(str(f)) + 1 :].split(":", 1)[0])
            by_line.setdefault(number, []).append(r)
        for number, want in expected.items():
            if not any(want in r for r in by_line.get(number, [])):
                failures.append(f"self-test: {f}:{number}: expected a problem containing {want!r}, got {by_line.get(number, [])}")
        for number, got in by_line.items():
            if number not in expected:
                failures.append(f"self-test: {f}:{number}: unexpected problem {got}")
    print(f"swift check self-test: {len(fixture_files)} fixtures, {len(failures)} failures")
    return failures


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--generated", type=Path, required=True)
    ap.add_argument("--wrapper", type=Path, nargs="*", default=[])
    ap.add_argument("--parse-only", type=Path, nargs="*", default=[])
    ap.add_argument("--api", type=Path, nargs="*", default=[], help="the wrapper's sources: the API --app files use")
    ap.add_argument("--app", type=Path, nargs="*", default=[], help="files checked against the --api files' public API")
    ap.add_argument("--self-test", type=Path, help="a folder of fixtures: run the checker's own test")
    args = ap.parse_args(argv)

    if args.self_test:
        failures = self_test(args.self_test, args.generated, args.api)
        for f in failures:
            print(f, file=sys.stderr)
        return 1 if failures else 0

    problems: list[str] = []
    files = [args.generated, *args.wrapper, *args.parse_only]
    # (--app files are parsed below, with their check against the API.)
    for f in files:
        problems += syntax_errors(f)
    types, functions = generated_declarations(args.generated)
    if not types:
        problems.append(f"{args.generated}: no declarations found (is it the generated bindings?)")
    checker = SymbolChecker(types, functions)
    for f in args.wrapper:
        checker.collect_aliases(f)
    for f in args.wrapper:
        checker.collect_properties(f)
    for f in args.wrapper:
        checker.check_file(f)
    problems += sorted(set(checker.problems))
    uses = len(checker.checked)
    app_uses = 0
    if args.app:
        problems += sum((syntax_errors(f) for f in args.app), [])
        api_types, api_functions = generated_declarations(*args.api)
        # The app's own types shadow the API's of the same name.
        own, _ = generated_declarations(*args.app)
        for name in own:
            api_types.pop(name, None)
        app_checker = SymbolChecker(api_types, api_functions, module=None)
        for f in args.app:
            app_checker.collect_properties(f)
        for f in args.app:
            app_checker.check_file(f)
        problems += sorted(set(app_checker.problems))
        app_uses = len(app_checker.checked)
    for p in problems:
        print(p, file=sys.stderr)
    print(
        f"swift check: {len(files) + len(args.app)} files parsed, {len(types)} generated types, "
        f"{len(args.wrapper)} wrapper files with {uses} uses of generated symbols checked against them, "
        f"{len(args.app)} app files with {app_uses} uses of the wrapper's public API: {len(problems)} problems"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
