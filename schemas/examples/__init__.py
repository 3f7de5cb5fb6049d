"""The forty labelled example complaints of the project's domain brief, transcribed exactly.

They are contract examples (each validates as a `complaint.received` event), the held-out
evaluation set of triage (never trained on) and what `aduan demo` sends.
"""

from pathlib import Path

DOMAIN_EXAMPLES = Path(__file__).parent / "domain_examples.jsonl"
