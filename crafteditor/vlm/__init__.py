"""The VLM: one OpenAI-compatible client and the roles that use it.

    config = resolve("auto")                  # None: offline   (crafteditor.vlm.config)
    client = VlmClient(config) if config else None
    plan, call = design(client, image_rgb, scene)

Every role has an offline default, so a run without a VLM (or with a failing
one) still completes; ``RoleCall`` records which it was.  ``openai`` is
imported only when a ``VlmClient`` is built, and this package imports none of
its modules itself (pydantic loads only when a role or schema is used):

    from crafteditor.vlm.config import resolve
    from crafteditor.vlm.client import VlmClient
    from crafteditor.vlm.roles import critique, design, recover_text
"""

