"""A clinic project: its `clinic.yaml`, and its files layered over the built-in library."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import Field, StringConstraints, field_validator

from handouts import DEFAULT_OUTPUT_FOLDER, LANGUAGE_HELP
from handouts.approvals import APPROVALS_FILE
from handouts.codes import ProcedureMap
from handouts.content import (
    LANGUAGE_PATTERN,
    MAX_CONTENT_FILE_BYTES,
    SLUG_PATTERN,
    Blocks,
    Handout,
    Labels,
    Language,
    Strict,
    Text,
)
from handouts.errors import ProjectError, UnknownHandoutError
from handouts.glyphs import Coverage, coverage, refuse_unprintable
from handouts.library import library_root
from handouts.policies import PLACEHOLDER, Policies, refuse_unknown_placeholders
from handouts.schedule import ScheduleSettings
from handouts.yamlfile import decoded, load_layered, load_model, parse_yaml, read_bytes, validate

CLINIC_FILE = "clinic.yaml"
SOURCE_LANGUAGE = "en"  # the language translations are made from, and glossaries name concepts in
LANGUAGE_FILES = {  # what a language's folder needs, and what each holds (docs/content.md, "Adding a language")
    "_labels.yaml": "section headings and fixed phrases",
    "_blocks.yaml": "the shared blocks and policies in that language",
    "_glossary.yaml": "one wording for each concept",
}
SOURCE_FOLDERS = ("content", "templates", "assets")
Loaded = TypeVar("Loaded")
Stamp = tuple[tuple[Path, int, int, int], ...]


def stamp(paths: list[Path]) -> Stamp:
    """What tells an edited file from the one read before: inode (an atomic write replaces it),
    modification time and size of each file."""
    stats = [(path, path.stat()) for path in paths]
    return tuple((path, stat.st_ino, stat.st_mtime_ns, stat.st_size) for path, stat in stats)


HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
PrintSize = Literal["standard", "large"]
PRINT_SIZES: tuple[PrintSize, ...] = ("standard", "large")
MAX_LOGO_BYTES = {".svg": 512 * 1024}  # an 8 MB SVG logo takes WeasyPrint 40 s and 1.2 GB
MAX_PICTURE_LOGO_BYTES = 5 * 1024 * 1024


class Colors(Strict):
    primary: HexColor = Field("#1d5b79", description="Headings, header band and boxes; dark enough for print.")
    accent: HexColor = Field("#e6f0f5", description="Light background of the summary box.")


class Reading(Strict):
    """Thresholds of `handouts check`."""

    max_grade: float = Field(7, description="English: Flesch-Kincaid grade above this is an error.")
    target_grade: float = Field(6, description="English: grade above this is a warning.")
    min_fernandez_huerta: float = Field(70, description="Spanish: Fernández-Huerta score below this is an error.")
    target_fernandez_huerta: float = Field(75, description="Spanish: score below this is a warning.")
    max_sentence_words: int = Field(25, ge=5)
    max_paragraph_sentences: int = Field(5, ge=1)
    max_passive: int = Field(2, ge=0, description="More passive phrases than this in one handout is a warning.")
    section_grade_margin: float = Field(
        3, ge=0, description="English: a section (summary aside) this many grades above target_grade is a warning."
    )
    section_fernandez_huerta_margin: float = Field(
        10, ge=0, description="Spanish: a section this many points below target_fernandez_huerta is a warning."
    )
    max_long_words_per_100: float = Field(
        20,
        ge=0,
        description="More unexplained long words (3+ syllables; Spanish 4+) per 100 words of a section is a warning.",
    )


# After English, the 15 languages most spoken at home in the US (Census Bureau, American Community Survey,
# table B16001): the notice's default lines. A clinic puts its own state's list in clinic.yaml.
US_TOP_LANGUAGES = ["es", "zh", "tl", "vi", "ar", "fr", "ko", "ru", "ht", "de", "hi", "pt", "it", "pl", "ur"]


class LanguageHelp(Strict):
    """The free language help notice (`handouts build language-help`)."""

    languages: list[Language] = Field(
        default_factory=lambda: list(US_TOP_LANGUAGES),
        min_length=1,
        max_length=40,
        description="The languages of its lines, in order: the 15 most spoken in the clinic's state.",
    )

    @field_validator("languages")
    @classmethod
    def once_each(cls, languages: list[str]) -> list[str]:
        """A language listed twice would print its line twice."""
        twice = sorted({language for language in languages if languages.count(language) > 1})
        if twice:
            raise ValueError(f"listed more than once: {', '.join(twice)}")
        return languages

    in_packets: bool = Field(False, description="Print it as the last page of every visit packet.")


class LanguageHelpText(Strict):
    """The notice's words: `content/language-help.yaml`, each line in its own language."""

    title: Text
    intro: Text
    lines: dict[Language, Text]


