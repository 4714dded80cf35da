"""The VLM: one OpenAI-compatible client and the roles that use it.

    config = resolve("auto")                  # None: offline
    client = VlmClient(config) if config else None
    plan, call = design(client, image_rgb, scene)

Every role has an offline default, so a run without a VLM (or with a failing
one) still completes; ``RoleCall`` records which it was.  ``openai`` is
imported only when a ``VlmClient`` is built.
"""

from crafteditor.vlm.client import Answer, VlmClient
from crafteditor.vlm.config import VlmConfig, VlmConfigError, resolve
from crafteditor.vlm.roles import RoleCall, critique, design, recover_text
from crafteditor.vlm.schemas import Critique, DesignPlan, TextFix

__all__ = [
    "Answer", "Critique", "DesignPlan", "RoleCall", "TextFix", "VlmClient", "VlmConfig",
    "VlmConfigError", "critique", "design", "recover_text", "resolve",
]
