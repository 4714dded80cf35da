"""Good VLM answers kept on disk, one JSON file per question.

A question is keyed by the sha256 of the model, the role, the prompt, the
digests of its images and the answer schema (name and JSON Schema), so any
change to one of them asks again.  Only validated answers are stored; a file
that no longer parses or validates is a miss.  Writes are atomic; a cache that
cannot be written is skipped, never an error.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from crafteditor.model.errors import OutputError
from crafteditor.model.io import atomic_write

__all__ = ["AnswerCache", "question_key"]


def question_key(model: str, role: str, prompt: str, image_digests: list[str],
                 schema: type[BaseModel]) -> str:
    """The hex sha256 naming one question."""
    parts = {
        "model": model, "role": role, "prompt": prompt, "images": image_digests,
        "schema": schema.__name__, "json_schema": schema.model_json_schema(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class AnswerCache:
    folder: Path

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def load(self, key: str, schema: type[BaseModel]) -> BaseModel | None:
        """The stored answer for ``key`` as ``schema``, or None."""
        try:
            text = self.path(key).read_text(encoding="utf-8")
            return schema.model_validate_json(text)
        except (OSError, ValueError, ValidationError):
            return None

    def store(self, key: str, value: BaseModel) -> None:
        with suppress(OSError, OutputError):
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path(key), value.model_dump_json(indent=1))