class Clinic(Strict):
    """The clinic's brand and contact details: `clinic.yaml`."""

    name: Text
    logo: Text | None = Field(None, description="SVG or PNG inside the project's assets/ folder.")
    logo_alt: Text | None = Field(None, description="What the logo shows, for screen readers.")
    colors: Colors = Field(default_factory=Colors)
    phone: Text
    after_hours_phone: Text
    address: Text
    fax: Text | None = Field(None, description="Printed in the contact block of every handout when given.")
    website: Text | None = None
    page_size: Literal["letter", "a4"] = "letter"
    languages: list[Language] = Field(
        default_factory=lambda: ["en"], min_length=1, description="Languages `build --all` makes."
    )
    print_sizes: list[PrintSize] = Field(
        default_factory=lambda: list(PRINT_SIZES),
        min_length=1,
        description="Print sizes `build` makes: standard (12 pt, 2 pages) and large (18 pt).",
    )
    reading: Reading = Field(default_factory=Reading)
    policies: Policies = Field(
        default_factory=Policies, description="The clinic's own rules, printed by the shared blocks."
    )
    procedures: ProcedureMap = Field(
        default_factory=ProcedureMap, description="`handouts visits`: procedure codes and names to handouts."
    )
    language_help: LanguageHelp = Field(
        default_factory=LanguageHelp, description="The free language help notice: its languages, and in packets or not."
    )
    schedule: ScheduleSettings = Field(
        default_factory=ScheduleSettings, description="`handouts visits`: the clinic's own CSV column names."
    )

    @field_validator("policies", mode="before")
    @classmethod
    def policies_left_empty(cls, value: object) -> object:
        """`policies:` with every line under it commented out sets none of them."""
        return {} if value is None else value

    @field_validator("logo")
    @classmethod
    def logo_inside_assets(cls, value: str | None) -> str | None:
        if value is not None:
            parts = Path(value).parts
            if Path(value).is_absolute() or ".." in parts or not parts or parts[0] != "assets":
                raise ValueError("must be a path inside the project's assets/ folder, like assets/logo.svg")
        return value


