"""The build manifest: a fingerprint of everything that went into each output file, so that a
rebuild renders only what changed. Holds file names, titles and hashes; never patient details.

The manifest sits in the output folder, where anyone who can write there can change it: its entries
are trusted only as far as they name files this tool writes, inside that folder."""

import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import ConfigDict, Field, StrictBool, StrictInt, StrictStr, TypeAdapter, ValidationError
from pydantic.dataclasses import dataclass as checked_dataclass

from handouts import __version__
from handouts.approvals import APPROVALS_FILE
from handouts.errors import HandoutsError, ProjectError
from handouts.files import MANIFEST_FILE, write_atomically
from handouts.project import CLINIC_FILE, Project

if TYPE_CHECKING:
    from handouts.targets import Target

PACKAGE = Path(__file__).parent  # the code that renders is an input too
FORMAT = 1
MAX_MANIFEST_BYTES = 8 * 1024 * 1024
OUTPUT_NAME = re.compile(r"^[a-z]{2,3}/(?:large-print/)?[a-z0-9]+(?:-[a-z0-9]+)*\.pdf$")
"""The only names this tool writes: `<lang>/<slug>.pdf`, `<lang>/large-print/<slug>.pdf`, `<lang>/booklet.pdf`."""

HEX_DIGEST = re.compile(r"^[0-9a-f]{64}$")
MAX_PAGES = 500  # a booklet of every handout in large print is well under this
MAX_VERSION = 2**53  # the largest whole number every JSON reader keeps exactly

log = logging.getLogger("handouts")


@checked_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class Entry:
    """One output file as last built; read back through this schema, so an edited entry is dropped."""

    fingerprint: Annotated[StrictStr, Field(pattern=HEX_DIGEST.pattern)]
    source: StrictStr
    title: StrictStr
    language: StrictStr
    large_print: StrictBool
    version: Annotated[StrictInt, Field(ge=1, le=MAX_VERSION)] | None
    pages: Annotated[StrictInt, Field(ge=1, le=MAX_PAGES)]
    # input name -> its digest, as `Fingerprints.inputs` gave them: what tells which input changed since
    inputs: dict[StrictStr, Annotated[StrictStr, Field(pattern=HEX_DIGEST.pattern)]] = Field(default_factory=dict)


ENTRY = TypeAdapter(Entry)


@dataclass(frozen=True)
class IndexRecord:
    """The folder's index page as last written: a fingerprint of its inputs and the sha256 of the page."""

    inputs: str
    page: str


