"""A scripted OpenAI-compatible chat and images server on 127.0.0.1 for the VLM tests.

Each ``POST /v1/chat/completions`` takes the next step of the script: a
``chat.completion`` with the step's content and token usage, an HTTP error,
or either after a delay.  Each ``POST /v1/images/generations`` takes the next
step too: its content is sent as the image's ``b64_json`` (``image(png)``
makes such a step; any other content is a malformed image).  Every request body is recorded, parsed, in arrival
order.  A request with no step left gets HTTP 500 ("script exhausted").

    with scripted_server([answer({"fixes": []}), http_error(500)]) as server:
        client = VlmClient(VlmConfig(server.base_url, "test-key", "test-model"))
        ...
        server.requests[0]["model"]
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["ScriptedServer", "Step", "answer", "http_error", "image", "malformed", "scripted_server", "slow"]

IMAGES_ROUTE = "/v1/images/generations"


@dataclass(frozen=True)
class Step:
    """One scripted reply: ``content`` as the assistant's message when ``status``
    is 200, else an OpenAI-style error body; sent after ``delay_s`` seconds."""

    content: str = ""
    status: int = 200
    delay_s: float = 0.0
    prompt_tokens: int = 50
    completion_tokens: int = 10


def answer(payload: dict[str, Any] | str, prompt_tokens: int = 50, completion_tokens: int = 10) -> Step:
    """A good (or any) answer: a dict is sent as JSON, a string as it is."""
    content = payload if isinstance(payload, str) else json.dumps(payload)
    return Step(content, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)


def malformed(text: str = '{"scores": {"position": 7,', prompt_tokens: int = 50,
              completion_tokens: int = 10) -> Step:
    """An answer that is not valid JSON."""
    return Step(text, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)


def image(png: bytes) -> Step:
    """An images answer: ``png`` as base64."""
    import base64

    return Step(base64.b64encode(png).decode("ascii"))


def http_error(status: int = 500) -> Step:
    return Step(status=status)


def slow(delay_s: float, payload: dict[str, Any] | str) -> Step:
    """``answer(payload)`` sent only after ``delay_s`` seconds."""
    return Step(answer(payload).content, delay_s=delay_s)


class ScriptedServer:
    """The server and its script; ``requests`` holds every parsed request body."""

    def __init__(self, steps: Iterable[Step] = ()) -> None:
        self.requests: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self._steps: deque[Step] = deque(steps)
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="scripted-openai", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def push(self, *steps: Step) -> None:
        """Add steps to the end of the script."""
        with self._lock:
            self._steps.extend(steps)

    def pending(self) -> int:
        with self._lock:
            return len(self._steps)

    def take(self, path: str, body: dict[str, Any]) -> Step | None:
        with self._lock:
            self.paths.append(path)
            self.requests.append(body)
            return self._steps.popleft() if self._steps else None

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Wake delayed replies, stop serving and close the socket; never blocks long."""
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@contextmanager
def scripted_server(steps: Iterable[Step] = ()) -> Iterator[ScriptedServer]:
    server = ScriptedServer(steps).start()
    try:
        yield server
    finally:
        server.stop()


def _completion(step: Step, model: str, number: int) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-scripted-{number}",
        "object": "chat.completion",
        "created": 1_700_000_000 + number,
        "model": model,
        "choices": [{
            "index": 0, "finish_reason": "stop", "logprobs": None,
            "message": {"role": "assistant", "content": step.content, "refusal": None},
        }],
        "usage": {
            "prompt_tokens": step.prompt_tokens, "completion_tokens": step.completion_tokens,
            "total_tokens": step.prompt_tokens + step.completion_tokens,
        },
    }


def _error(status: int, message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "server_error", "param": None, "code": None}}


def _handler_for(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if self.path.rstrip("/") not in ("/v1/chat/completions", IMAGES_ROUTE):
                self._send(404, _error(404, f"no route {self.path}"))
                return
            body = json.loads(raw or b"{}")
            step = server.take(self.path, body)
            if step is None:
                self._send(500, _error(500, "script exhausted"))
                return
            if step.delay_s and server.stopping.wait(step.delay_s):
                return  # stopping: drop the reply
            if step.status != 200:
                self._send(step.status, _error(step.status, f"scripted HTTP {step.status}"))
                return
            if self.path.rstrip("/") == IMAGES_ROUTE:
                self._send(200, {"created": 1_700_000_000, "data": [{"b64_json": step.content}]})
                return
            self._send(200, _completion(step, str(body.get("model", "")), len(server.requests)))

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode("utf-8")
            with suppress(BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler
