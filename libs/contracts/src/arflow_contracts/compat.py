"""Compatibility of two JSON Schemas of one event version.

The rule (PRODUCT.md): adding an optional field is compatible; anything else needs a new
`event_version`. Consumers on the old schema must accept what producers on the new one send,
and consumers on the new schema must accept events written under the old one (outboxes,
replays, dead-letter re-drives). So besides removals and new required fields, loosening a
constraint or adding an enum value is also reported: an old consumer would reject the new value.
Annotations (title, description, examples, `x-*` keys) may change freely.
"""

import json
from typing import Any

Schema = dict[str, Any]

ANNOTATIONS = frozenset(
    {"title", "description", "examples", "$comment", "deprecated", "readOnly", "writeOnly", "$id"}
)
STRUCTURE = frozenset(
    {
        "$schema", "$ref", "$defs", "definitions", "type", "properties", "required", "items",
        "prefixItems", "additionalProperties", "anyOf", "oneOf", "allOf", "default", "enum",
        "const",
    }
)  # fmt: skip
TYPE_REFINEMENTS = ("format", "pattern")


def incompatibilities(old_schema: Schema, new_schema: Schema) -> list[str]:
    """Changes from old to new that break a producer or consumer of the old schema."""
    diff = _SchemaDiff(old_schema, new_schema)
    diff.compare(old_schema, new_schema, "", frozenset())
    return diff.problems


class _SchemaDiff:
    """Walks two schemas side by side, resolving `$ref`s against their own roots."""

    def __init__(self, old_root: Schema, new_root: Schema) -> None:
        self.old_root = old_root
        self.new_root = new_root
        self.problems: list[str] = []

    def report(self, path: str, message: str) -> None:
        self.problems.append(f"{path or '(root)'}: {message}")

    def compare(self, old: Schema, new: Schema, path: str, seen: frozenset[Any]) -> None:
        pair = (old.get("$ref"), new.get("$ref"))
        if pair[0] and pair[1]:
            if pair in seen:  # recursive schema: this pair is already being compared
                return
            seen = seen | {pair}
        old, new = resolve_ref(old, self.old_root), resolve_ref(new, self.new_root)
        if "default" in old and "default" in new and old["default"] != new["default"]:
            self.report(path, f"default changed from {old['default']!r} to {new['default']!r}")
        old_nullable, old_variants = _variants(old, self.old_root)
        new_nullable, new_variants = _variants(new, self.new_root)
        if old_nullable != new_nullable:
            self.report(path, "may now be null" if new_nullable else "may no longer be null")
        if len(old_variants) == 1 and len(new_variants) == 1:
            self.compare_one(old_variants[0], new_variants[0], path, seen)
        elif self.canonical(old_variants, self.old_root) != self.canonical(new_variants, self.new_root):
            self.report(
                path,
                f"type changed from {_describe_all(old_variants)} to {_describe_all(new_variants)}",
            )

    def compare_one(self, old: Schema, new: Schema, path: str, seen: frozenset[Any]) -> None:
        if _type(old) != _type(new) or any(old.get(key) != new.get(key) for key in TYPE_REFINEMENTS):
            self.report(path, f"type changed from {_describe(old)} to {_describe(new)}")
            return
        self.compare_enums(old, new, path)
        for key in sorted(_constraints(old) | _constraints(new)):
            if old.get(key) != new.get(key):
                self.report(path, f"{key} changed from {old.get(key)!r} to {new.get(key)!r}")
        if "properties" in old or "properties" in new:
            self.compare_properties(old, new, path, seen)
        self.compare_items(old, new, path, seen)
        self.compare_extra(old, new, path, seen)
        if "allOf" in old or "allOf" in new:
            old_parts, new_parts = old.get("allOf", []), new.get("allOf", [])
            if self.canonical(old_parts, self.old_root) != self.canonical(new_parts, self.new_root):
                self.report(path, "allOf changed")

    def compare_enums(self, old: Schema, new: Schema, path: str) -> None:
        old_values, new_values = _enum(old), _enum(new)
        if old_values is None and new_values is None:
            return
        if old_values is None or new_values is None:
            self.report(path, "became an enum" if old_values is None else "is no longer an enum")
            return
        for value in old_values:
            if value not in new_values:
                self.report(path, f"enum value {value!r} removed")
        for value in new_values:
            if value not in old_values:
                self.report(path, f"enum value {value!r} added (old consumers reject it)")

    def compare_properties(self, old: Schema, new: Schema, path: str, seen: frozenset[Any]) -> None:
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
        removed = [name for name in old_props if name not in new_props]
        added = [name for name in new_props if name not in old_props]
        for name in removed:
            hint = f" (renamed to {added[0]!r}?)" if len(removed) == 1 == len(added) else ""
            self.report(_join(path, name), f"property removed{hint}")
        for name in added:
            if name in new_required:
                self.report(_join(path, name), "new required property")
        for name in old_props:
            if name not in new_props:
                continue
            self.compare(old_props[name], new_props[name], _join(path, name), seen)
            if name not in old_required and name in new_required:
                self.report(_join(path, name), "optional property made required")
            if name in old_required and name not in new_required:
                self.report(_join(path, name), "required property made optional")

    def compare_items(self, old: Schema, new: Schema, path: str, seen: frozenset[Any]) -> None:
        if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
            self.compare(old["items"], new["items"], path + "[]", seen)
        elif old.get("items") != new.get("items"):
            self.report(path, "items changed")
        old_prefix, new_prefix = old.get("prefixItems", []), new.get("prefixItems", [])
        if len(old_prefix) != len(new_prefix):
            self.report(path, "tuple length changed")
        for index, (old_item, new_item) in enumerate(zip(old_prefix, new_prefix, strict=False)):
            self.compare(old_item, new_item, f"{path}[{index}]", seen)

    def compare_extra(self, old: Schema, new: Schema, path: str, seen: frozenset[Any]) -> None:
        old_extra, new_extra = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(old_extra, dict) and isinstance(new_extra, dict):
            self.compare(old_extra, new_extra, path + "{}", seen)
        elif old_extra != new_extra:
            self.report(path, f"additionalProperties changed from {old_extra!r} to {new_extra!r}")

    def canonical(self, schemas: list[Schema], root: Schema) -> list[str]:
        """Order-free, annotation-free form of a list of schemas, for equality."""
        return sorted(json.dumps(_plain(schema, root, 0), sort_keys=True) for schema in schemas)


