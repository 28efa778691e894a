"""The action registry: what the outbox can deliver. Built-in actions and extensions register the
same way, with :func:`register_action`, when their module is imported.

Worker processes import the same modules (the built-ins, plus any listed in ``CRM_ACTION_MODULES``),
so a name means the same handler in every process.
"""
from __future__ import annotations

import functools
import importlib
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

from runtime.config import ConfigError

if TYPE_CHECKING:
    from runtime.outbox.runner import ActionContext

Handler = Callable[["ActionContext", Any], None]

ACTION_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
ACTION_MODULES_ENV = "CRM_ACTION_MODULES"


class UnknownAction(LookupError):
    """An action name nobody registered."""


@dataclass(frozen=True)
class Action:
    name: str
    handler: Handler
    description: str


class ActionRegistry:
    """Name -> :class:`Action`. Filled at import time; lookups afterwards."""

    def __init__(self) -> None:
        self._actions: dict[str, Action] = {}

    def register(self, name: str, handler: Handler, *, description: str) -> Action:
        if not ACTION_NAME.match(name) or len(name) > 100:
            raise ValueError(f"action name {name!r} must be dotted lower-case words, e.g. 'webhook' "
                             "or 'acme.sync_erp'")
        if not description.strip():
            raise ValueError(f"action {name!r} needs a description (it is shown in the docs and UI)")
        existing = self._actions.get(name)
        if existing is not None and _identity(existing.handler) != _identity(handler):
            raise ValueError(f"action {name!r} is already registered to {_identity(existing.handler)}")
        action = Action(name, handler, description.strip())
        self._actions[name] = action
        return action

    def get(self, name: str) -> Action:
        try:
            return self._actions[name]
        except KeyError:
            raise UnknownAction(f"no action named {name!r} is registered") from None

    def __contains__(self, name: object) -> bool:
        return name in self._actions

    def __iter__(self) -> Iterator[Action]:
        return iter(sorted(self._actions.values(), key=lambda a: a.name))


def _identity(handler: Handler) -> str:
    """Re-importing a module re-registers the same function; that is not a conflict."""
    return f"{getattr(handler, '__module__', '?')}.{getattr(handler, '__qualname__', repr(handler))}"


ACTIONS = ActionRegistry()


def register_action(name: str, handler: Handler, *, description: str) -> Action:
    """Make ``handler(ctx, payload)`` deliverable under ``name``. Call it at import time."""
    return ACTIONS.register(name, handler, description=description)


def get_action(name: str) -> Action:
    return ACTIONS.get(name)


def load_action_modules(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Import the modules named in ``CRM_ACTION_MODULES`` (comma-separated) so their actions
    register; web processes and workers both call this. Returns the module names; raises
    ConfigError when one cannot be imported."""
    value = (os.environ if env is None else env).get(ACTION_MODULES_ENV, "")
    return _import_modules(tuple(name.strip() for name in value.split(",") if name.strip()))


@functools.lru_cache(maxsize=16)
def _import_modules(names: tuple[str, ...]) -> tuple[str, ...]:
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise ConfigError(f"{ACTION_MODULES_ENV}: cannot import {name!r} ({exc})") from None
    return names