class Manifest:
    """`<out_dir>/.handouts-manifest.json`: output path (relative to out_dir) -> Entry, and the
    record of the folder's index page.
    A missing or unreadable manifest counts as empty, so everything is built again; entries that
    do not name a file this tool writes are dropped."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.path = out_dir / MANIFEST_FILE
        self.index: IndexRecord | None = None
        self.entries = {
            name: entry
            for name, data in self._read().items()
            if self._ours(name) and (entry := self._entry(name, data)) is not None
        }

    def _read(self) -> dict[str, object]:
        try:
            if self.path.exists() and not self.path.is_file():  # a pipe would block the build forever
                raise ValueError("not a file")
            with self.path.open("rb") as file:
                raw = file.read(MAX_MANIFEST_BYTES + 1)
            if len(raw) > MAX_MANIFEST_BYTES:
                raise ValueError("too large")
            data = json.loads(raw)
            if data.get("format") != FORMAT:
                raise ValueError("another format")
            entries = {name: entry for name, entry in data["outputs"].items() if isinstance(name, str)}
            self.index = index_record_of(data.get("index"))
            return entries
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
            log.warning("%s is unreadable: rebuilding everything", self.path)
            return {}

    def _ours(self, name: str) -> bool:
        if OUTPUT_NAME.match(name):
            return True
        log.warning("%s: ignored the entry %.80r: not a file this tool writes", self.path, name)
        return False

    def _entry(self, name: str, data: object) -> Entry | None:
        try:
            return ENTRY.validate_python(data)
        except ValidationError as error:
            where = ".".join(map(str, error.errors()[0]["loc"])) or "entry"
            log.warning("%s: ignored the entry %.80r: %s does not fit; built again", self.path, name, where)
            return None

    def name(self, path: Path) -> str:
        return path.relative_to(self.out_dir).as_posix()

    def is_current(self, path: Path, fingerprint: str) -> bool:
        entry = self.entries.get(self.name(path))
        return entry is not None and entry.fingerprint == fingerprint and path.is_file()

    def why_made(self, path: Path, inputs: dict[str, str]) -> str | None:
        """Why the file is to be made again, in words (none when it is up to date): never built,
        gone from the folder, which of its inputs changed since it was built, or a manifest entry
        that does not add up."""
        entry = self.entries.get(self.name(path))
        if entry is None:
            return "never built"
        if not path.is_file():
            return "the PDF is gone from the folder"
        if entry.fingerprint == fingerprint_of(inputs):
            return None
        if not entry.inputs:
            return "built before its inputs were recorded"
        changed = [INPUT_NAMES[name] for name in inputs if entry.inputs.get(name) != inputs[name]]
        if not changed:  # the inputs match and the fingerprint does not: the manifest was edited
            return "its fingerprint in the manifest does not match its inputs"
        return f"changed: {', '.join(changed)}"

    def record(self, path: Path, entry: Entry) -> None:
        self.entries[self.name(path)] = entry
        self.save()

    def remove_orphans(self, planned: list[Path]) -> list[Path]:
        """Delete outputs whose source file is gone (and only those the manifest knows)."""
        keep = {self.name(path) for path in planned}
        inside = self.out_dir.resolve()
        before = len(self.entries)
        removed = []
        for name, entry in list(self.entries.items()):
            if name not in keep and not Path(entry.source).is_file():
                del self.entries[name]
                if not (self.out_dir / name).resolve().is_relative_to(inside):  # a symlink out of the folder
                    log.warning("%s: not removed: it leads outside %s", self.out_dir / name, self.out_dir)
                    continue
                (self.out_dir / name).unlink(missing_ok=True)
                removed.append(self.out_dir / name)
        if len(self.entries) < before:
            self.save()
        return removed

    def save(self) -> None:
        outputs = {name: asdict(entry) for name, entry in sorted(self.entries.items())}
        content: dict = {"format": FORMAT, "outputs": outputs}
        if self.index is not None:
            content["index"] = asdict(self.index)
        data = json.dumps(content, indent=1, ensure_ascii=False)
        write_atomically(self.path, data.encode("utf-8"))


def index_record_of(data: object) -> IndexRecord | None:
    """The index record as read; anything but two hex digests counts as none (the page is made again)."""
    if not isinstance(data, dict) or set(data) != {"inputs", "page"}:
        return None
    if not all(isinstance(value, str) and HEX_DIGEST.match(value) for value in data.values()):
        return None
    return IndexRecord(data["inputs"], data["page"])


# The inputs of a render, by the name a manifest entry records, and as `build -v` names them.
INPUT_NAMES = {
    "content": "content file",
    "print": "language or print size",
    "labels": "labels",
    "blocks": "shared blocks",
    "policies": "policies",
    "clinic": CLINIC_FILE,
    "approvals": APPROVALS_FILE,
    "templates": "templates",
    "assets": "assets",
    "program": "the handouts program",
}
LANGUAGE_FILES = {"labels": "_labels.yaml", "blocks": "_blocks.yaml"}


def fingerprint_of(inputs: dict[str, str]) -> str:
    """One digest of the inputs' digests."""
    return hashlib.sha256("\0".join(f"{name}={value}" for name, value in inputs.items()).encode()).hexdigest()


