"""JSON Schema export of the file formats, for editors that autocomplete YAML."""

from typing import Any

from pydantic import BaseModel

from handouts.content import Blocks, Handout, Labels
from handouts.project import Clinic

MODELS: dict[str, type[BaseModel]] = {"handout": Handout, "clinic": Clinic, "labels": Labels, "blocks": Blocks}


def json_schema(kind: str) -> dict[str, Any]:
    schema = MODELS[kind].model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
