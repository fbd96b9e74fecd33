"""Reading YAML files safely and validating them against a schema, with file:line errors.

A file may only expand to a bounded amount of data: its size, nesting depth, number of values (an
alias or merge key counts everything it copies, every time it is used), length of text, aliases and
merge keys are all capped, so a small hostile file cannot exhaust memory or the Python stack.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from handouts.errors import ContentError, Problem

Model = TypeVar("Model", bound=BaseModel)

MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 32
MAX_VALUES = 20_000
MAX_TEXT = 1_000_000
MAX_ALIASES = 200
MAX_MERGE_KEYS = 50
MAX_NUMBER_CHARS = 100

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


def read_bytes(path: Path, shown_as: str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes; a missing or too large file (over `max_bytes`) is a ContentError naming it."""
    try:
        with path.open("rb") as file:
            raw = file.read(max_bytes + 1)  # never more: the path may be a huge file or a device
    except OSError as error:
        raise ContentError([Problem(shown_as, None, f"cannot read file ({error.strerror})")]) from None
    if len(raw) > max_bytes:
        line = raw[:max_bytes].count(b"\n") + 1  # the line of the first byte past the limit
        raise ContentError(
            [Problem(shown_as, line, f"file too large: passes the {max_bytes // 1024} KB limit on this line")]
        )
    return raw


def decoded(raw: bytes, shown_as: str) -> str:
    """The bytes as UTF-8 text; anything else is a ContentError at the line of the first bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ContentError([Problem(shown_as, line, "not UTF-8 text (save the file as UTF-8)")]) from None


def read_text(path: Path, shown_as: str, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The file's text; a missing, non-UTF-8 or too large file (over `max_bytes`) is a ContentError naming it."""
    return decoded(read_bytes(path, shown_as, max_bytes), shown_as)


def load_yaml(path: Path, shown_as: str, max_bytes: int = MAX_FILE_BYTES) -> tuple[Any, yaml.Node | None]:
    """Read and parse one file of at most `max_bytes` (see `parse_yaml`)."""
    return parse_yaml(read_text(path, shown_as, max_bytes), shown_as)


def parse_yaml(text: str, shown_as: str) -> tuple[Any, yaml.Node | None]:
    """Parse with the safe loader; return the data and the node tree (for line numbers).

    libyaml parses when PyYAML has it; on any error the pure-Python loader parses again, so the
    messages and line numbers are always the pure-Python loader's.
    """
    try:
        parsed = _parse_any(text)
    except Oversized as error:
        raise ContentError([Problem(shown_as, error.line, error.message)]) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        raise ContentError([Problem(shown_as, line, f"YAML syntax error: {error.problem}")]) from None
    except yaml.YAMLError as error:
        raise ContentError([Problem(shown_as, None, f"YAML error: {error}")]) from None
    duplicates = duplicate_keys(parsed[1])
    if duplicates:
        raise ContentError([Problem(shown_as, line, message) for line, message in duplicates])
    return parsed


def _parse_any(text: str) -> tuple[Any, yaml.Node | None]:
    if FAST_LOADER is not None:
        try:
            return _parse(text, FAST_LOADER)
        except yaml.YAMLError:
            pass
    return _parse(text, None)


def duplicate_keys(node: yaml.Node | None) -> list[tuple[int, str]]:
    """(line, message) for every key written twice in one mapping: YAML would keep only the last."""
    found: list[tuple[int, str]] = []
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
        elif isinstance(current, yaml.MappingNode):
            first_lines: dict[str, int] = {}
            for key, value in current.value:
                stack.append(value)
                if not isinstance(key, yaml.ScalarNode):
                    continue
                line = key.start_mark.line + 1
                if key.value in first_lines:
                    found.append((line, f"duplicate key {key.value!r} (first at line {first_lines[key.value]})"))
                else:
                    first_lines[key.value] = line
    return sorted(found)


