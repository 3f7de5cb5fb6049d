"""What every benchmark script shares: the repository importable, no model downloads, one
progress bar.

Scripts run as `python benchmarks/<name>.py`, so this folder is on `sys.path` and `import kit`
works before the repository itself is.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def progress(
    console: Console, *, description: str = "{task.description}", remaining: bool = False
) -> Progress:
    """Spinner, description, bar, done/total and elapsed (and remaining) time."""
    columns: list[ProgressColumn] = [
        SpinnerColumn(),
        TextColumn(description),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ]
    if remaining:
        columns.append(TimeRemainingColumn())
    return Progress(*columns, console=console)