class Fingerprints:
    """Hashes of every input of a render: the content file, labels and blocks of its language,
    templates, assets (fonts, logo), clinic.yaml (its policies apart too), approvals.yaml, and the package itself."""

    def __init__(self, project: Project):
        self.project = project
        self._languages: dict[str, dict[str, str]] = {}
        self._sources: dict[tuple[str, str], tuple[Path | None, str]] = {}

    @cached_property
    def shared_inputs(self) -> dict[str, str]:
        """The digest of each input every render shares."""
        project = self.project
        approvals = project.root / APPROVALS_FILE  # sign-offs change footers
        program = hashlib.sha256(__version__.encode())
        for module in sorted(PACKAGE.glob("*.py")):
            program.update(file_digest(module).encode())
        return {
            "policies": hashlib.sha256(project.clinic.policies.model_dump_json().encode()).hexdigest(),
            "clinic": file_digest(project.root / CLINIC_FILE, CLINIC_FILE),
            "approvals": file_digest(approvals, APPROVALS_FILE)
            if approvals.is_file()
            else hashlib.sha256().hexdigest(),
            **{folder: self._folders(folder) for folder in ("templates", "assets")},
            "program": program.hexdigest(),
        }

    def _folders(self, folder: str) -> str:
        digest = hashlib.sha256()
        for root in self.project.roots:
            digest.update(folder_digest(root / folder, self.project.shown).encode())
        return digest.hexdigest()

    @cached_property
    def shared(self) -> str:
        return fingerprint_of(self.shared_inputs)

    def language_inputs(self, language: str) -> dict[str, str]:
        """The digest of the labels and of the shared blocks of a language (every layer of each)."""
        if language not in self._languages:
            found = {}
            for key, name in LANGUAGE_FILES.items():
                digest = hashlib.sha256()
                for path, shown in self.project.layers(f"content/{language}/{name}"):
                    digest.update(f"{path}\0{file_digest(path, shown)}\0".encode())
                found[key] = digest.hexdigest()
            self._languages[language] = found
        return self._languages[language]

    def language(self, language: str) -> str:
        return fingerprint_of(self.language_inputs(language))

    def source(self, target: "Target") -> Path | None:
        request = target.request
        return self._source(request.content_language, request.slug)[0]

    def _source(self, language: str, slug: str) -> tuple[Path | None, str]:
        """The content file and its digest, found and read once for every print size and folder."""
        key = (language, slug)
        if key not in self._sources:
            source = self.project.find(f"content/{language}/{slug}.yaml")
            self._sources[key] = (source, file_digest(source, self.project.shown(source)) if source else "")
        return self._sources[key]

    def of_each(self, targets: list["Target"]) -> tuple[dict["Target", str], dict["Target", str]]:
        """The fingerprint of each target, and the problem of each whose files cannot be read
        (the others still build); a shared file that cannot be read stops them all."""
        self.shared  # noqa: B018 - its error is everyone's
        prints, problems = {}, {}
        for target in targets:
            try:
                prints[target] = self.of(target)
            except HandoutsError as error:
                problems[target] = str(error)
        return prints, problems

    def inputs(self, target: "Target", content_digest: str | None = None) -> dict[str, str]:
        """The digest of each input of the target's render, by name (`INPUT_NAMES`). `content_digest`:
        the sha256 of the content file's bytes a render used (see `Project.read_handout`); by
        default, of the file as first read by this build."""
        request = target.request
        source, digest = self._source(request.content_language, request.slug)
        digest = digest if content_digest is None else content_digest
        return {
            "content": hashlib.sha256(f"{source}\0{digest}".encode()).hexdigest(),
            "print": hashlib.sha256(repr(request).encode()).hexdigest(),
            **self.language_inputs(request.content_language),
            **self.shared_inputs,
        }

    def of(self, target: "Target", content_digest: str | None = None) -> str:
        return fingerprint_of(self.inputs(target, content_digest))

    def of_booklet(self, language: str, page_size: str, parts: list[str]) -> str:
        """A booklet depends on the brand, the labels and every handout PDF in it."""
        return hashlib.sha256("\0".join([self.shared, self.language(language), page_size, *parts]).encode()).hexdigest()


def file_digest(path: Path, shown: str | None = None) -> str:
    """The sha256 of the file, read a block at a time: a 2 GB content file took 2 GB of memory.
    A file that cannot be read is a ProjectError naming it (`shown`, else its path)."""
    try:
        with path.open("rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()
    except OSError as error:
        raise ProjectError(f"{shown or path}: cannot read it ({error.strerror or error})") from None


def folder_digest(folder: Path, shown: Callable[[Path], str] = str) -> str:
    """Names and contents of every file under the folder (no folder, no files)."""
    digest = hashlib.sha256()
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(f"{path.relative_to(folder).as_posix()}\0{file_digest(path, shown(path))}\0".encode())
    return digest.hexdigest()
