"""Running the installed ``lianrong`` command from tests (e2e)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

_SCRIPT = Path(sys.executable).parent / "lianrong"
#: the real installed console script (entry point ``lianrong.entrypoints.cli:app``); ``python -m`` as fallback
LIANRONG = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "lianrong.entrypoints.cli"]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any ambient LIANRONG_* setting, wide enough that Rich never wraps."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANRONG_")}
    env.update(COLUMNS="400", NO_COLOR="1", PYTHONIOENCODING="utf-8", TERM="dumb")
    env.update(extra)
    return env
