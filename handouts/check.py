"""`handouts check`: reading level, plain words, structure, review status and print, per handout."""

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, cast, get_args

from coloraide import Color
from pydantic import AfterValidator, RootModel

from handouts.approvals import APPROVALS_FILE, ApprovalState
from handouts.content import MAX_CONTENT_FILE_BYTES, Handout, Labels, Text, TranslationOf
from handouts.errors import ContentError, HandoutsError
from handouts.glossary import Glossary, avoided_in, in_bold
from handouts.maker import Layout, Maker
from handouts.manifest import Fingerprints, Manifest
from handouts.markup import defined_terms, paragraphs, plain_pieces, plain_text
from handouts.project import SOURCE_LANGUAGE
from handouts.readability import formula_of, measure, page_text, sentences, word_limit
from handouts.render import Page
from handouts.sections import MIN_SCORED_WORDS, long_words, section_score, sections, words_of
from handouts.targets import RenderRequest, Target
from handouts.yamlfile import dotted, line_of, load_layered, load_yaml

Severity = Literal["error", "warning", "note"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)  # most serious first
LONG_WORDS_PILE_UP = 5  # fewer unexplained long words than this in a section is never a warning
MIN_CONTRAST = 4.5
# Patterns per language; a language without one is not checked for that item.
PASSIVE = {
    "en": re.compile(
        r"\b(?:am|is|are|was|were|be|been|being)\s+(?:\w+ed|given|done|made|taken|seen|"
        r"put|shown|known|left|kept|held|sent|told)\b",
        re.IGNORECASE,
    )
}
SPEAKS_TO_READER = {
    "en": re.compile(r"\byou(?:r|rs|rself)?\b", re.IGNORECASE),
    "es": re.compile(r"\b(?:usted|ustedes|su|sus)\b", re.IGNORECASE),
}
NOT_CHECKED_FOR_WORDING = {"review", "flags", "kind", "also_known_as"}
Locator = Callable[[tuple[str | int, ...]], str]  # a field's location -> `file:line`
NOT_WORDS = {"icon", "file", "section"}  # names of pictures and places, inside items and the diagram
Pairs = list[tuple[str, str]]  # (language, slug) of each handout to check
# Wraps the pairs while their reports are finished, e.g. in a progress bar, which is closed (its line
# ended) however the checks end: an error line printed next must start a line of its own.
Tracker = Callable[[Pairs], AbstractContextManager[Iterable[tuple[str, str]]]]


class Jargon(RootModel[dict[str, Text]]):
    """Hard word -> plain word: `content/<lang>/_jargon.yaml`."""


