"""The transport: one question to an OpenAI-compatible chat endpoint, one typed answer.

``VlmClient.ask`` sends a prompt and images, asks for a JSON object and
validates it against a pydantic schema itself (so servers without structured
outputs work too).  What the model or the network gets wrong is data: a bad
answer is re-asked with the validation error, a failed request is retried,
and after ``max_attempts`` the ``Answer`` carries the error instead of a value.
Bugs in the caller (wrong argument types, bad images) raise.

``openai`` is imported only when a client is built, so ``import crafteditor``
stays light.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel

from crafteditor.vlm import images as imgs
from crafteditor.vlm.cache import AnswerCache, question_key
from crafteditor.vlm.config import VlmConfig
from crafteditor.vlm.templates import render

__all__ = ["Answer", "VlmClient"]

RETRY_STATUS = frozenset({408, 409, 429})  # and every 5xx: worth asking again
_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)
_MAX_ERROR_CHARS = 1500


@dataclass(frozen=True, slots=True)
class Answer:
    """What one question gave: the validated ``value`` or None with a one-line
    ``error``.  Token counts are summed over the attempts; a ``cached`` answer
    made no request (0 attempts, 0 tokens)."""

    value: BaseModel | None
    attempts: int
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached: bool = False
    error: str | None = None


class VlmClient:
    """Asks one model behind ``config.base_url``; holds an ``openai.OpenAI`` client."""

    def __init__(self, config: VlmConfig) -> None:
        import openai  # heavy: only when a VLM is actually used

        self.config = config
        self._openai = openai
        self._sdk = openai.OpenAI(
            base_url=config.base_url, api_key=config.api_key,
            timeout=config.timeout_s, max_retries=0,  # the loop below retries
        )
        self._cache = AnswerCache(config.cache_dir) if config.cache_dir is not None else None

    def close(self) -> None:
        self._sdk.close()

    def ask(self, role: str, prompt: str, images: list[np.ndarray], schema: type[BaseModel]) -> Answer:
        """Ask ``prompt`` about ``images`` (HWC uint8 RGB) as ``role``; the answer
        is validated as ``schema``.  Never raises for model or transport failures."""
        if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
            raise TypeError(f"schema must be a pydantic model class, got {schema!r}")
        digests = [imgs.digest(image) for image in images]
        key = question_key(self.config.model, role, prompt, digests, schema)
        hit = self._cache.load(key, schema) if self._cache else None
        if hit is not None:
            return Answer(hit, attempts=0, cached=True)
        answer = self._ask_live(role, self._first_messages(prompt, images, schema), schema)
        if answer.value is not None and self._cache:
            self._cache.store(key, answer.value)
        return answer

    def _first_messages(self, prompt: str, images: list[np.ndarray],
                        schema: type[BaseModel]) -> list[dict[str, Any]]:
        parts: list[dict[str, Any]] = [{"type": "text", "text": prompt}]
        parts += [
            {"type": "image_url", "image_url": {"url": imgs.data_url(image, self.config.max_image_px)}}
            for image in images
        ]
        system = render("answer_format", schema=json.dumps(schema.model_json_schema(), indent=1))
        return [{"role": "system", "content": system}, {"role": "user", "content": parts}]

    def _ask_live(self, role: str, messages: list[dict[str, Any]], schema: type[BaseModel]) -> Answer:
        tokens = [0, 0]
        error = "no attempt made"
        for attempt in range(1, self.config.max_attempts + 1):
            try:
                response = self._sdk.chat.completions.create(
                    model=self.config.model, messages=messages,  # type: ignore[arg-type]
                    response_format={"type": "json_object"},
                )
            except self._openai.APIError as exc:
                error = _transport_error(exc)
                if not self._retryable(exc) or attempt == self.config.max_attempts:
                    return _failed(role, attempt, tokens, error)
                time.sleep(self.config.retry_wait_s * 2 ** (attempt - 1))
                continue
            _add_usage(tokens, response)
            content = _content(response)
            try:
                return Answer(_parse(content, schema), attempt, tokens[0], tokens[1])
            except ValueError as exc:  # pydantic's ValidationError included
                error = _one_line(str(exc))
                messages = messages + [
                    {"role": "assistant", "content": content},
                    {"role": "user", "content": render("retry", error=_clip(str(exc)))},
                ]
        return _failed(role, self.config.max_attempts, tokens, error)

    def _retryable(self, exc: Exception) -> bool:
        if isinstance(exc, self._openai.APIStatusError):
            return exc.status_code in RETRY_STATUS or exc.status_code >= 500
        return isinstance(exc, self._openai.APIConnectionError)  # timeouts included


def _parse(content: str, schema: type[BaseModel]) -> BaseModel:
    """``content`` (maybe in a Markdown fence) validated as ``schema``.  Raises
    ``ValidationError`` for bad JSON or a schema violation, ``ValueError`` if empty."""
    if not content.strip():
        raise ValueError("the answer was empty; one JSON object was expected")
    fenced = _FENCE.match(content)
    return schema.model_validate_json(fenced.group(1) if fenced else content.strip())


def _content(response: Any) -> str:
    choices = getattr(response, "choices", None) or []
    message = choices[0].message if choices else None
    return (getattr(message, "content", None) or "") if message is not None else ""


def _add_usage(tokens: list[int], response: Any) -> None:
    usage = getattr(response, "usage", None)
    if usage is not None:
        tokens[0] += int(getattr(usage, "prompt_tokens", 0) or 0)
        tokens[1] += int(getattr(usage, "completion_tokens", 0) or 0)


def _transport_error(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    head = f"HTTP {status}" if status is not None else type(exc).__name__
    return f"{head}: {_one_line(getattr(exc, 'message', None) or str(exc))}"


def _failed(role: str, attempts: int, tokens: list[int], error: str) -> Answer:
    noun = "attempt" if attempts == 1 else "attempts"
    return Answer(None, attempts, tokens[0], tokens[1], error=f"{role}: {attempts} {noun} failed; last: {error}")


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_ERROR_CHARS else text[:_MAX_ERROR_CHARS] + "\n…"
