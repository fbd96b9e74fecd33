"""Reading YAML files safely and validating them against a schema, with file:line errors."""

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from handouts.errors import ContentError

Model = TypeVar("Model", bound=BaseModel)

FRIENDLY_MESSAGES = {
    "missing": "required, but missing",
    "extra_forbidden": "unknown key",
    "list_type": "expected a list",
    "string_type": "expected text",
    "model_type": "expected a mapping of keys and values",
    "dict_type": "expected a mapping of keys and values",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "date_type": "expected a date like 2026-12-31",
    "date_from_datetime_parsing": "expected a date like 2026-12-31",
    "string_too_short": "must not be empty",
}


def read_text(path: Path, shown_as: str) -> str:
    """The file's text; a missing or non-UTF-8 file is a ContentError naming it."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ContentError([f"{shown_as}: cannot read file ({error.strerror})"]) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ContentError([f"{shown_as}:{line}: not UTF-8 text (save the file as UTF-8)"]) from None


def load_yaml(path: Path, shown_as: str) -> tuple[Any, yaml.Node | None]:
    """Parse with the safe loader; return the data and the node tree (for line numbers)."""
    loader = yaml.SafeLoader(read_text(path, shown_as))
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise ContentError([f"{shown_as}{line}: YAML syntax error: {error.problem}"]) from None
    except yaml.YAMLError as error:
        raise ContentError([f"{shown_as}: YAML error: {error}"]) from None
    finally:
        loader.dispose()
    return data, node


def validate(model: type[Model], data: Any, node: yaml.Node | None, shown_as: str,
             context: dict | None = None) -> Model:
    """Validate parsed YAML; every problem in the file is reported at once, each with its line.

    `context` carries what the schema cannot know alone, like the icon names the project has."""
    try:
        return model.model_validate(data if data is not None else {}, context=context)
    except ValidationError as error:
        raise ContentError(_in_line_order([(problem, node, shown_as) for problem in error.errors()])) from None


def load_model(model: type[Model], path: Path, shown_as: str, context: dict | None = None) -> Model:
    """Read, parse and validate one YAML file."""
    data, node = load_yaml(path, shown_as)
    return validate(model, data, node, shown_as, context)


def load_layered(model: type[Model], files: list[tuple[Path, str]], context: dict | None = None) -> Model:
    """Validate the key-by-key union of several mapping files; later files win.

    Each problem is reported against the file that supplied the key it is about.
    """
    merged: dict[str, Any] = {}
    origin: dict[str, tuple[yaml.Node | None, str]] = {}
    for path, shown_as in files:
        data, node = load_yaml(path, shown_as)
        if not isinstance(data, dict):
            raise ContentError([f"{shown_as}:1: expected a mapping of keys and values"])
        merged.update(data)
        origin.update({key: (node, shown_as) for key in data})
    try:
        return model.model_validate(merged, context=context)
    except ValidationError as error:
        last_file = (None, files[-1][1])
        located = []
        for problem in error.errors():
            key = problem["loc"][0] if problem["loc"] else None
            located.append((problem, *origin.get(key, last_file)))
        raise ContentError(_in_line_order(located)) from None


def _in_line_order(located: list[tuple[dict, yaml.Node | None, str]]) -> list[str]:
    """`file:line: field: message` for each problem, sorted by file and line."""
    rows = []
    for problem, node, shown_as in located:
        where = _dotted(problem["loc"])
        message = FRIENDLY_MESSAGES.get(problem["type"], _plain(problem["msg"]))
        line = line_of(node, problem["loc"])
        prefix = f"{shown_as}:{line}" if line else shown_as
        rows.append((shown_as, line or 0, f"{prefix}: {where}: {message}" if where else f"{prefix}: {message}"))
    return [text for _, _, text in sorted(rows, key=lambda row: row[:2])]


def _plain(message: str) -> str:
    message = message.removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _dotted(location: tuple) -> str:
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def line_of(node: yaml.Node | None, location: tuple) -> int | None:
    """The line of the deepest YAML node that the error location still matches."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in location:
        if isinstance(node, yaml.MappingNode):
            match = next(((key, value) for key, value in node.value if key.value == part), None)
            if match is None:
                break
            key, node = match
            line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