def _compiled(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        raise ValueError(f"not a regular expression ({error})") from None


class SaidOnce(RootModel[dict[str, list[Annotated[Text, AfterValidator(_compiled)]]]]):
    """Clinic rule -> patterns of a handout restating it: `content/<lang>/_said_once.yaml`."""


@dataclass(frozen=True)
class Finding:
    severity: Severity
    where: str
    message: str


@dataclass
class Report:
    slug: str
    language: str
    file: str
    formula: str | None = None
    score: float | None = None
    smog: float | None = None
    pages: int | None = None
    findings: list[Finding] = field(default_factory=list)

    def add(self, severity: Severity, where: str, message: str) -> None:
        self.findings.append(Finding(severity, where, message))

    def count(self, severity: Severity) -> int:
        return sum(finding.severity == severity for finding in self.findings)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Draft:
    """A handout's report, with what its checks need: the page as rendered (none when the handout
    did not load), its file, and its page count when an unchanged build gives it."""

    report: Report
    page: Page | None = None
    path: Path | None = None
    pages: int | None = None
    laid_out: Callable[[], Layout | str] | None = None  # its layout (or problem), once laid out
    large_print: Callable[[], Layout | str] | None = None  # its large print's, when the clinic prints it
    printed_text: str = ""  # every character the page prints, once its text is checked


class Checker:
    """Checks handouts of one project; renders only to count pages, with one WeasyPrint set-up."""

    def __init__(
        self,
        maker: Maker,
        require_approved: bool = False,
        today: date | None = None,
        manifest_dir: Path | None = None,
        count_pages: bool = True,
    ):
        self.maker = maker
        self.project = maker.project
        self.require_approved = require_approved
        self.today = today or date.today()
        self.manifest = Manifest(manifest_dir) if manifest_dir else None
        self.fingerprints = Fingerprints(self.project)
        self.count_pages = count_pages
        # read once per language for the whole run
        self._glossaries: dict[str, Glossary | None] = {}
        self._jargons: dict[str, dict[str, str]] = {}
        self._said_once_rules: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
        self._jargon_searches: dict[str, tuple[list[tuple[str, str, re.Pattern[str]]], re.Pattern[str]]] = {}

    def clinic_findings(self) -> list[Finding]:
        """Brand colours that print too faintly, and policies the clinic has not set; reported once, not per handout."""
        policies = self.project.clinic.policies
        findings = [
            Finding(
                "note",
                f"clinic.yaml:{self._clinic_line(['policies'])}",
                f"policies.{name}: left at the default ({getattr(policies, name)}): set your clinic's own rule",
            )
            for name in policies.left_at_default()
        ]
        colors = self.project.clinic.colors
        pairs = [
            ("colors.primary", colors.primary, "#ffffff", "against white paper"),
            ("colors.accent", "#1a1a1a", colors.accent, "behind body text"),
        ]
        for key, foreground, background, what in pairs:
            ratio = Color(foreground).contrast(background)
            if ratio < MIN_CONTRAST:
                line = self._clinic_line(key.split("."))
                findings.append(
                    Finding(
                        "error",
                        f"clinic.yaml:{line}",
                        f"{key}: contrast {ratio:.1f}:1 {what}, below {MIN_CONTRAST}:1 (WCAG AA)",
                    )
                )
        return findings

    def check(self, language: str, slug: str) -> Report:
        return self.check_all([(language, slug)])[0]

    def check_all(
        self,
        pairs: Pairs,
        jobs: int = 1,
        track: Tracker = nullcontext,
    ) -> list[Report]:
        """One report per (language, slug). Each handout without a page count from an unchanged build
        starts laying out on `jobs` processes as soon as its HTML is made, and the texts are checked
        here meanwhile (on one process, each is laid out after every text is checked). `track` wraps
        the pairs as their reports are finished, e.g. in a progress bar."""
        drafts = []
        with self.maker.page_counter(jobs if len(pairs) > 1 else 1) as lay_out:
            for language, slug in pairs:
                draft = self._draft(language, slug)
                if draft.page is not None and draft.pages is None and self.count_pages:
                    draft.laid_out = lay_out(draft.page.html)
                if draft.page is not None and self.count_pages and "large" in self.project.clinic.print_sizes:
                    draft.large_print = self._large_print_layout(language, slug, lay_out)
                drafts.append(draft)
            for draft in drafts:
                if draft.page is not None and draft.path is not None:
                    draft.printed_text = self._check_text(draft.report, draft.page, draft.path)
            with track(pairs) as tracked:
                for _, draft in zip(tracked, drafts, strict=True):
                    self._finish(draft)
        return [draft.report for draft in drafts]

    def _finish(self, draft: Draft) -> None:
        """The findings about print, once the draft's page count is known."""
        if draft.page is None:
            return
        layout = draft.laid_out() if draft.laid_out else draft.pages
        if isinstance(layout, str):
            for line in layout.splitlines():
                draft.report.add("error", draft.report.file, line)
            return
        if isinstance(layout, Layout):
            self._headings_printed(draft.report, draft.page, layout.text)
        self._print(draft.report, layout.pages if isinstance(layout, Layout) else layout, draft.printed_text)
        if draft.large_print is not None:
            self._large_print_end(draft.report, draft.large_print())

    def _draft(self, language: str, slug: str) -> Draft:
        """The handout rendered to HTML (or the errors that stopped it), and its page count from an
        unchanged build."""
        path, shown = self.project.content_file(language, slug)
        report = Report(slug, language, shown)
        try:
            request = RenderRequest(slug, language, self.project.page_size())
            page = self.maker.renderer.page(request)
        except ContentError as error:
            for problem in error.problems:
                report.add("error", problem.where or shown, problem.message)
            return Draft(report)
        except HandoutsError as error:
            for line in str(error).splitlines():
                report.add("error", shown, line)
            return Draft(report)
        assert path is not None, "a handout that loaded has a file"
        built = pages_built(self.manifest, self.fingerprints, request) if self.count_pages and self.manifest else None
        return Draft(report, page, path, built)

    def _check_text(self, report: Report, page: Page, path: Path) -> str:
        """Every finding but those about print, which need the page count; returns every character
        the page prints, for those."""
        handout, html, language = page.handout, page.html, report.language
        _, node = load_yaml(path, report.file)

        def locate(location: tuple[str | int, ...]) -> str:
            return f"{report.file}:{line_of(node, location)}"

        fields = text_fields(handout)
        text = page_text(html)
        blocks = text.blocks
        self._readability(report, blocks, language)
        self._wording(report, fields, language, locate)
        self._sections(report, handout, fields, language, locate)
        self._vocabulary(report, fields, language, locate)
        self._said_once(report, handout, fields, language, locate)
        self._structure(report, handout, html, blocks)
        self._pictures(report, handout, locate)
        self._governance(report, handout, page.approval, locate)
        return text.visible

    def _readability(self, report: Report, blocks: list[str], language: str) -> None:
        reading = measure(blocks, language)
        formula, score = reading.formula, reading.score
        report.formula, report.score = formula.name, round(score, 1)
        report.smog = None if reading.smog is None else round(reading.smog, 1)
        limit, target, _ = formula.bounds(self.project.clinic.reading)
        if formula.fails(score, limit):
            report.add("error", report.file, formula.describe(score, limit))
        elif formula.fails(score, target):
            report.add("warning", report.file, formula.describe(score, target, "the target "))
        longest = word_limit(language)
        if reading.word_length is not None and longest is not None and reading.word_length > longest:
            report.add(
                "warning",
                report.file,
                f"average word length {reading.word_length:.1f} letters is above {longest:g}: use shorter words",
            )

    def _wording(self, report: Report, fields: list["TextField"], language: str, locate: Locator) -> None:
        thresholds = self.project.clinic.reading
        jargon, any_jargon = self._jargon_patterns(language)
        explained = set().union(*(text_field.bold for text_field in fields))
        passive = []
        for text_field in fields:
            text, plain = text_field.text, text_field.plain
            where, field_name = locate(text_field.location), dotted(text_field.location)
            for sentence in sentences(text_field.pieces):
                words = len(sentence.split())
                if words > thresholds.max_sentence_words:
                    report.add(
                        "warning",
                        where,
                        f'{field_name}: sentence of {words} words: "{" ".join(sentence.split()[:8])} ..."',
                    )
            for paragraph in paragraphs(text):
                count = len(sentences([paragraph]))
                if count > thresholds.max_paragraph_sentences:
                    report.add("warning", where, f"{field_name}: paragraph of {count} sentences")
            hard_words = jargon if any_jargon.search(plain) else []
            for word, plainer, pattern in hard_words:
                if pattern.search(plain) and not any(pattern.search(term) for term in explained):
                    report.add("warning", where, f'{field_name}: "{word}": try "{plainer}", or explain it in bold')
            if language in PASSIVE:
                passive += PASSIVE[language].findall(plain)
        if len(passive) > thresholds.max_passive:
            report.add(
                "warning", report.file, f'{len(passive)} passive phrase(s), e.g. "{passive[0]}": say who does it'
            )

    def _sections(
        self, report: Report, handout: Handout, fields: list["TextField"], language: str, locate: Locator
    ) -> None:
        """Each section on its own: the summary above the target, another section far past it, or
        unexplained long words piling up."""
        formula = formula_of(language)
        if not formula.validated:
            return
        thresholds = self.project.clinic.reading
        _, target, margin = formula.bounds(thresholds)
        far = formula.beyond(target, margin)
        bolded = [term for text_field in fields for term in text_field.bold]
        explained = words_of(bolded) | words_of(list(self._jargon(language).values()))
        per_100 = thresholds.max_long_words_per_100
        for section in sections(handout):
            where, name = locate(section.location), dotted(section.location)
            score = section_score(section, language)
            if name == "summary" and formula.fails(score, target):
                report.add("warning", where, f"{name}: {formula.describe(score, target, 'the target ')}")
            elif name != "summary" and len(section.words) >= MIN_SCORED_WORDS and formula.fails(score, far):
                report.add("warning", where, f"{name}: {formula.describe(score, far)}, far past the target {target:g}")
            hard = long_words(section, language, explained)
            density = 100 * len(hard) / len(section.words)
            if len(hard) >= LONG_WORDS_PILE_UP and density > per_100:
                examples = ", ".join(f'"{word}"' for word in list(dict.fromkeys(hard))[:3])
                report.add(
                    "warning",
                    where,
                    f"{name}: {len(hard)} long words in {len(section.words)} ({density:.0f} per 100, over "
                    f"{per_100:g}), e.g. {examples}: use shorter words, or explain them in bold",
                )

    def _vocabulary(self, report: Report, fields: list["TextField"], language: str, locate: Locator) -> None:
        """The glossary's wording: no avoided variant, and each term the English original explains in
        bold is explained in bold here too."""
        glossary = self._glossary(language)
        if glossary is None:
            return
        for text_field in fields:
            for variant, key, concept in avoided_in(text_field.plain, glossary):
                report.add(
                    "warning",
                    locate(text_field.location),
                    f'{dotted(text_field.location)}: "{variant}": say "{concept.use}" (glossary: {key})',
                )
        if language == SOURCE_LANGUAGE:
            return
        try:
            original = self.project.handout(SOURCE_LANGUAGE, report.slug)
        except HandoutsError:
            return
        bold_here = {term for text_field in fields for term in text_field.bold}
        bold_there = [(text_field.location, text_field.bold) for text_field in text_fields(original)]
        for key, concept in glossary.root.items():
            where_bold = next((location for location, terms in bold_there if in_bold(concept.en, terms)), None)
            if where_bold is not None and not in_bold(concept.bold_term, bold_here):
                report.add(
                    "warning",
                    locate(where_bold),
                    f'{dotted(where_bold)}: the {SOURCE_LANGUAGE} handout explains "{concept.en}" in bold: '
                    f'set "{concept.bold_term}" in bold where you explain it (glossary: {key})',
                )

    def _said_once(
        self, report: Report, handout: Handout, fields: list["TextField"], language: str, locate: Locator
    ) -> None:
        """A clinic rule (driver, fasting, arrival, blood thinners ...) in the handout's own words:
        it must come from a shared block, so the clinic's policy is the only one that prints. A topic
        that exists to explain a rule (`explains_rules`) may word that one rule itself."""
        patterns = self._said_once_patterns(language)
        known = {rule for rule, _ in patterns}
        for rule in handout.explains_rules:
            if rule not in known:
                report.add(
                    "error",
                    locate(("explains_rules",)),
                    f"explains_rules: no clinic rule {rule!r} (known: {', '.join(sorted(known))})",
                )
        patterns = [(rule, pattern) for rule, pattern in patterns if rule not in handout.explains_rules]
        for text_field in fields:
            for piece in text_field.pieces:
                if piece.rstrip().endswith("?"):
                    continue  # a question to ask the team restates nothing
                for rule, pattern in patterns:
                    found = pattern.search(piece)
                    if found:
                        report.add(
                            "warning",
                            locate(text_field.location),
                            f'{dotted(text_field.location)}: "{found.group(0).strip()}" restates the clinic\'s '
                            f"{rule} rule: remove it and switch on the shared block with a flag (see docs/content.md)",
                        )
                        break

    def _said_once_patterns(self, language: str) -> list[tuple[str, re.Pattern[str]]]:
        if language not in self._said_once_rules:
            layers = self.project.layers(f"content/{language}/_said_once.yaml")
            rules = load_layered(SaidOnce, layers, max_bytes=MAX_CONTENT_FILE_BYTES).root if layers else {}
            self._said_once_rules[language] = [
                (rule, cast(re.Pattern[str], pattern)) for rule, patterns in rules.items() for pattern in patterns
            ]
        return self._said_once_rules[language]

    def shared_text_findings(self, language: str) -> list[Finding]:
        """Avoided variants in the shared blocks every handout of the language prints; reported once."""
        glossary = self._glossary(language)
        findings: list[Finding] = []
        if glossary is None:
            return findings
        for path, shown in self.project.layers(f"content/{language}/_blocks.yaml"):
            data, node = load_yaml(path, shown)
            for location, text in strings_in(data):
                if location and location[-1] in NOT_WORDS:
                    continue
                for variant, key, concept in avoided_in(plain_text(text), glossary):
                    findings.append(
                        Finding(
                            "warning",
                            f"{shown}:{line_of(node, location)}",
                            f'{dotted(location)}: "{variant}": say "{concept.use}" (glossary: {key})',
                        )
                    )
        return findings

    def _glossary(self, language: str) -> Glossary | None:
        if language not in self._glossaries:
            layers = self.project.layers(f"content/{language}/_glossary.yaml")
            self._glossaries[language] = (
                load_layered(Glossary, layers, max_bytes=MAX_CONTENT_FILE_BYTES) if layers else None
            )
        return self._glossaries[language]

    def _structure(self, report: Report, handout: Handout, html: str, blocks: list[str]) -> None:
        shown = report.file
        labels = self.project.labels(report.language)
        after_title = [block for block in blocks if block != handout.title]
        if not after_title or after_title[0] != labels.summary:
            report.add("error", shown, "summary: must be printed first")
        if handout.kind == "procedure":
            if 'class="checklist"' not in html:
                report.add("error", shown, "before: a procedure needs a checklist")
            if 'class="steps"' not in html:
                report.add("error", shown, "how_it_is_done: steps must be numbered")
        if labels.call_us not in blocks:
            report.add("error", shown, "call_us: the 'when to call us' box is missing")
        if labels.call_911 not in blocks:
            report.add("error", shown, "call_911: say when to call 911 or go to the emergency room")
        you = SPEAKS_TO_READER.get(report.language)
        if you and not you.search(" ".join(blocks)):
            report.add("warning", shown, 'speak to the reader as "you"')

    def _pictures(self, report: Report, handout: Handout, locate: Locator) -> None:
        """Every procedure handout shows a described diagram (an empty alt fails when the file loads)."""
        if handout.kind == "procedure" and handout.diagram is None:
            report.add(
                "error",
                locate(("title",)),
                "diagram: a procedure handout needs a diagram with alt text (see docs/content.md)",
            )

    def _governance(self, report: Report, handout: Handout, approval: ApprovalState, locate: Locator) -> None:
        review = handout.review
        severity: Severity = "error" if self.require_approved else "note"
        if approval.changed and approval.record is not None:
            record = approval.record
            report.add(
                "error" if self.require_approved else "warning",
                report.file,
                f"changed since {record.approved_by} approved version {record.version} on {record.approved_on}: "
                f"it prints as a draft until approved again (handouts approve {report.slug} --lang {report.language})",
            )
        elif approval.current and approval.record is not None:
            if approval.record.next_review < self.today:
                report.add(
                    "error",
                    APPROVALS_FILE,
                    f"{report.slug} ({report.language}): review was due on {approval.record.next_review}",
                )
        elif review.status == "draft":
            report.add(severity, locate(("review", "status")), "review.status: draft, not yet approved")
        if review.next_review and review.next_review < self.today:
            report.add(
                "error", locate(("review", "next_review")), f"review.next_review: {review.next_review} has passed"
            )
        if len(review.sources) < 2:
            report.add("warning", locate(("review", "sources")), "review.sources: list at least 2 sources")
        if review.translation_of:
            self._translation(report, review.translation_of, locate(("review", "translation_of")))

    def _translation(self, report: Report, source: TranslationOf, where: str) -> None:
        """A translation is out of date once the file it was made from has a newer version."""
        try:
            original = self.project.handout(source.language, report.slug).review.version
        except HandoutsError:
            report.add("error", where, f"review.translation_of: there is no {source.language} {report.slug}")
            return
        if original != source.version:
            report.add(
                "error",
                where,
                f"review.translation_of: translated from {source.language} version "
                f"{source.version}, which is now version {original}: update the translation",
            )

    def _headings_printed(self, report: Report, page: Page, printed: str) -> None:
        """Every section heading the handout should print is in the text its pages draw: a template or
        stylesheet (a clinic's override, or text that got into its CSS) must not hide, say, the risks."""
        labels = self.project.labels(report.language)
        handout = self.maker.renderer.printed(page.handout, report.language, report.slug, labels).handout
        drawn = printed.casefold()  # a stylesheet may set headings in capitals
        for key, heading in expected_headings(handout, labels):
            if " ".join(heading.split()).casefold() not in drawn:
                report.add("error", report.file, f"{key}: the heading {heading!r} is not in the printed pages")

    def _print(self, report: Report, pages: int | None, printed_text: str) -> None:
        shown = report.file
        report.pages = pages
        if pages is not None and pages > 2:
            report.add(
                "error",
                shown,
                f"{pages} pages at {self.project.page_size()}: "
                "standard print must fit one double-sided sheet (2 pages)",
            )
        missing = sorted(
            {char for char in set(printed_text) if not char.isspace() and ord(char) not in self.project.font_coverage}
        )
        if missing:
            listed = ", ".join(f"{char!r} (U+{ord(char):04X})" for char in missing)
            report.add("error", shown, f"characters not in the bundled fonts: {listed}")

    def _large_print_layout(
        self, language: str, slug: str, lay_out: Callable[[str], Callable[[], Layout | str]]
    ) -> Callable[[], Layout | str] | None:
        """How to get the large print's layout, started on the page counter (within the render
        budget, as every layout); None when its HTML cannot be made (the standard print reports why)."""
        request = RenderRequest(slug, language, self.project.page_size(), large_print=True)
        try:
            return lay_out(self.maker.renderer.page(request).html)
        except HandoutsError:
            return None

    def _large_print_end(self, report: Report, layout: Layout | str) -> None:
        """Its last page must hold more than the sources; a problem laying it out (past the render
        budget, say) is an error."""
        if isinstance(layout, str):
            for line in layout.splitlines():
                report.add("error", report.file, f"large print: {line}")
        elif layout.sources_only_at_end:
            report.add(
                "error",
                report.file,
                "large print ends on a page holding only the sources: keep them with the text before "
                "(templates/large-print.css)",
            )

    def _jargon(self, language: str) -> dict[str, str]:
        if language not in self._jargons:
            layers = self.project.layers(f"content/{language}/_jargon.yaml")
            self._jargons[language] = (
                load_layered(Jargon, layers, max_bytes=MAX_CONTENT_FILE_BYTES).root if layers else {}
            )
        return self._jargons[language]

    def _jargon_patterns(self, language: str) -> tuple[list[tuple[str, str, re.Pattern[str]]], re.Pattern[str]]:
        """(hard word, plain word, the hard word as a whole word) for each entry of the jargon list,
        and one pattern of them all: a text it finds nothing in uses none."""
        if language not in self._jargon_searches:
            entries = [
                (word, plainer, re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE))
                for word, plainer in self._jargon(language).items()
            ]
            any_entry = re.compile("|".join(pattern.pattern for _, _, pattern in entries), re.IGNORECASE)
            self._jargon_searches[language] = (entries, any_entry)
        return self._jargon_searches[language]

    def _clinic_line(self, keys: list[str]) -> int | None:
        path = self.project.root / "clinic.yaml"
        _, node = load_yaml(path, "clinic.yaml")
        return line_of(node, tuple(keys))