@dataclass(frozen=True)
class Project:
    """A clinic project directory; its files override the built-in library's by relative path."""

    root: Path

    @cached_property
    def library(self) -> Path:
        return library_root().resolve()

    @cached_property
    def roots(self) -> list[Path]:
        """Where files are looked up, most specific first."""
        return [self.root] if self.root == self.library else [self.root, self.library]

    @cached_property
    def clinic(self) -> Clinic:
        clinic = load_model(Clinic, self.root / CLINIC_FILE, CLINIC_FILE)
        if clinic.logo:
            self.logo_path(clinic)
        return clinic

    @cached_property
    def _loaded(self) -> dict[tuple, tuple[Stamp, Any]]:
        return {}

    def loaded(self, key: tuple, paths: list[Path], load: Callable[[], Loaded]) -> Loaded:
        """`load()`, kept for this process while `paths` are unchanged: a build reads each file once,
        and a long-running server still sees an edit. A file that fails to load is read again next time."""
        try:
            current = stamp(paths)
        except OSError:  # gone since it was found: loading says so
            return load()
        kept = self._loaded.get(key)
        if kept is not None and kept[0] == current:
            return kept[1]
        value = load()
        self._loaded[key] = (current, value)
        return value

    def logo_path(self, clinic: Clinic) -> Path:
        """The clinic's own logo: never the example clinic's, even when the file is missing."""
        if clinic.logo is None:
            raise ProjectError(f"{CLINIC_FILE}: logo: no logo is set")
        path = self.asset(clinic.logo, shown_in=CLINIC_FILE, roots=[self.root])
        limit = MAX_LOGO_BYTES.get(path.suffix.lower(), MAX_PICTURE_LOGO_BYTES)
        if path.stat().st_size > limit:
            raise ProjectError(f"{CLINIC_FILE}: {clinic.logo}: logo too large (over {limit // 1024} KB)")
        return path

    def shown(self, path: Path) -> str:
        """A file's name as messages print it: relative to the project, or marked built-in."""
        if path.is_relative_to(self.root):
            return str(path.relative_to(self.root))
        return f"(built-in) {path.relative_to(self.library)}"

    def content_file(self, language: str, slug: str) -> tuple[Path | None, str]:
        """A handout's content file (none when there is no such file) and its name as messages print it."""
        relative = f"content/{language}/{slug}.yaml"
        path = self.find(relative)
        return path, self.shown(path) if path else relative

    def page_size(self, asked: str | None = None) -> str:
        """The paper size asked for, else the clinic's: `letter` or `a4`."""
        return (asked or self.clinic.page_size).lower()

    def _is_file(self, path: Path) -> bool:
        """Whether a file is there; a folder this process may not look into is an error naming it."""
        try:
            return path.is_file()
        except OSError as error:
            raise ProjectError(f"{self.shown(path.parent)}: cannot look into this folder ({error.strerror})") from None

    def find(self, relative: str) -> Path | None:
        return next((self._inside(root, relative) for root in self.roots if self._is_file(root / relative)), None)

    def layers(self, relative: str) -> list[tuple[Path, str]]:
        """Every copy of a file, built-in first, each with its shown name."""
        paths = [self._inside(root, relative) for root in reversed(self.roots) if self._is_file(root / relative)]
        return [(path, self.shown(path)) for path in paths]

    def _inside(self, root: Path, relative: str) -> Path:
        """The file, refused if it is a link to somewhere outside its project (or the library):
        content and templates print what they hold, so a link must not bring in another file."""
        path = root / relative
        if not path.resolve().is_relative_to(root):
            raise ProjectError(f"{self.shown(path)}: a link to a file outside the project is not used")
        return path

    @cached_property
    def own_files(self) -> list[Path]:
        """What `-o` never writes over or into: the clinic's settings, sign-offs, content, templates,
        assets and default output folder, its own and the library's."""
        names = (CLINIC_FILE, APPROVALS_FILE, *SOURCE_FOLDERS, DEFAULT_OUTPUT_FOLDER)
        return [root / name for root in self.roots for name in names]

    @cached_property
    def output_folder(self) -> Path:
        """Where `build` puts the set unless told: the project's own output/, wherever the command
        runs; for the built-in example clinic (no project), output/ in the current folder."""
        return Path(DEFAULT_OUTPUT_FOLDER) if self.root == self.library else self.root / DEFAULT_OUTPUT_FOLDER

    @cached_property
    def asset_roots(self) -> list[Path]:
        return [root / "assets" for root in self.roots]

    def asset(self, relative: str, shown_in: str, roots: list[Path] | None = None) -> Path:
        """An asset file by its project-relative path; it must stay inside an assets/ folder."""
        for root in roots or self.roots:
            candidate = (root / relative).resolve()
            if self._is_file(candidate):
                if not any(candidate.is_relative_to(folder.resolve()) for folder in self.asset_roots):
                    raise ProjectError(f"{shown_in}: {relative}: points outside the project's assets/ folder")
                return candidate
        raise ProjectError(f"{shown_in}: {relative}: file not found")

    @property
    def font_coverage(self) -> Coverage:
        """Every character the bundled fonts draw (read once per process)."""
        return coverage(tuple(self.asset_roots))

    @cached_property
    def icon_names(self) -> frozenset[str]:
        """Pictograms a content file may name: every SVG in an assets/icons/ folder, project or built-in."""
        return frozenset(path.stem for folder in self.asset_roots for path in (folder / "icons").glob("*.svg"))

    def catalog(self) -> dict[str, list[str]]:
        """Every handout slug with the languages it exists in."""
        found: dict[str, set[str]] = {}
        for root in self.roots:
            for path in (root / "content").glob("*/*.yaml"):
                language, slug = path.parent.name, path.stem
                if LANGUAGE_PATTERN.match(language) and SLUG_PATTERN.match(slug):
                    found.setdefault(slug, set()).add(language)
        return {slug: sorted(languages) for slug, languages in sorted(found.items())}

    def language_of(
        self, slug: str, wanted: str, fallback: str | None = None, catalog: dict[str, list[str]] | None = None
    ) -> str:
        """The language a handout is printed in: the one wanted, else the fallback, else an error."""
        if not SLUG_PATTERN.match(slug):
            raise UnknownHandoutError(f"{slug!r} is not a handout name: use lowercase letters, digits and hyphens")
        if not LANGUAGE_PATTERN.match(wanted):
            raise UnknownHandoutError(f"{wanted!r} is not a language code like en or es")
        languages = (catalog or self.catalog()).get(slug)
        if not languages:
            raise UnknownHandoutError(f"{slug}: no such handout (see `handouts list`)")
        for language in (wanted, fallback):
            if language in languages:
                return language
        raise UnknownHandoutError(f"{slug}: no {wanted} version (there is: {', '.join(languages)})")

    def handout(self, language: str, slug: str) -> Handout:
        return self.read_handout(language, slug)[0]

    def read_handout(self, language: str, slug: str) -> tuple[Handout, str]:
        """The handout and the sha256 of the very bytes it was parsed from: what a build records
        as its source, so an edit made while it renders is never taken for the text it printed."""
        relative = f"content/{language}/{slug}.yaml"
        path = self.find(relative) if SLUG_PATTERN.match(slug) and LANGUAGE_PATTERN.match(language) else None
        if path is None:  # the catalog says what is wrong
            relative = f"content/{self.language_of(slug, language)}/{slug}.yaml"
            path = self.find(relative)
        if path is None:  # gone since the catalog was read
            raise UnknownHandoutError(f"{relative}: file not found")
        return self.loaded(("handout", path), [path], lambda: self._load_handout(path))

    def _load_handout(self, path: Path) -> tuple[Handout, str]:
        shown = self.shown(path)
        raw = read_bytes(path, shown, MAX_CONTENT_FILE_BYTES)
        data, node = parse_yaml(decoded(raw, shown), shown)
        handout = validate(Handout, data, node, shown, {"icons": self.icon_names})
        if PLACEHOLDER.search(handout.model_dump_json(exclude={"review"})):
            refuse_unknown_placeholders([(path, shown)])
        refuse_unprintable([(path, shown)], self.font_coverage)
        return handout, hashlib.sha256(raw).hexdigest()

    def labels(self, language: str) -> Labels:
        layers = self._required_layers(f"content/{language}/_labels.yaml")

        def load() -> Labels:
            labels = load_layered(Labels, layers, max_bytes=MAX_CONTENT_FILE_BYTES)
            refuse_unprintable(layers, self.font_coverage)
            return labels

        return self.loaded(("labels", language), [path for path, _ in layers], load)

    def blocks(self, language: str) -> Blocks:
        """The shared blocks as written, placeholders and all; an unknown placeholder is an error at its line."""
        layers = self._required_layers(f"content/{language}/_blocks.yaml")

        def load() -> Blocks:
            blocks = load_layered(Blocks, layers, {"icons": self.icon_names}, MAX_CONTENT_FILE_BYTES)
            refuse_unknown_placeholders(layers)
            refuse_unprintable(layers, self.font_coverage)
            return blocks

        return self.loaded(("blocks", language), [path for path, _ in layers], load)

    def require_language(self, language: str) -> None:
        """One error naming every file a language's folder lacks, rather than one per handout."""
        folder = f"content/{language}"
        needed = [name for name in LANGUAGE_FILES if name != "_glossary.yaml" or language != SOURCE_LANGUAGE]
        missing = [name for name in needed if self.find(f"{folder}/{name}") is None]
        if not any(language in languages for languages in self.catalog().values()):
            missing.append("at least one handout (<slug>.yaml)")
        if missing:
            holds = "; ".join(f"{name}: {LANGUAGE_FILES[name]}" for name in needed)
            raise ProjectError(
                f"{folder}/: language {language!r} is not ready: missing {', '.join(missing)} "
                f'(a language needs {holds}; see docs/content.md, "Adding a language")'
            )

    def language_help(self) -> tuple[LanguageHelpText, list[tuple[str, str]]]:
        """The notice's words, and (language, line) for each language the clinic chose, in
        its order; a chosen language without a line is an error naming the file."""
        relative = f"content/{LANGUAGE_HELP}.yaml"
        path = self.find(relative)
        if path is None:
            raise ProjectError(f"{relative}: file not found")
        shown = self.shown(path)

        def load() -> LanguageHelpText:
            text = load_model(LanguageHelpText, path, shown)
            refuse_unprintable([(path, shown)], self.font_coverage)
            return text

        text = self.loaded(("language-help",), [path], load)
        chosen = self.clinic.language_help.languages
        missing = [language for language in chosen if language not in text.lines]
        if missing:
            raise ProjectError(
                f"{shown}: lines: no line in {', '.join(missing)} (clinic.yaml language_help.languages lists it)"
            )
        return text, [(language, text.lines[language]) for language in chosen]

    def _required_layers(self, relative: str) -> list[tuple[Path, str]]:
        layers = self.layers(relative)
        if not layers:
            raise ProjectError(f"{relative}: file not found (every language needs one)")
        return layers


def open_project(directory: Path | None) -> Project:
    """The project in `directory`; by default the current directory if it holds a clinic.yaml,
    else the built-in example clinic."""
    if directory is None:
        directory = Path.cwd() if (Path.cwd() / CLINIC_FILE).is_file() else library_root()
    try:
        found = (directory / CLINIC_FILE).is_file()
    except OSError as error:  # a name too long for the file system
        raise ProjectError(f"{directory}: cannot open this folder ({error.strerror or error})") from None
    if not found:
        raise ProjectError(f"{directory}: no {CLINIC_FILE} here (make one with `handouts init {directory}`)")
    project = Project(directory.resolve())
    project.clinic  # noqa: B018 - validate clinic.yaml up front
    return project
