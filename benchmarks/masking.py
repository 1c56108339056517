"""How well masking tells secrets from the rest, over the README configs of popular MCP servers.

    python -m benchmarks.masking

`data/mcp_configs.json` holds the records and, for each, the secrets it holds, listed by hand.
Two shares are printed: of the labelled secrets, those `mask_secrets` hides (under-masking leaves
some in view); of the other values (each text or number; the non-secret rest of a text holding a
secret counts as one more), those it leaves exactly as they were (over-masking hides some).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from registry_mcp.secrets.masking import MASK, mask_secrets

CORPUS = Path(__file__).parent / "data" / "mcp_configs.json"


@dataclass
class Figures:
    """What masking did to the corpus: counts, and the places it got wrong."""

    servers: int = 0
    secrets: int = 0
    secrets_masked: int = 0
    values: int = 0
    values_visible: int = 0
    shown_secrets: list[str] = field(default_factory=list)  # 'server: path' of each secret left in view
    hidden_values: list[str] = field(default_factory=list)  # 'server: path' of each value masked needlessly

    @property
    def masked_share(self) -> float:
        return self.secrets_masked / self.secrets if self.secrets else 1.0

    @property
    def visible_share(self) -> float:
        return self.values_visible / self.values if self.values else 1.0


def _leaves(value: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, f"{path}.{key}" if path else key)]
    if isinstance(value, list):
        return [leaf for index, item in enumerate(value) for leaf in _leaves(item, f"{path}[{index}]")]
    return [(path, value)]


def measure(corpus: dict[str, Any]) -> Figures:
    figures = Figures()
    for entry in corpus["servers"]:
        name, record, secrets = entry["name"], entry["mcp_config"], entry["secrets"]
        masked = mask_secrets(record)
        figures.servers += 1
        for (path, value), (_, shown) in zip(_leaves(record), _leaves(masked), strict=True):
            if isinstance(value, bool) or value is None:
                continue
            text = str(value)
            held = [secret for secret in secrets if secret in text]
            for secret in held:
                figures.secrets += 1
                if secret in str(shown):
                    figures.shown_secrets.append(f"{name}: {path}")
                else:
                    figures.secrets_masked += 1
            if held and all(secret == text for secret in held):
                continue  # the whole value is the secret: nothing else to show
            # The rest of the value is visible when it reads as it was, secrets (masked or not) aside.
            expected, seen = text, str(shown)
            for secret in held:
                expected, seen = expected.replace(secret, MASK), seen.replace(secret, MASK)
            figures.values += 1
            if seen == expected:
                figures.values_visible += 1
            else:
                figures.hidden_values.append(f"{name}: {path}")
    return figures


def load() -> dict[str, Any]:
    corpus: dict[str, Any] = json.loads(CORPUS.read_text())
    return corpus


def main() -> None:
    figures = measure(load())
    print(f"{figures.servers} server records, {figures.secrets} labelled secrets, {figures.values} other values")
    print(f"secrets masked:         {figures.secrets_masked}/{figures.secrets} = {figures.masked_share:.1%}")
    print(f"other values visible:   {figures.values_visible}/{figures.values} = {figures.visible_share:.1%}")
    for where in figures.shown_secrets:
        print(f"  secret left in view:  {where}")
    for where in figures.hidden_values:
        print(f"  value masked needlessly: {where}")


if __name__ == "__main__":
    main()
