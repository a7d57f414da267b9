"""incompatibilities(): what breaks an event version and what does not."""

import copy
from collections.abc import Callable
from typing import Any

import pytest

from arflow_contracts.compat import incompatibilities
from arflow_contracts.ledger import InvoiceIssuedV1

Schema = dict[str, Any]
BASE: Schema = InvoiceIssuedV1.model_json_schema()


def _changed(edit: Callable[[Schema], None]) -> Schema:
    schema = copy.deepcopy(BASE)
    edit(schema)
    return schema


def _remove(name: str) -> Callable[[Schema], None]:
    def edit(schema: Schema) -> None:
        del schema["properties"][name]
        schema["required"] = [field for field in schema["required"] if field != name]

    return edit


def _rename(old: str, new: str) -> Callable[[Schema], None]:
    def edit(schema: Schema) -> None:
        schema["properties"] = {
            (new if name == old else name): prop for name, prop in schema["properties"].items()
        }
        schema["required"] = [new if name == old else name for name in schema["required"]]

    return edit


def _set(path: str, value: Any) -> Callable[[Schema], None]:
    def edit(schema: Schema) -> None:
        *parents, last = path.split("/")
        node = schema
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return edit


def _add(name: str, prop: Schema, *, required: bool) -> Callable[[Schema], None]:
    def edit(schema: Schema) -> None:
        schema["properties"][name] = prop
        if required:
            schema["required"].append(name)

    return edit


def test_identical_schemas_are_compatible() -> None:
    assert incompatibilities(BASE, copy.deepcopy(BASE)) == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (_remove("due_date"), "due_date: property removed"),
        (_remove("order_id"), "order_id: property removed"),
        (_rename("amount", "total"), "amount: property removed (renamed to 'total'?)"),
        (_rename("amount", "total"), "total: new required property"),
        (
            _set("properties/issue_date", {"type": "integer"}),
            "issue_date: type changed from string(format=date) to integer",
        ),
        (
            _set("properties/issue_date/format", "date-time"),
            "issue_date: type changed from string(format=date) to string(format=date-time)",
        ),
        (
            _set("properties/amount/pattern", r"^\d+$"),
            r"amount: type changed from string(pattern=^\d+(\.\d+)?$) to string(pattern=^\d+$)",
        ),
        (
            _set("properties/order_id/anyOf/0", {"type": "integer"}),
            "order_id: type changed from string to integer",
        ),
        (
            _set("required", [*BASE["required"], "order_id"]),
            "order_id: optional property made required",
        ),
        (_add("po_number", {"type": "string"}, required=True), "po_number: new required property"),
        (
            _set("$defs/ContractTerms/properties/day_count/anyOf/0/enum", ["ACT/360", "ACT/365"]),
            "terms.day_count: enum value '30/360' removed",
        ),
        (
            _set("properties/order_id", {"type": "string"}),
            "order_id: may no longer be null",
        ),
        (
            _set("$defs/Instalment/properties/amount/type", "number"),
            "instalments[].amount: type changed from string(pattern=^\\d+(\\.\\d+)?$) to number",
        ),
        (_set("properties/customer_id/maxLength", 64), "customer_id: maxLength changed"),
    ],
    ids=[
        "removed",
        "optional-removed",
        "renamed-old",
        "renamed-new",
        "retyped",
        "format",
        "pattern",
        "nullable-retyped",
        "made-required",
        "new-required",
        "enum-value-removed",
        "no-longer-nullable",
        "nested-array-item",
        "constraint",
    ],
)
def test_breaking_change_is_reported(edit: Callable[[Schema], None], expected: str) -> None:
    problems = incompatibilities(BASE, _changed(edit))

    assert any(problem.startswith(expected) for problem in problems), problems


@pytest.mark.parametrize(
    "edit",
    [
        _add("po_number", {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
             required=False),
        _set("properties/amount/description", "Say it better."),
        _set("title", "Renamed"),
        _set("properties/order_id/examples", ["SO-1"]),
    ],
    ids=["optional-added", "description", "title", "examples"],
)  # fmt: skip
def test_compatible_change_is_not_reported(edit: Callable[[Schema], None]) -> None:
    assert incompatibilities(BASE, _changed(edit)) == []


def test_a_renamed_definition_with_the_same_shape_is_compatible() -> None:
    renamed = copy.deepcopy(BASE)
    renamed["$defs"]["Terms"] = renamed["$defs"].pop("ContractTerms")
    renamed["properties"]["terms"]["anyOf"][0] = {"$ref": "#/$defs/Terms"}

    assert incompatibilities(BASE, renamed) == []


def test_a_field_added_inside_a_nested_object_follows_the_same_rules() -> None:
    def add_optional(schema: Schema) -> None:
        schema["$defs"]["ContractTerms"]["properties"]["grace_days"] = {"type": "integer"}

    def add_required(schema: Schema) -> None:
        add_optional(schema)
        schema["$defs"]["ContractTerms"]["required"] = ["grace_days"]

    assert incompatibilities(BASE, _changed(add_optional)) == []
    assert incompatibilities(BASE, _changed(add_required)) == ["terms.grace_days: new required property"]


def test_an_added_enum_value_is_reported_because_old_consumers_reject_it() -> None:
    edit = _set("$defs/ContractTerms/properties/day_count/anyOf/0/enum",
                ["ACT/360", "ACT/365", "30/360", "ACT/ACT"])  # fmt: skip

    assert incompatibilities(BASE, _changed(edit)) == [
        "terms.day_count: enum value 'ACT/ACT' added (old consumers reject it)"
    ]


def test_recursive_schemas_terminate() -> None:
    tree = {
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}},
            }
        },
        "$ref": "#/$defs/Node",
    }

    assert incompatibilities(tree, copy.deepcopy(tree)) == []
