"""docs/domain.md §5: what a union officer does first, per category and per action.

The playbook is the prior of the recommender: when the case base is thin (a new union, a rare
category) the advice still follows the escalation ladder of UU 2/2004 and the channels of §3.2.
Its texts live in `data/playbook.yaml`, which a union's legal officer edits without touching
Python; `playbook_data` validates it against the vocabularies when this module is imported (the
shipped file) or when the service starts (an operator's own file, `ADUAN_PLAYBOOK_FILE`). Texts
shown to officers are Indonesian; legal references come from the project's domain brief, and
anything it marks "(unverified)" keeps that mark so nobody shows it to a worker as settled law.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from schemas.vocabulary import ACTION_LABELS, Action, Category
from services.recommend.deadlines import Deadline, DeadlineRule, DeadlineTerm, KeyDates
from services.recommend.playbook_data import PlaybookError, read_playbook_file
from services.runtime.businesstime import NATIONAL_CALENDAR, WorkCalendar

__all__ = [
    "ACTION_GUIDES",
    "DEFAULT_PLAYBOOK",
    "PLAYBOOK",
    "PLAYBOOK_FILE",
    "URGENT_ACTIONS",
    "ActionGuide",
    "CategoryPlaybook",
    "Playbook",
    "PlaybookError",
    "evidence_for",
    "legal_basis_for",
    "load_playbook",
    "playbook_for",
    "playbook_rank",
]

PLAYBOOK_FILE = Path(__file__).parent / "data" / "playbook.yaml"

# Actions that respond to harm happening now. They lead a P1 recommendation, and outside P1 they
# only make sense when a tag shows the harm, so the playbook prior alone never puts them on top.
# Code, not data: the ranking's URGENT_FIT says, per action, which tags show that harm.
URGENT_ACTIONS: tuple[Action, ...] = (
    Action.URGENT_SAFETY_RESPONSE,
    Action.MEDICAL_CARE_DOCUMENTATION,
    Action.CONFIDENTIAL_SAFETY_PLAN,
    Action.CHILD_PROTECTION_REFERRAL,
)


@dataclass(frozen=True)
class CategoryPlaybook:
    """One row of docs/domain.md §5.4."""

    category: Category
    first_actions: tuple[Action, ...]  # in the order an officer should take them
    evidence: tuple[str, ...]
    time_norms: str
    legal_basis: tuple[str, ...]


@dataclass(frozen=True)
class ActionGuide:
    """What an officer needs to know about one action of the §3.6 vocabulary."""

    action: Action
    label: str
    legal_refs: tuple[str, ...]
    # Evidence specific to this action; empty means "use the category's evidence list".
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Playbook:
    """A loaded playbook: every category's first steps, every action's guide, every deadline."""

    source: Path
    categories: dict[Category, CategoryPlaybook]
    guides: dict[Action, ActionGuide]
    deadlines: dict[DeadlineRule, DeadlineTerm]

    def rank(self, category: Category, action: Action) -> int | None:
        """Position of `action` in the category's first actions (0 = first), or None."""
        actions = self.categories[category].first_actions
        return actions.index(action) if action in actions else None

    def evidence_for(self, action: Action, category: Category) -> list[str]:
        """Action-specific evidence, else the evidence the category's playbook asks for."""
        specific = self.guides[action].evidence
        return list(specific) if specific else list(self.categories[category].evidence)

    def legal_basis_for(self, action: Action, category: Category) -> list[str]:
        """The action's own references, then the category's substantive law (deduplicated)."""
        refs = list(self.guides[action].legal_refs)
        return refs + [ref for ref in self.categories[category].legal_basis if ref not in refs]

    def deadline(
        self,
        rule: DeadlineRule,
        dates: KeyDates | None = None,
        calendar: WorkCalendar = NATIONAL_CALENDAR,
    ) -> Deadline:
        """The rule in this playbook's words, dated when `dates` holds the date it counts from."""
        return self.deadlines[rule].deadline(rule, dates, calendar)


def load_playbook(path: Path | str = PLAYBOOK_FILE) -> Playbook:
    """The playbook in `path`, validated; PlaybookError names the file and line of a mistake."""
    source = Path(path)
    data = read_playbook_file(source)
    categories: dict[Category, CategoryPlaybook] = {}
    for category in Category:
        c = data.categories[category]
        categories[category] = CategoryPlaybook(
            category, c.first_actions, c.evidence, c.time_norms, c.legal_basis
        )
    guides: dict[Action, ActionGuide] = {}
    for action in Action:
        a = data.actions[action]
        guides[action] = ActionGuide(action, ACTION_LABELS[action], a.legal_refs, a.evidence)
    return Playbook(source, categories, guides, dict(data.deadlines))


# The shipped playbook, checked on import: a broken data file fails every service at start.
DEFAULT_PLAYBOOK = load_playbook()
PLAYBOOK: dict[Category, CategoryPlaybook] = DEFAULT_PLAYBOOK.categories
ACTION_GUIDES: dict[Action, ActionGuide] = DEFAULT_PLAYBOOK.guides


def playbook_for(category: Category) -> CategoryPlaybook:
    return PLAYBOOK[category]


def playbook_rank(category: Category, action: Action) -> int | None:
    """Position of `action` in the category's first actions (0 = first), or None if absent."""
    return DEFAULT_PLAYBOOK.rank(category, action)


def evidence_for(action: Action, category: Category) -> list[str]:
    """Action-specific evidence, else the evidence the category's playbook asks for."""
    return DEFAULT_PLAYBOOK.evidence_for(action, category)


def legal_basis_for(action: Action, category: Category) -> list[str]:
    """The action's own references, then the category's substantive law (deduplicated)."""
    return DEFAULT_PLAYBOOK.legal_basis_for(action, category)