def resolve_ref(schema: Schema, root: Schema) -> Schema:
    """Follow `$ref` (local JSON pointers); sibling keywords of the `$ref` win."""
    for _ in range(32):
        ref = schema.get("$ref")
        if not isinstance(ref, str):
            return schema
        if not ref.startswith("#"):
            raise ValueError(f"only local $ref is supported, got {ref!r}")
        target: Any = root
        for token in filter(None, ref[1:].split("/")):
            target = target[token.replace("~1", "/").replace("~0", "~")]
        siblings = {key: value for key, value in schema.items() if key != "$ref"}
        schema = {**target, **siblings}
    raise ValueError("$ref chain too long")


def _variants(schema: Schema, root: Schema) -> tuple[bool, list[Schema]]:
    """Split a schema into (accepts null, the non-null alternatives)."""
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches is None:
        types = schema.get("type")
        if isinstance(types, list) and "null" in types:
            rest = [kind for kind in types if kind != "null"]
            return True, [{**schema, "type": rest[0] if len(rest) == 1 else rest}] if rest else []
        return (types == "null"), ([] if types == "null" else [schema])
    nullable, variants = False, []
    for branch in branches:
        branch_nullable, branch_variants = _variants(resolve_ref(branch, root), root)
        nullable = nullable or branch_nullable
        variants.extend(branch_variants)
    return nullable, variants


def _type(schema: Schema) -> Any:
    kind = schema.get("type")
    return tuple(sorted(kind)) if isinstance(kind, list) else kind


def _enum(schema: Schema) -> list[Any] | None:
    if "enum" in schema:
        return list(schema["enum"])
    return [schema["const"]] if "const" in schema else None


def _constraints(schema: Schema) -> set[str]:
    """Validation keywords not handled structurally: minimum, maxLength, minItems, ..."""
    return {
        key
        for key in schema
        if key not in ANNOTATIONS
        and key not in STRUCTURE
        and key not in TYPE_REFINEMENTS
        and not key.startswith("x-")
    }


def _plain(schema: Any, root: Schema, depth: int) -> Any:
    """Refs inlined (to a depth), annotations dropped."""
    if not isinstance(schema, dict):
        return schema
    if depth > 16:
        return "..."
    schema = resolve_ref(schema, root)
    plain: Schema = {}
    for key, value in schema.items():
        if key in ANNOTATIONS or key == "$defs" or key.startswith("x-"):
            continue
        if key in ("properties", "patternProperties"):
            plain[key] = {name: _plain(sub, root, depth + 1) for name, sub in value.items()}
        elif key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            plain[key] = [_plain(sub, root, depth + 1) for sub in value]
        elif key in ("items", "additionalProperties", "not"):
            plain[key] = _plain(value, root, depth + 1)
        else:
            plain[key] = value
    return plain


def _describe(schema: Schema) -> str:
    kind = _type(schema)
    text = "/".join(kind) if isinstance(kind, tuple) else str(kind or "any")
    refinements = [f"{key}={schema[key]}" for key in TYPE_REFINEMENTS if key in schema]
    return f"{text}({', '.join(refinements)})" if refinements else text


def _describe_all(schemas: list[Schema]) -> str:
    return " | ".join(_describe(schema) for schema in schemas) or "null"


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
