"""`@record` (core/records.py) gives what `@dataclass` gives: each record class of the package is
compared with a twin made by `@dataclass` from the same fields, on the same values."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from dataclasses import dataclass, field

import pytest

import automations
from automations.core.records import record


def _record_classes() -> list[type]:
    found = []
    for info in pkgutil.walk_packages(automations.__path__, "automations."):
        if info.name.startswith(("automations.backends.google", "automations.backends.micro")):
            continue  # no record classes; their imports need the cloud libraries' set-up
        module = importlib.import_module(info.name)
        found += [c for c in vars(module).values()
                  if isinstance(c, type) and "__record_key__" in c.__dict__
                  and c.__module__ == module.__name__]
    return found


RECORDS = _record_classes()


def _twin(cls: type) -> type:
    """The same fields, made into a class by @dataclass itself."""
    ns: dict[str, object] = {"__annotations__": {}, "__module__": cls.__module__,
                             "__qualname__": cls.__qualname__}
    for f in dataclasses.fields(cls):
        ns["__annotations__"][f.name] = f.type  # type: ignore[index]
        ns[f.name] = field(default=f.default, default_factory=f.default_factory, repr=f.repr,
                           hash=f.hash, compare=f.compare)
    return dataclass(frozen=cls.__dataclass_params__.frozen)(type(cls.__name__, (), ns))


def _made(cls: type, values: dict[str, object]) -> object:
    """An instance holding these values, made without __init__ (some check what they hold)."""
    obj = object.__new__(cls)
    for name, value in values.items():
        object.__setattr__(obj, name, value)
    return obj


def test_the_check_s_classes_are_records() -> None:
    names = {c.__qualname__ for c in RECORDS}
    assert {"Finding", "Action", "Member", "Config", "Column", "RawTable"} <= names
    assert len(RECORDS) >= 30


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_a_record_behaves_as_its_dataclass_twin(cls: type) -> None:
    twin = _twin(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    values = {name: f"value {i}" for i, name in enumerate(names)}
    a, b = _made(cls, values), _made(cls, values)
    ta, tb = _made(twin, values), _made(twin, values)
    assert repr(a) == repr(ta)
    assert (a == b) is (ta == tb) is True
    assert a.__eq__(object()) is NotImplemented
    assert (cls.__hash__ is None) is (twin.__hash__ is None)
    if cls.__hash__ is not None:
        assert hash(a) == hash(b)
    for name in names:  # each field changed on its own: equal or not, as the twin says
        changed = {**values, name: "another value"}
        c, tc = _made(cls, changed), _made(twin, changed)
        assert (a == c) is (ta == tc), name
        if cls.__hash__ is not None and ta == tc:
            assert hash(a) == hash(c), name


@record(frozen=True)
class _Shown:
    shown: str
    hidden: str = field(default="secret", repr=False)
    ignored: int = field(default=0, compare=False)
    unhashed: int = field(default=0, hash=False)


_ShownTwin = _twin(_Shown)  # the same fields, made by @dataclass


def test_field_options_are_honoured_as_dataclass_honours_them() -> None:
    a = _Shown("x", ignored=1, unhashed=2)
    shown = "_Shown(shown='x', ignored=1, unhashed=2)"  # hidden: repr=False
    assert repr(a) == repr(_ShownTwin("x", ignored=1, unhashed=2)) == shown
    assert a == _Shown("x", ignored=9, unhashed=2)  # compare=False: not compared
    assert a != _Shown("x", unhashed=3)
    assert hash(a) == hash(_Shown("x", unhashed=3))  # hash=False: compared, not hashed
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.shown = "y"  # type: ignore[misc]


@record
class _Node:
    name: str
    children: list[_Node] = field(default_factory=list)


def test_a_record_that_can_change_cannot_be_hashed_and_shows_itself_once() -> None:
    node = _Node("root")
    node.children.append(node)
    assert repr(node) == "_Node(name='root', children=[...])"
    with pytest.raises(TypeError, match="unhashable"):
        hash(node)
    assert node == _Node("root", node.children)
    assert _Node("a") != _Node("b") and _Node("a") == _Node("a")


@record(frozen=True)
class _OwnRepr:
    value: int

    def __repr__(self) -> str:
        return f"<{self.value}>"


def test_a_method_the_class_writes_itself_stays() -> None:
    assert repr(_OwnRepr(3)) == "<3>"
    assert _OwnRepr(3) == _OwnRepr(3)
