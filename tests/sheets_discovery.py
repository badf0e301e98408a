"""Checks a Sheets API v4 call against Google's published discovery document.

The document is the one google-api-python-client ships
(googleapiclient/discovery_cache/documents/sheets.v4.json); the package is a test-only
dependency, used for nothing but this file. The checks are the ones the real API makes before
it does anything (a request with an unknown field name, a wrong type or a value outside an enum
is refused whole with 400 "Invalid JSON payload received"), plus, for our own use, fields the
document marks deprecated or output only, and field masks naming fields that do not exist.

Why not jsonschema: a discovery document is not JSON Schema (a "$ref" is a bare schema name,
int64 travels as a string, "google-fieldmask" strings need their own check, "deprecated" and
"readOnly" sit beside the type), so converting it would take as much code as checking it.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Json = dict[str, Any]
# The schema a field mask is relative to, for the requests that carry one.
MASK_ROOT = {"UpdateCellsRequest": "CellData", "RepeatCellRequest": "CellData",
             "UpdateSheetPropertiesRequest": "SheetProperties",
             "UpdateSpreadsheetPropertiesRequest": "SpreadsheetProperties"}
# Where each call's body and query parameters are described: (resource path, method).
METHODS = {"spreadsheets.get": (("spreadsheets",), "get"),
           "spreadsheets.batchUpdate": (("spreadsheets",), "batchUpdate"),
           "values.batchGet": (("spreadsheets", "values"), "batchGet"),
           "values.batchUpdate": (("spreadsheets", "values"), "batchUpdate"),
           "values.clear": (("spreadsheets", "values"), "clear")}
_INT32 = (-(2**31), 2**31 - 1)


@dataclass(frozen=True)
class Problem:
    where: str  # e.g. requests[0].addConditionalFormatRule.rule.booleanRule.format
    kind: str  # unknown | type | enum | deprecated | read-only | mask
    detail: str

    @property
    def refused(self) -> bool:
        """Whether the real API refuses the whole call for it (deprecated fields still work)."""
        return self.kind in ("unknown", "type", "enum")

    def __str__(self) -> str:
        return f"{self.where}: {self.kind}: {self.detail}"


def document_path() -> Path:
    import googleapiclient  # the test-only dependency

    return (Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
            / "sheets.v4.json")


@functools.cache
def document_available() -> bool:
    try:
        return document_path().is_file()
    except ImportError:
        return False


@functools.cache
def document() -> Json:
    return json.loads(document_path().read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _method(call: str) -> Json:
    resources, name = METHODS[call]
    node = document()
    for resource in resources:
        node = node["resources"][resource]
    return node["methods"][name]  # type: ignore[no-any-return]


def check_call(call: str, body: Json | None, query: dict[str, list[str]]) -> list[Problem]:
    """Every problem with one call: its query parameters, then its JSON body."""
    method = _method(call)
    problems = _check_query(method, query)
    request = method.get("request")
    if request and body is not None:
        problems += check_value(body, {"$ref": request["$ref"]}, "")
    elif body:
        problems.append(Problem("", "unknown", f"{call} takes no body"))
    return problems


def _check_query(method: Json, query: dict[str, list[str]]) -> list[Problem]:
    known = {**document()["parameters"], **method.get("parameters", {})}
    problems = []
    for name, values in query.items():
        spec = known.get(name)
        if spec is None:
            problems.append(Problem(name, "unknown", "no such query parameter"))
            continue
        if len(values) > 1 and not spec.get("repeated"):
            problems.append(Problem(name, "type", "given more than once"))
        for value in values:
            if "enum" in spec and value not in spec["enum"]:
                problems.append(Problem(name, "enum", f"{value!r} is not one of {spec['enum']}"))
            if spec.get("type") == "boolean" and value.lower() not in ("true", "false"):
                problems.append(Problem(name, "type", f"{value!r} is not true or false"))
    return problems


def check_value(value: object, spec: Json, where: str) -> list[Problem]:
    """Problems with `value` against one property spec or schema of the document."""
    if "$ref" in spec:
        schema = document()["schemas"][spec["$ref"]]
        return _check_object(value, schema, where)
    kind = spec.get("type")
    if kind == "object" and "properties" in spec:
        return _check_object(value, spec, where)
    if kind == "object" and "additionalProperties" in spec:
        if not isinstance(value, dict):
            return [Problem(where, "type", f"expected an object, got {_name(value)}")]
        return [p for k, v in value.items()
                for p in check_value(v, spec["additionalProperties"], f"{where}.{k}")]
    if kind == "array":
        if not isinstance(value, list):
            return [Problem(where, "type", f"expected a list, got {_name(value)}")]
        return [p for i, item in enumerate(value)
                for p in check_value(item, spec["items"], f"{where}[{i}]")]
    return _check_scalar(value, spec, where)


def _check_object(value: object, schema: Json, where: str) -> list[Problem]:
    if not isinstance(value, dict):
        return [Problem(where, "type", f"expected an object, got {_name(value)}")]
    problems = []
    properties = schema.get("properties", {})
    for key, item in value.items():
        path = f"{where}.{key}" if where else key
        spec = properties.get(key)
        if spec is None:
            problems.append(Problem(path, "unknown", f"{schema.get('id', 'object')} has no "
                                                     f"field {key!r}"))
            continue
        if spec.get("deprecated"):
            problems.append(Problem(path, "deprecated", spec.get("description", "")[:120]))
        if spec.get("readOnly"):
            problems.append(Problem(path, "read-only", "output only: ignored when sent"))
        problems += check_value(item, spec, path)
    root = MASK_ROOT.get(schema.get("id", ""))
    if root and isinstance(value.get("fields"), str):
        problems += [Problem(f"{where}.fields", "mask", bad)
                     for bad in mask_problems(value["fields"], root)]
    return problems


def _check_scalar(value: object, spec: Json, where: str) -> list[Problem]:
    kind, fmt = spec.get("type"), spec.get("format")
    ok = {"string": isinstance(value, str),
          "boolean": isinstance(value, bool),
          "integer": isinstance(value, int) and not isinstance(value, bool),
          "number": isinstance(value, int | float) and not isinstance(value, bool),
          "any": True}.get(kind or "any", False)
    if kind == "string" and fmt in ("int64", "uint64") and isinstance(value, int):
        ok = True  # JSON clients may send 64-bit integers as numbers too
    if not ok:
        return [Problem(where, "type", f"expected {kind}, got {_name(value)}")]
    if fmt == "int32" and not _INT32[0] <= value <= _INT32[1]:  # type: ignore[operator]
        return [Problem(where, "type", f"{value} is out of range for int32")]
    if "enum" in spec and value not in spec["enum"]:
        return [Problem(where, "enum", f"{value!r} is not one of {spec['enum']}")]
    return []


def mask_problems(mask: str, root: str) -> list[str]:
    """Paths in a field mask ("a.b,c(d,e)") that name no field of schema `root`."""
    if mask.strip() == "*":
        return []
    bad = []
    for path, inner in _mask_paths(mask):
        schema = _walk(root, path.split("."))
        if schema is None:
            bad.append(f"{path!r} is not a field of {root}")
        elif inner:
            bad += [f"{path}.{b}" for b in mask_problems(inner, schema)]
    return bad


def _mask_paths(mask: str) -> list[tuple[str, str]]:
    """Top-level "path" or "path(inner)" items of a mask."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(mask + ","):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            item = mask[start:i].strip()
            start = i + 1
            if m := re.fullmatch(r"([\w.]+)(?:\((.*)\))?", item, re.S):
                out.append((m[1], m[2] or ""))
            elif item:
                out.append((item, ""))
    return out


def _walk(schema_name: str, names: list[str]) -> str | None:
    """The schema reached by following `names` from `schema_name`, or None if one is no
    field. A scalar at the end is fine (its name is returned as "")."""
    schemas = document()["schemas"]
    current: str | None = schema_name
    for name in names:
        if not current:
            return None  # a scalar has no fields
        spec = schemas[current].get("properties", {}).get(name)
        if spec is None:
            return None
        while spec.get("type") == "array":
            spec = spec["items"]
        current = spec.get("$ref", "")
    return current


def _name(value: object) -> str:
    return type(value).__name__
