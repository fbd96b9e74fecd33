"""A test-only clinic project in Arabic: its labels, blocks and glossary, and one short procedure
handout, written for these tests (not a reviewed translation: it is never shipped)."""

from pathlib import Path

import yaml

from conftest import REPO, make_clinic_project

LABELS = {
    "language_name": "العربية",
    "summary": "أهم ما يجب أن تعرفه",
    "what_it_is": "ما هي؟",
    "why_it_is_done": "لماذا تُجرى؟",
    "how_it_is_done": "كيف تُجرى؟",
    "before": "قبل زيارتك",
    "after": "بعد الحقنة",
    "risks": "المخاطر",
    "risks_common": "شائعة وخفيفة",
    "risks_rare": "نادرة لكنها خطيرة",
    "call_us": "متى تتصل بنا",
    "call_911": "اتصل بالرقم 911 أو اذهب إلى الطوارئ فورًا إذا حدث",
    "questions": "أسئلة تطرحها علينا",
    "sources": "المصادر",
    "phone": "الهاتف",
    "after_hours": "بعد ساعات العمل",
    "page": "صفحة",
    "of": "من",
    "version": "الإصدار",
    "draft_notice": "مسودة: لم توافق عليها {clinic} بعد",
    "approved_notice": "راجعها {reviewer} في {date}",
    "appointment": "موعدك",
    "patient": "الاسم",
    "visit_date": "التاريخ",
    "arrive": "احضر في",
    "physician": "الطبيب",
    "location": "المكان",
    "note": "تعليمات خاصة",
    "procedure_time": "الحقنة",
    "logo_alt": "شعار {clinic}",
}

BLOCKS = """\
every_procedure:
  before:
    - أخبرنا إذا كانت عندك حمى أو عدوى.
    - text: أخبرنا إذا كان هناك احتمال حمل.
      icon: pregnancy
    - احضر قبل موعدك بمدة {arrive_minutes_before}.
  call_us:
    - عندك حمى أو قشعريرة.
  call_911:
    - صعوبة في التنفس أو ألم في الصدر.
"""
EMPTY_BLOCKS = [
    "sedation",
    "sedation_always",
    "sedation_medicines",
    "steroid",
    "bleeding_low",
    "bleeding_intermediate",
    "bleeding_high",
    "bleeding_trial",
    "bleeding_varies_by_site",
    "contrast",
    "implanted_device",
    "device_trial",
    "numb_limb",
    "pain_diary",
    "near_spine",
    "driver",
]

GLOSSARY = """\
local_anesthetic:
  en: local anesthetic
  use: دواء مخدر
"""

HANDOUT = """\
title: حقنة العقدة في العضلة
diagram:
  file: muscle-knot.svg
  caption: حقنة في عقدة العضلة
  alt: عضلة فيها عقدة مشدودة وإبرة رفيعة تدخل في العقدة.
  labels: [العضلة, العقدة, الإبرة]
summary: >-
  هذه الحقنة تضع دواء مخدرا في عقدة مشدودة ومؤلمة في العضلة.
  إذا كان عندك سؤال اتصل بنا على {phone} من الساعة 8:30 صباحا.
what_it_is: >-
  العقدة جزء من العضلة لا يرتاح. الضغط عليها يؤلم.
how_it_is_done:
  - تجلس أو تستلقي على سرير الفحص.
  - ينظف الممرض جلدك.
  - يضع الطبيب إبرة رفيعة في العقدة ويحقن الدواء.
before:
  - البس ملابس واسعة.
after:
  - text: ضع الثلج على المكان 15 دقيقة في كل مرة.
    icon: ice
  - يمكنك أن تستحم في نفس اليوم.
call_us:
  - ألم أو تورم يزداد بعد يومين.
review:
  version: 1
  status: draft
  next_review: 2027-11-01
  sources:
    - title: Cleveland Clinic, Trigger Point Injection
      url: https://my.clevelandclinic.org/health/treatments/17582-trigger-point-injection
"""


def make_arabic_project(folder: Path) -> Path:
    """The example clinic, English and Arabic, standard print, with the Arabic files above."""
    make_clinic_project(folder, languages="[en, ar]")
    arabic = folder / "content/ar"
    arabic.mkdir(parents=True)
    labels = yaml.safe_load((REPO / "content/en/_labels.yaml").read_text(encoding="utf-8")) | LABELS
    (arabic / "_labels.yaml").write_text(yaml.safe_dump(labels, allow_unicode=True), encoding="utf-8")
    blocks = BLOCKS + "".join(f"{name}: {{}}\n" for name in EMPTY_BLOCKS)
    (arabic / "_blocks.yaml").write_text(blocks, encoding="utf-8")
    (arabic / "_glossary.yaml").write_text(GLOSSARY, encoding="utf-8")
    (arabic / "trigger-point-injection.yaml").write_text(HANDOUT, encoding="utf-8")
    return folder