def pages_built(manifest: Manifest, fingerprints: Fingerprints, request: RenderRequest) -> int | None:
    """The page count of the request's PDF in the manifest's output folder, when its inputs have not
    changed since it was built."""
    target = Target(request, request.content_language, manifest.out_dir)
    if not manifest.is_current(target.path, fingerprints.of(target)):
        return None
    return manifest.entries[target.name].pages


@dataclass(frozen=True)
class TextField:
    """One patient-facing text of a handout, at its location (like ("after", 2)); what the checks
    read of it is worked out once."""

    location: tuple[str | int, ...]
    text: str

    @cached_property
    def pieces(self) -> list[str]:
        """The plain text of each paragraph and list item."""
        return plain_pieces(self.text)

    @cached_property
    def plain(self) -> str:
        """The words as a reader sees them, without markup (`plain_text`)."""
        return " ".join(self.pieces)

    @cached_property
    def bold(self) -> set[str]:
        """The terms it explains in bold."""
        return defined_terms(self.text)


def text_fields(handout: Handout) -> list[TextField]:
    """Every patient-facing text of the handout with its location."""

    def walk(value: Any, location: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
        if isinstance(value, str):
            yield location, value
        elif isinstance(value, dict):
            for key, item in value.items():
                if key not in NOT_WORDS:
                    yield from walk(item, (*location, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from walk(item, (*location, index))

    data = handout.model_dump(exclude=NOT_CHECKED_FOR_WORDING)
    return [TextField(location, text) for location, text in walk(data, ())]


def expected_headings(handout: Handout, labels: Labels) -> list[tuple[str, str]]:
    """(section, heading) of each section the handout prints, as printed (shared blocks added), in order."""
    own = handout.headings
    present = {
        "summary": True,
        "what_it_is": bool(handout.what_it_is),
        "why_it_is_done": bool(handout.why_it_is_done),
        "how_it_is_done": bool(handout.how_it_is_done),
        "before": bool(handout.before),
        "after": bool(handout.after),
        "risks": bool(handout.risks.common or handout.risks.rare),
        "call_us": True,
        "call_911": bool(handout.call_911),
        "questions": bool(handout.questions),
    }
    return [(key, getattr(own, key, None) or getattr(labels, key)) for key, shown in present.items() if shown] + [
        (f"extras[{index + 1}]", extra.heading) for index, extra in enumerate(handout.extras)
    ]


def strings_in(value: Any, location: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every text in parsed YAML data, with its location."""
    if isinstance(value, str):
        yield location, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(item, (*location, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings_in(item, (*location, index))
