"""Where the VLM is and how to talk to it: explicit values first, then the environment.

Nothing is read at import time.  ``resolve("none")`` is the offline default;
``resolve("auto")`` uses a VLM only when the environment names one;
``resolve("openai")`` insists on one and says which variable is missing.

    CRAFTEDITOR_VLM_BASE_URL  (or OPENAI_BASE_URL)  the OpenAI-compatible endpoint
    CRAFTEDITOR_VLM_API_KEY   (or OPENAI_API_KEY)   its key; local servers need none
    CRAFTEDITOR_VLM_MODEL                           the model name (no default)
    CRAFTEDITOR_CACHE_DIR                           the answer cache (default ~/.cache/crafteditor/vlm)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from crafteditor.model.errors import CraftEditorError

__all__ = ["ENV_BASE_URL", "ENV_API_KEY", "ENV_MODEL", "ENV_CACHE_DIR", "VLM_CHOICES",
           "VlmConfig", "VlmConfigError", "resolve"]

ENV_BASE_URL = ("CRAFTEDITOR_VLM_BASE_URL", "OPENAI_BASE_URL")
ENV_API_KEY = ("CRAFTEDITOR_VLM_API_KEY", "OPENAI_API_KEY")
ENV_MODEL = ("CRAFTEDITOR_VLM_MODEL",)
ENV_CACHE_DIR = "CRAFTEDITOR_CACHE_DIR"
VLM_CHOICES = ("none", "auto", "openai")
NO_KEY = "no-key"  # the SDK wants some key; servers that need none ignore it


class VlmConfigError(CraftEditorError, ValueError):
    """A VLM was asked for but its endpoint or model is not given."""


@dataclass(frozen=True, slots=True)
class VlmConfig:
    """One OpenAI-compatible endpoint and model.  ``cache_dir`` None means no cache;
    ``max_image_px`` bounds the long side of every image sent; ``retry_wait_s``
    is the pause before re-sending after a transport error (doubled each time)."""

    base_url: str
    api_key: str
    model: str
    timeout_s: float = 30.0
    max_attempts: int = 3
    cache_dir: Path | None = None
    max_image_px: int = 1024
    retry_wait_s: float = 1.0

    def __post_init__(self) -> None:
        if not self.base_url or not self.model:
            raise VlmConfigError("a VLM config needs a base URL and a model")
        if self.timeout_s <= 0:
            raise VlmConfigError(f"timeout_s must be positive, got {self.timeout_s}")
        if self.max_attempts < 1:
            raise VlmConfigError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.max_image_px < 16:
            raise VlmConfigError(f"max_image_px must be at least 16, got {self.max_image_px}")
        if self.retry_wait_s < 0:
            raise VlmConfigError(f"retry_wait_s must not be negative, got {self.retry_wait_s}")
        if self.cache_dir is not None:
            object.__setattr__(self, "cache_dir", Path(self.cache_dir).expanduser())

    @classmethod
    def from_env(
        cls,
        base_url: str | None = None,
        api_key: str | None = None,
        model: str | None = None,
        *,
        timeout_s: float = 30.0,
        max_attempts: int = 3,
        cache_dir: str | os.PathLike | None = None,
        use_cache: bool = True,
        max_image_px: int = 1024,
        retry_wait_s: float = 1.0,
        env: Mapping[str, str] | None = None,
    ) -> VlmConfig:
        """A config from the arguments, falling back to ``env`` (default ``os.environ``).

        Raises :class:`VlmConfigError` naming the variable when the base URL or
        the model is missing.
        """
        env = os.environ if env is None else env
        found_url = base_url or _first(env, ENV_BASE_URL)
        found_model = model or _first(env, ENV_MODEL)
        if not found_url:
            raise VlmConfigError(f"no VLM endpoint: set {ENV_BASE_URL[0]} (or {ENV_BASE_URL[1]})")
        if not found_model:
            raise VlmConfigError(f"no VLM model: set {ENV_MODEL[0]}")
        return cls(
            base_url=found_url,
            api_key=api_key or _first(env, ENV_API_KEY) or NO_KEY,
            model=found_model,
            timeout_s=timeout_s,
            max_attempts=max_attempts,
            cache_dir=_cache_dir(cache_dir, env) if use_cache else None,
            max_image_px=max_image_px,
            retry_wait_s=retry_wait_s,
        )


def resolve(
    vlm: str,
    base_url: str | None = None,
    api_key: str | None = None,
    model: str | None = None,
    **options: object,
) -> VlmConfig | None:
    """The config ``vlm`` asks for: ``"none"`` gives None (offline); ``"auto"`` a
    config when an endpoint and a model are given, else None; ``"openai"`` a config
    or :class:`VlmConfigError`.  ``options`` go to :meth:`VlmConfig.from_env`."""
    if vlm not in VLM_CHOICES:
        raise VlmConfigError(f"unknown VLM choice {vlm!r} (choose one of {', '.join(VLM_CHOICES)})")
    if vlm == "none":
        return None
    if vlm == "auto":
        env = options.get("env") or os.environ
        if not (base_url or _first(env, ENV_BASE_URL)) or not (model or _first(env, ENV_MODEL)):
            return None
    return VlmConfig.from_env(base_url, api_key, model, **options)  # type: ignore[arg-type]


def _first(env: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return value
    return None


def _cache_dir(explicit: str | os.PathLike | None, env: Mapping[str, str]) -> Path:
    if explicit is not None:
        return Path(explicit).expanduser()
    from_env = env.get(ENV_CACHE_DIR, "").strip()
    if from_env:
        return Path(from_env).expanduser()
    return Path("~/.cache/crafteditor/vlm").expanduser()