def _parse(text: str, fast_loader: "type[yaml.CSafeLoader] | None") -> tuple[Any, yaml.Node | None]:
    loader: yaml.CSafeLoader | CountingLoader
    if fast_loader is not None:  # libyaml composes in C, out of reach: count its events in a first, cheap pass
        budget, documents = Budget(), 0
        for event in yaml.parse(text, Loader=fast_loader):
            documents += isinstance(event, yaml.DocumentStartEvent)
            if documents > 1:  # the composer reports the second document, as the Python loader would
                break
            budget.count(event)
        loader = fast_loader(text)
    else:
        loader = CountingLoader(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    finally:
        loader.dispose()


class Oversized(Exception):
    """A YAML file that would expand past one of the bounds."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class _Open:
    """A sequence or mapping whose end has not been read yet."""

    anchor: str | None
    is_mapping: bool
    values_before: int
    text_before: int
    children: int = 0


class Budget:
    """Counts what a stream of YAML events expands to and stops it at the first bound it passes.

    An alias adds everything its anchor holds, so nine aliases of nine aliases of ... count as
    the billions of values they would become, without building any of them.
    """

    def __init__(self) -> None:
        self.values = self.text = self.aliases = self.merge_keys = 0
        self.open: list[_Open] = []
        self.anchors: dict[str, tuple[int, int]] = {}

    def count(self, event: yaml.Event) -> None:
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, yaml.CollectionEndEvent):
            closed = self.open.pop()
            if closed.anchor is not None:
                self.anchors[closed.anchor] = (self.values - closed.values_before, self.text - closed.text_before)
            return
        if not isinstance(event, yaml.NodeEvent):
            return
        if self.open:
            parent = self.open[-1]
            if parent.is_mapping and parent.children % 2 == 0 and getattr(event, "value", None) == "<<":
                self.merge_keys += 1
                self._within(self.merge_keys, MAX_MERGE_KEYS, line, "merge keys (<<)")
            parent.children += 1
        if isinstance(event, yaml.AliasEvent):
            self.aliases += 1
            self._within(self.aliases, MAX_ALIASES, line, "aliases (*name)")
            if any(collection.anchor == event.anchor for collection in self.open):
                raise Oversized(line, f"alias *{event.anchor} is inside its own anchor &{event.anchor}")
            values, text = self.anchors.get(event.anchor or "", (0, 0))  # an unknown alias: the composer says so
            self._grow(values, text, line)
        elif isinstance(event, yaml.ScalarEvent):
            self._grow(1, len(event.value), line)
            if event.anchor is not None:
                self.anchors[event.anchor] = (1, len(event.value))
        else:
            self.open.append(_Open(event.anchor, isinstance(event, yaml.MappingStartEvent), self.values, self.text))
            self._grow(1, 0, line)
            if len(self.open) > MAX_DEPTH:
                raise Oversized(line, f"nested more than {MAX_DEPTH} levels deep")

    def _grow(self, values: int, text: int, line: int) -> None:
        self.values += values
        self.text += text
        self._within(self.values, MAX_VALUES, line, "values (aliases and merge keys count what they copy)")
        self._within(self.text, MAX_TEXT, line, "characters of text (aliases and merge keys count what they copy)")

    @staticmethod
    def _within(count: int, limit: int, line: int, what: str) -> None:
        if count > limit:
            raise Oversized(line, f"more than {limit:,} {what}")


class GuardedConstruction(yaml.constructor.SafeConstructor):
    """A value Python cannot hold (year 0, February 30, a number of thousands of digits) is a YAML
    error at its line, not a crash; integers longer than MAX_NUMBER_CHARS are refused (a long
    base-60 one takes seconds per digit group)."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as error:
            problem = f"cannot read this value: {str(error).split(';')[0]}"
            raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark) from None

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        if len(node.value) > MAX_NUMBER_CHARS:
            raise ValueError(f"a number of more than {MAX_NUMBER_CHARS} characters")
        return super().construct_yaml_int(node)


GuardedConstruction.add_constructor(  # type: ignore[type-var]
    "tag:yaml.org,2002:int", GuardedConstruction.construct_yaml_int
)


class CountingLoader(GuardedConstruction, yaml.SafeLoader):
    """The pure-Python safe loader, counting each event as the composer takes it, before it nests deeper."""

    def __init__(self, text: str):
        super().__init__(text)
        self.budget = Budget()

    def get_event(self) -> yaml.Event:
        event = super().get_event()
        self.budget.count(event)
        return event


FAST_LOADER: type[yaml.CSafeLoader] | None = None
if hasattr(yaml, "CSafeLoader"):  # libyaml, when PyYAML has it

    class FastLoader(GuardedConstruction, yaml.CSafeLoader):
        """libyaml's safe loader with the same guarded construction."""

    FAST_LOADER = FastLoader


def validate(
    model: type[Model], data: Any, node: yaml.Node | None, shown_as: str, context: dict | None = None
) -> Model:
    """Validate parsed YAML; every problem in the file is reported at once, each with its line.

    `context` carries what the schema cannot know alone, like the icon names the project has."""
    try:
        return model.model_validate(data if data is not None else {}, context=context)
    except ValidationError as error:
        raise ContentError(_in_line_order([(problem, node, shown_as) for problem in error.errors()])) from None


def load_model(
    model: type[Model], path: Path, shown_as: str, context: dict | None = None, max_bytes: int = MAX_FILE_BYTES
) -> Model:
    """Read, parse and validate one YAML file of at most `max_bytes`."""
    data, node = load_yaml(path, shown_as, max_bytes)
    return validate(model, data, node, shown_as, context)


def load_layered(
    model: type[Model], files: list[tuple[Path, str]], context: dict | None = None, max_bytes: int = MAX_FILE_BYTES
) -> Model:
    """Validate the key-by-key union of several mapping files, each of at most `max_bytes`; later files win.

    Each problem is reported against the file that supplied the key it is about.
    """
    merged: dict[str, Any] = {}
    origin: dict[str, tuple[yaml.Node | None, str]] = {}
    for path, shown_as in files:
        data, node = load_yaml(path, shown_as, max_bytes)
        if not isinstance(data, dict):
            raise ContentError([Problem(shown_as, 1, "expected a mapping of keys and values")])
        merged.update(data)
        origin.update(dict.fromkeys(data, (node, shown_as)))
    try:
        return model.model_validate(merged, context=context)
    except ValidationError as error:
        last_file = (None, files[-1][1])
        located: list[tuple[Any, yaml.Node | None, str]] = []
        for problem in error.errors():
            key = problem["loc"][0] if problem["loc"] else None
            located.append((problem, *(origin.get(key, last_file) if isinstance(key, str) else last_file)))
        raise ContentError(_in_line_order(located)) from None


def _in_line_order(located: list[tuple[Any, yaml.Node | None, str]]) -> list[Problem]:
    """`file:line: field: message` for each problem, sorted by file and line."""
    problems = []
    for problem, node, shown_as in located:
        where = dotted(problem["loc"])
        message = FRIENDLY_MESSAGES.get(problem["type"], _plain(problem["msg"]))
        problems.append(Problem(shown_as, line_of(node, problem["loc"]), f"{where}: {message}" if where else message))
    return sorted(problems, key=lambda problem: (problem.file, problem.line or 0))


def _plain(message: str) -> str:
    message = message.removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def dotted(location: tuple) -> str:
    """A field's location as messages name it: `review.sources[2].url`."""
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
