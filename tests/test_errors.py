"""One error family: every exception class the package defines derives from CoprodError, so the
CLI and the service catch problems once and anything else is a bug (issue 27)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import automations
from automations.core.errors import CoprodError


def exception_classes() -> dict[str, type[BaseException]]:
    found = {}
    for info in pkgutil.walk_packages(automations.__path__, "automations."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseException)
                and obj.__module__ == info.name
            ):
                found[f"{info.name}.{name}"] = obj
    return found


def test_every_exception_class_is_a_coprod_error() -> None:
    classes = exception_classes()
    # The nine the issue named are among them (so the walk really found the package's classes).
    named = {
        "CellProblem",
        "GaveUp",
        "GraphError",
        "SignInError",
        "SignInBusy",
        "TokenError",
        "TransientTokenError",
        "_Dropped",
        "_Refused",
    }
    assert named <= {path.rsplit(".", 1)[1] for path in classes}
    outside = sorted(path for path, cls in classes.items() if not issubclass(cls, CoprodError))
    assert outside == []
