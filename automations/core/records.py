"""`@record`: `@dataclass` for the classes every check loads, with one `__repr__`, `__eq__` and
`__hash__` shared by all of them.

Python 3.11's `@dataclass` writes those methods out as source text for each class and compiles
them at every start: for the 35 classes a `coprod validate` loads, that was 6-7 ms of a 90 ms
process (bench/README.md, "Starting up"). The shared methods give the same results as the
compiled ones (tests/test_records.py compares them class by class): the fields that take part,
the same class only, `NotImplemented` for another, unhashable unless frozen. `__init__` and a
frozen class's `__setattr__`/`__delattr__` are still written by `@dataclass`.

Type checkers see `@dataclass` itself, which is what a record is.
"""

from __future__ import annotations

import dataclasses
import reprlib
from operator import attrgetter

TYPE_CHECKING = False  # typing.TYPE_CHECKING at run time, without loading typing (start-up)
if TYPE_CHECKING:
    from collections.abc import Callable
    from dataclasses import dataclass as record
    from typing import Any
else:

    def record(cls: type | None = None, /, *, frozen: bool = False) -> Any:
        """`@record` or `@record(frozen=True)`, as `@dataclass` / `@dataclass(frozen=True)`."""

        def wrap(cls: type) -> type:
            return _shared_methods(dataclasses.dataclass(cls, frozen=frozen, eq=False,
                                                         repr=False), frozen)

        return wrap if cls is None else wrap(cls)


def _shared_methods(cls: type, frozen: bool) -> type:
    """As @dataclass does, a method the class writes itself is left as it is."""
    fields = dataclasses.fields(cls)
    own = cls.__dict__
    cls.__record_shown__ = tuple(f.name for f in fields if f.repr)
    cls.__record_key__ = staticmethod(_key([f.name for f in fields if f.compare]))
    if "__repr__" not in own:
        cls.__repr__ = _repr
    if "__eq__" in own or "__hash__" in own:
        return cls
    cls.__eq__ = _eq
    # Equal values hash alike; a record that can change cannot be hashed (Python's own rule for
    # a class that defines __eq__, and @dataclass's).
    cls.__hash__ = None
    if frozen:
        hashed = [f.name for f in fields if (f.compare if f.hash is None else f.hash)]
        cls.__record_hash_key__ = staticmethod(_key(hashed))
        cls.__hash__ = _hash
    return cls


def _key(names: list[str]) -> Callable[[object], tuple[Any, ...]]:
    """The values of these fields as a tuple, fetched in C."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


@reprlib.recursive_repr()  # a record holding itself shows "...", as @dataclass's repr does
def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_shown__)
    return f"{self.__class__.__qualname__}({shown})"


def _eq(self: Any, other: object) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented
    key = self.__record_key__
    return key(self) == key(other)


def _hash(self: Any) -> int:
    return hash(self.__record_hash_key__(self))
