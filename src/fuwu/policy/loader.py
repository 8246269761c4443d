"""Policy text (TOML) → ``PolicyDocument``, with errors keyed by the exact key path."""

from __future__ import annotations

import re
import tomllib

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import ValidationError

from fuwu.lib.errors import ValidationFailed
from fuwu.lib.validation import field_errors

from .schema import PolicyDocument

TOML_PATH = "__toml__"
_POSITION = re.compile(r"\s*\(at line (?P<line>\d+), column (?P<column>\d+)\)\s*$")
_AT_END = re.compile(r"\s*\(at end of document\)\s*$")


class PolicyInvalid(ValidationFailed):
    """The policy text is not a valid policy; ``fields`` maps key paths to messages."""

    default_message = gettext_lazy("The policy is not valid.")


def parse_policy(text: str) -> PolicyDocument:
    """Read and validate a policy document; raise ``PolicyInvalid`` naming every problem by key path."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyInvalid(
            PolicyInvalid.default_message, fields={TOML_PATH: [_toml_message(str(exc), text)]}
        ) from exc
    return validate_policy_data(data)


def validate_policy_data(data: object) -> PolicyDocument:
    try:
        return PolicyDocument.model_validate(data)
    except ValidationError as exc:
        raise PolicyInvalid(PolicyInvalid.default_message, fields=field_errors(exc.errors())) from exc


def _toml_message(problem: str, text: str) -> str:
    found = _POSITION.search(problem)
    if found:
        return _("line %(line)s, column %(column)s: %(problem)s") % {
            "line": found["line"],
            "column": found["column"],
            "problem": problem[: found.start()],
        }
    if _AT_END.search(problem):
        line = text.count("\n") + 1
        return _("line %(line)s (end of the document): %(problem)s") % {
            "line": line,
            "problem": _AT_END.sub("", problem),
        }
    return _("not valid TOML: %(problem)s") % {"problem": problem}
