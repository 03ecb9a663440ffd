"""Every GraphQL example in the READMEs runs against the demo school, as a reader would run it.

The convention, for whoever writes an example:
- each ```graphql block runs as written through the gateway, as the demo user `teacher`;
  a comment ``<!-- example as LOGIN -->`` on the line just above the block runs it as another
  demo user;
- ``"…"`` is a value the reader fills in: the demo password in ``password: "…"``; in any other
  argument, the content of the nearest code block above the example (the file the text shows).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import DEMO_PASSWORD, Gateway

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
READMES = [
    ROOT / "README.md",
    ROOT / "deploy" / "README.md",
    *sorted((ROOT / "services").glob("*/README.md")),
    ROOT / "gateway" / "README.md",
]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
AS_USER = re.compile(r"<!--\s*example as (\w+)\s*-->\s*$")
PLACEHOLDER = re.compile(r'(\w+)\s*:\s*"…"')


@dataclass(frozen=True)
class Example:
    where: str
    login: str
    query: str


def examples() -> list[Example]:
    found: list[Example] = []
    for readme in READMES:
        if not readme.exists():
            continue
        text = readme.read_text()
        last_block = ""
        for match in FENCE.finditer(text):
            language, body = match.group(1), match.group(2)
            if language != "graphql":
                last_block = body
                continue
            line = text.count("\n", 0, match.start()) + 1
            before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            login = m.group(1) if (m := AS_USER.search(before)) else "teacher"
            where = f"{readme.relative_to(ROOT)}:{line}"
            found.append(Example(where, login, _fill(body, last_block)))
    return found


def _fill(query: str, last_block: str) -> str:
    def value(match: re.Match[str]) -> str:
        argument = match.group(1)
        filled = DEMO_PASSWORD if argument == "password" else last_block
        return f"{argument}: {json.dumps(filled, ensure_ascii=False)}"

    return PLACEHOLDER.sub(value, query)


EXAMPLES = examples()


def test_the_readmes_have_examples_and_the_first_one_logs_in() -> None:
    assert len(EXAMPLES) >= 3
    assert "login(" in EXAMPLES[0].query


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.where for e in EXAMPLES])
async def test_readme_example_runs_without_errors(gateway: Gateway, example: Example) -> None:
    assert "$" not in example.query, "README examples take no variables: write the values"
    result = await gateway.as_user(example.login, example.query)
    assert "errors" not in result, (example.where, result)
    assert result["data"], (example.where, result)
