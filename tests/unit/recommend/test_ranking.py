"""Ranking of follow-up actions: playbook prior, case votes, urgency, tags, category inference."""

from __future__ import annotations

from datetime import date

from schemas.vocabulary import Action as A
from schemas.vocabulary import Category as C
from schemas.vocabulary import Outcome as O
from schemas.vocabulary import Priority
from schemas.vocabulary import Tag as T
from services.recommend.deadlines import DeadlineRule, KeyDates
from services.recommend.models import Complaint
from services.recommend.playbook import PLAYBOOK
from services.recommend.ranking import derive_priority, infer_category, rank_actions
from services.runtime.businesstime import WorkCalendar
from tests.unit.recommend.fakes import neighbour


def complaint(
    category: C | None = C.WAGES_MINIMUM_WAGE,
    tags: set[T] | None = None,
    priority: Priority | None = None,
    secondary: tuple[C, ...] = (),
    key_dates: KeyDates | None = None,
) -> Complaint:
    return Complaint(
        complaint_id="c-1",
        union_id="spn",
        text="contoh",
        category=category,
        secondary=secondary,
        tags=frozenset(tags or ()),
        priority=priority,
        key_dates=key_dates,
    )


def ids(ranking_actions: list) -> list[A]:
    return [a.action for a in ranking_actions]


def by_action(ranking_actions: list) -> dict:
    return {a.action: a for a in ranking_actions}


class TestPlaybookPrior:
    """With no (or only irrelevant) past cases the advice is the docs/domain.md §5.4 playbook."""

    def test_empty_case_base_follows_playbook_order(self) -> None:
        ranking = rank_actions(complaint(C.WAGES_MINIMUM_WAGE), [])
        playbook = list(PLAYBOOK[C.WAGES_MINIMUM_WAGE].first_actions)
        assert ids(ranking.actions)[: len(playbook)] == playbook
        assert "playbook" in ranking.actions[0].rationale

    def test_every_category_gives_advice_without_cases(self) -> None:
        for category in C:
            ranking = rank_actions(complaint(category), [])
            assert ranking.actions, category
            assert ranking.actions[0].legal_basis or category is C.OTHER

    def test_distant_cases_do_not_override_playbook(self) -> None:
        far = [neighbour(f"x{i}", 0.2, C.WAGES_MINIMUM_WAGE, [A.POLICE_REPORT]) for i in range(20)]
        ranking = rank_actions(complaint(C.WAGES_MINIMUM_WAGE), far)
        assert ranking.actions[0].action is A.CALCULATE_ENTITLEMENT
        assert A.POLICE_REPORT not in ids(ranking.actions)

    def test_urgent_playbook_actions_wait_for_tags_showing_harm(self) -> None:
        """A chronic dust complaint is OSH, but nobody is in danger right now."""
        ranking = rank_actions(complaint(C.OSH_SAFETY_HEALTH, priority=Priority.P3), [])
        assert ranking.actions[0].action is A.COLLECT_EVIDENCE
        scores = by_action(ranking.actions)
        assert scores[A.URGENT_SAFETY_RESPONSE].score < scores[A.COLLECT_EVIDENCE].score


class TestCaseVotes:
    """Similar past cases vote for the actions they took, weighted by how they ended."""

    def test_outcome_weights_order_the_same_action(self) -> None:
        def score(outcome: O) -> float:
            cases = [
                neighbour(f"{outcome}{i}", 0.8, C.OTHER, [A.DISNAKER_MEDIATION], outcome)
                for i in range(3)
            ]
            found = by_action(rank_actions(complaint(C.OTHER), cases).actions)
            return found[A.DISNAKER_MEDIATION].score if A.DISNAKER_MEDIATION in found else 0.0

        assert score(O.RESOLVED) > score(O.PARTIALLY_RESOLVED) > score(O.NOT_RESOLVED)

    def test_resolved_cases_outweigh_unresolved(self) -> None:
        cases = [neighbour(f"ok{i}", 0.8, C.OTHER, [A.LABOUR_INSPECTION_REPORT]) for i in range(3)]
        cases += [
            neighbour(f"bad{i}", 0.8, C.OTHER, [A.DISNAKER_MEDIATION], O.NOT_RESOLVED)
            for i in range(3)
        ]
        scores = by_action(rank_actions(complaint(C.OTHER), cases).actions)
        # Taken only in failed cases: too weak to be shown at all (below MIN_SCORE).
        assert A.DISNAKER_MEDIATION not in scores
        assert scores[A.LABOUR_INSPECTION_REPORT].score > 0.3
        assert scores[A.LABOUR_INSPECTION_REPORT].supporting_cases == ["ok0", "ok1", "ok2"]
        assert "3 selesai" in scores[A.LABOUR_INSPECTION_REPORT].rationale

    def test_partially_resolved_counts_half(self) -> None:
        full = [neighbour("f", 0.8, C.OTHER, [A.LABOUR_INSPECTION_REPORT], O.RESOLVED)]
        half = [neighbour("h", 0.8, C.OTHER, [A.LABOUR_INSPECTION_REPORT], O.PARTIALLY_RESOLVED)]
        score_full = by_action(rank_actions(complaint(C.OTHER), full).actions)
        score_half = by_action(rank_actions(complaint(C.OTHER), half).actions)
        assert (
            score_full[A.LABOUR_INSPECTION_REPORT].score
            > score_half[A.LABOUR_INSPECTION_REPORT].score
        )

    def test_rich_case_base_can_outrank_the_playbook(self) -> None:
        cases = [
            neighbour(f"c{i}", 0.9, C.WAGES_MINIMUM_WAGE, [A.LABOUR_INSPECTION_REPORT])
            for i in range(8)
        ]
        ranking = rank_actions(complaint(C.WAGES_MINIMUM_WAGE), cases)
        assert ranking.actions[0].action is A.LABOUR_INSPECTION_REPORT
        assert ranking.actions[0].supporting_cases[:3] == ["c0", "c1", "c2"]

    def test_the_step_similar_cases_took_first_leads(self) -> None:
        """Cases record their steps in order: the same actions, taken in another order, give
        another first recommendation."""

        def first(order: list[A]) -> A:
            cases = [neighbour(f"c{i}", 0.9, C.OTHER, order) for i in range(6)]
            return rank_actions(complaint(C.OTHER), cases).actions[0].action

        inspection, mediation = A.LABOUR_INSPECTION_REPORT, A.DISNAKER_MEDIATION
        assert first([inspection, mediation]) is inspection
        assert first([mediation, inspection]) is mediation

    def test_scores_stay_in_unit_interval(self) -> None:
        cases = [neighbour("a", 1.0, C.OSH_SAFETY_HEALTH, list(A))]
        tags = {T.IMMEDIATE_DANGER, T.INJURY, T.SEXUAL_VIOLENCE, T.INFO_REQUEST}
        for action in rank_actions(complaint(C.OSH_SAFETY_HEALTH, tags), cases).actions:
            assert 0.0 <= action.score <= 1.0


class TestUrgency:
    """P1 complaints lead with the urgent actions that fit their tags."""

    def test_immediate_danger_puts_safety_response_first(self) -> None:
        many = [
            neighbour(f"n{i}", 0.95, C.OSH_SAFETY_HEALTH, [A.COLLECT_EVIDENCE]) for i in range(10)
        ]
        ranking = rank_actions(
            complaint(C.OSH_SAFETY_HEALTH, {T.IMMEDIATE_DANGER}, Priority.P1), many
        )
        assert ranking.actions[0].action is A.URGENT_SAFETY_RESPONSE
        assert ranking.actions[0].score == 1.0
        assert "P1" in ranking.actions[0].rationale

    def test_sexual_violence_starts_with_confidential_plan_and_referrals(self) -> None:
        ranking = rank_actions(complaint(C.HARASSMENT_GBV, {T.SEXUAL_VIOLENCE}, Priority.P1), [])
        actions = ids(ranking.actions)
        assert actions[0] is A.CONFIDENTIAL_SAFETY_PLAN
        assert {A.SATGAS_PPKS_REFERRAL, A.POLICE_REPORT} <= set(actions[:5])
        assert A.URGENT_SAFETY_RESPONSE not in actions[:1]

    def test_injury_with_deadline_orders_urgent_actions(self) -> None:
        tags = {T.INJURY, T.DEADLINE_IMMINENT}
        ranking = rank_actions(complaint(C.OSH_SAFETY_HEALTH, tags), [])
        assert ranking.priority is Priority.P1  # derived from the tags
        assert ranking.actions[0].action is A.MEDICAL_CARE_DOCUMENTATION

    def test_self_harm_leads_with_a_confidential_safety_plan_not_an_evacuation(self) -> None:
        ranking = rank_actions(complaint(C.HARASSMENT_GBV, {T.SELF_HARM_RISK}), [])
        assert ids(ranking.actions)[0] is A.CONFIDENTIAL_SAFETY_PLAN
        assert A.URGENT_SAFETY_RESPONSE not in ids(ranking.actions)[:3]

    def test_a_child_at_work_leads_with_child_protection(self) -> None:
        ranking = rank_actions(complaint(C.CHILD_LABOUR, {T.MINOR_INVOLVED}, Priority.P1), [])
        assert ids(ranking.actions)[0] is A.CHILD_PROTECTION_REFERRAL

    def test_danger_and_injury_bring_both_urgent_steps_in_order(self) -> None:
        tags = {T.IMMEDIATE_DANGER, T.INJURY}
        ranking = rank_actions(complaint(C.OSH_SAFETY_HEALTH, tags, Priority.P1), [])
        assert ids(ranking.actions)[:2] == [
            A.URGENT_SAFETY_RESPONSE,
            A.MEDICAL_CARE_DOCUMENTATION,
        ]

    def test_similar_cases_decide_which_fitting_urgent_step_leads(self) -> None:
        """A violent supervisor calls for medical care and a safety plan; where similar cases
        made the safety plan their first step, it leads. Both stay first, before any vote."""
        tags = {T.PHYSICAL_VIOLENCE, T.SUPERVISOR_IMPLICATED}
        p1 = complaint(C.HARASSMENT_GBV, tags, Priority.P1)
        plan_first = [A.CONFIDENTIAL_SAFETY_PLAN, A.POLICE_REPORT, A.MEDICAL_CARE_DOCUMENTATION]
        cases = [neighbour(f"v{i}", 0.8, C.HARASSMENT_GBV, plan_first) for i in range(3)]
        cases += [neighbour("far", 0.35, C.HARASSMENT_GBV, [A.MEDICAL_CARE_DOCUMENTATION])]
        led = ids(rank_actions(p1, cases).actions)
        assert led[:2] == [A.CONFIDENTIAL_SAFETY_PLAN, A.MEDICAL_CARE_DOCUMENTATION]
        # Without cases, the order of DOMAIN's urgent steps: medical care first.
        alone = ids(rank_actions(p1, []).actions)
        assert alone[:2] == [A.MEDICAL_CARE_DOCUMENTATION, A.CONFIDENTIAL_SAFETY_PLAN]

    def test_cases_with_the_same_harm_outvote_cases_with_another(self) -> None:
        """Violence that injured the worker: two earlier cases of violence with injury began
        with medical care; three of violence without injury began with a safety plan. The cases
        that saw the same harm decide."""
        harm = {T.PHYSICAL_VIOLENCE, T.INJURY}
        p1 = complaint(C.HARASSMENT_GBV, harm, Priority.P1)
        medical_first = [A.MEDICAL_CARE_DOCUMENTATION, A.CONFIDENTIAL_SAFETY_PLAN]
        plan_first = [A.CONFIDENTIAL_SAFETY_PLAN, A.MEDICAL_CARE_DOCUMENTATION]
        cases = [
            neighbour(f"m{i}", 0.8, C.HARASSMENT_GBV, medical_first, tags=harm) for i in range(2)
        ]
        cases += [
            neighbour(f"p{i}", 0.8, C.HARASSMENT_GBV, plan_first, tags={T.PHYSICAL_VIOLENCE})
            for i in range(3)
        ]
        led = ids(rank_actions(p1, cases).actions)
        assert led[:2] == [A.MEDICAL_CARE_DOCUMENTATION, A.CONFIDENTIAL_SAFETY_PLAN]

    def test_a_death_alone_calls_for_no_rescue_or_treatment(self) -> None:
        """A worker died and nothing says the danger goes on: nobody is to be evacuated or
        treated. Where similar cases began by collecting evidence, so does this one, still
        P1; where the danger goes on, getting people away from it leads."""
        died = complaint(C.OSH_SAFETY_HEALTH, {T.FATALITY}, Priority.P1)
        evidence_first = [A.COLLECT_EVIDENCE, A.BPJS_COMPLAINT, A.LABOUR_INSPECTION_REPORT]
        cases = [
            neighbour(f"d{i}", 0.8, C.OSH_SAFETY_HEALTH, evidence_first, tags={T.FATALITY})
            for i in range(3)
        ]
        ranking = rank_actions(died, cases)
        assert ranking.priority is Priority.P1
        assert ids(ranking.actions)[0] is A.COLLECT_EVIDENCE
        assert A.URGENT_SAFETY_RESPONSE not in ids(ranking.actions)[:3]
        assert not any("Prioritas P1" in a.rationale for a in ranking.actions)
        ongoing = complaint(C.OSH_SAFETY_HEALTH, {T.FATALITY, T.IMMEDIATE_DANGER}, Priority.P1)
        assert ids(rank_actions(ongoing, cases).actions)[0] is A.URGENT_SAFETY_RESPONSE

    def test_a_p1_without_harm_tags_leads_as_similar_emergencies_did(self) -> None:
        """The emergency detector raised it; the tags do not say which harm. When most similar
        cases began with an urgent step, the one they began with leads; when most were handled
        as ordinary complaints, no urgent step is invented."""
        p1 = complaint(C.HARASSMENT_GBV, {T.WOMAN_WORKER}, Priority.P1)
        urgent = [A.CONFIDENTIAL_SAFETY_PLAN, A.SATGAS_PPKS_REFERRAL]
        ordinary = [A.BIPARTITE_NEGOTIATION, A.COLLECT_EVIDENCE]
        mostly_urgent = [neighbour(f"u{i}", 0.8, C.HARASSMENT_GBV, urgent) for i in range(3)]
        mostly_urgent += [neighbour("o", 0.8, C.HARASSMENT_GBV, ordinary)]
        led = rank_actions(p1, mostly_urgent).actions[0]
        assert led.action is A.CONFIDENTIAL_SAFETY_PLAN and "P1" in led.rationale
        mostly_ordinary = [neighbour(f"o{i}", 0.8, C.HARASSMENT_GBV, ordinary) for i in range(3)]
        mostly_ordinary += [neighbour("u", 0.8, C.HARASSMENT_GBV, urgent)]
        actions = rank_actions(p1, mostly_ordinary).actions
        assert not any("P1" in a.rationale for a in actions)

    def test_pregnant_worker_exposed_now_is_taken_off_the_hazard_first(self) -> None:
        tags = {T.PREGNANT_WORKER, T.CHEMICAL_EXPOSURE, T.WOMAN_WORKER}
        ranking = rank_actions(complaint(C.MATERNITY_REPRODUCTIVE, tags, Priority.P1), [])
        assert ids(ranking.actions)[0] is A.URGENT_SAFETY_RESPONSE

    def test_exposure_during_a_pregnancy_that_is_over_leads_with_medical_care(self) -> None:
        """docs/domain.md §5.1: urgent_safety_response is for danger *now*. Once the child is born
        the exposure is past: a medical check of mother and baby and its record come first."""
        tags = {T.PREGNANT_WORKER, T.CHEMICAL_EXPOSURE, T.NEW_OR_BREASTFEEDING_MOTHER}
        ranking = rank_actions(complaint(C.MATERNITY_REPRODUCTIVE, tags, Priority.P1), [])
        actions = ids(ranking.actions)
        assert actions[0] is A.MEDICAL_CARE_DOCUMENTATION
        assert "P1" in ranking.actions[0].rationale
        assert A.URGENT_SAFETY_RESPONSE not in actions[:3]
        # Danger now still calls for the urgent response, birth or not.
        now = rank_actions(
            complaint(C.MATERNITY_REPRODUCTIVE, tags | {T.IMMEDIATE_DANGER}, Priority.P1), []
        )
        assert ids(now.actions)[:2] == [A.URGENT_SAFETY_RESPONSE, A.MEDICAL_CARE_DOCUMENTATION]

    def test_urgency_needs_p1(self) -> None:
        """An officer who set P3 is not overruled; the tag still surfaces the action."""
        ranking = rank_actions(complaint(C.OSH_SAFETY_HEALTH, {T.INJURY}, Priority.P3), [])
        scores = by_action(ranking.actions)
        assert scores[A.MEDICAL_CARE_DOCUMENTATION].score < 1.0
        assert "P1" not in scores[A.MEDICAL_CARE_DOCUMENTATION].rationale

    def test_derive_priority_follows_domain_rules(self) -> None:
        assert derive_priority(frozenset({T.PREGNANT_WORKER, T.CHEMICAL_EXPOSURE})) is Priority.P1
        assert derive_priority(frozenset({T.INJURY})) is Priority.P3
        assert derive_priority(frozenset({T.LOSS_OF_INCOME_NOW})) is Priority.P2
        assert derive_priority(frozenset({T.MINOR_INVOLVED}), C.CHILD_LABOUR) is Priority.P1
        assert (
            derive_priority(frozenset({T.MINOR_INVOLVED}), C.HOUSING_LIVING_CONDITIONS)
            is Priority.P3
        )


class TestTagDrivenActions:
    """Tags bring actions the category alone does not imply."""

    def test_each_tag_brings_its_action(self) -> None:
        expectations = {
            T.BUYER_OR_CERTIFICATION_LINK: {A.SUPPLY_CHAIN_ESCALATION},
            T.LEGAL_AID_REQUESTED: {A.LEGAL_AID_REFERRAL},
            T.INFO_REQUEST: {A.INFORMATION_RESPONSE},
            T.MINOR_INVOLVED: {A.CHILD_PROTECTION_REFERRAL},
            T.SEXUAL_VIOLENCE: {A.SATGAS_PPKS_REFERRAL, A.POLICE_REPORT},
        }
        for tag, wanted in expectations.items():
            ranking = rank_actions(complaint(C.WORKING_HOURS_TARGETS, {tag}), [])
            top = by_action(ranking.actions[:6])
            for action in wanted:
                assert action in top, (tag, action)
                assert tag.value in top[action].rationale

    def test_tag_action_outranks_late_playbook_steps(self) -> None:
        ranking = rank_actions(
            complaint(C.WORKING_HOURS_TARGETS, {T.BUYER_OR_CERTIFICATION_LINK}), []
        )
        scores = by_action(ranking.actions)
        assert scores[A.SUPPLY_CHAIN_ESCALATION].score > scores[A.DISNAKER_MEDIATION].score


class TestCategoryInference:
    """A complaint without category takes the similarity-weighted vote of its neighbours."""

    def test_majority_of_similar_cases_decides(self) -> None:
        cases = [
            neighbour("t1", 0.8, C.THR_HOLIDAY_ALLOWANCE, [A.THR_COMPLAINT_POST]),
            neighbour("t2", 0.7, C.THR_HOLIDAY_ALLOWANCE, [A.THR_COMPLAINT_POST]),
            neighbour("w1", 0.75, C.WAGES_MINIMUM_WAGE, [A.CALCULATE_ENTITLEMENT]),
        ]
        ranking = rank_actions(complaint(category=None), cases)
        assert ranking.category is C.THR_HOLIDAY_ALLOWANCE
        assert ranking.category_inferred
        assert ranking.actions[0].action is A.THR_COMPLAINT_POST
        assert "disimpulkan" in ranking.actions[0].rationale

    def test_similarity_beats_head_count(self) -> None:
        cases = [neighbour("close", 0.95, C.LEAVE_REST, [])] + [
            neighbour(f"far{i}", 0.35, C.OVERTIME, []) for i in range(3)
        ]
        assert infer_category(cases)[0] is C.LEAVE_REST

    def test_no_relevant_case_falls_back_to_other(self) -> None:
        assert infer_category([]) == (C.OTHER, 0.0)
        ranking = rank_actions(complaint(category=None), [])
        assert ranking.category is C.OTHER
        assert ranking.actions[0].action is A.INFORMATION_RESPONSE


class TestDeadlinesOnActions:
    """Actions carry the legal deadline that governs them, dated when the date is known."""

    def test_dismissal_refusal_deadline_is_dated(self) -> None:
        dates = KeyDates(dismissal_notice=date(2025, 1, 10))
        ranking = rank_actions(complaint(C.TERMINATION_SEVERANCE, key_dates=dates), [])
        bipartite = by_action(ranking.actions)[A.BIPARTITE_NEGOTIATION]
        assert bipartite.deadline is not None
        assert bipartite.deadline.rule is DeadlineRule.DISMISSAL_REFUSAL
        assert bipartite.deadline.due == date(2025, 1, 21)

    def test_deadline_counts_holidays_and_the_unions_days_off(self) -> None:
        # Notice Friday 7 Aug 2026: Independence Day (Mon 17 Aug) moves the 7th working day to
        # Wed 19 Aug; a union that also closes on Tue 18 Aug gets Thu 20 Aug.
        dates = KeyDates(dismissal_notice=date(2026, 8, 7))
        case = complaint(C.TERMINATION_SEVERANCE, key_dates=dates)
        national = by_action(rank_actions(case, []).actions)[A.BIPARTITE_NEGOTIATION]
        assert national.deadline is not None and national.deadline.due == date(2026, 8, 19)
        union = WorkCalendar(extra_holidays=frozenset({date(2026, 8, 18)}))
        own = by_action(rank_actions(case, [], calendar=union).actions)[A.BIPARTITE_NEGOTIATION]
        assert own.deadline is not None and own.deadline.due == date(2026, 8, 20)

    def test_rule_in_words_without_dates(self) -> None:
        ranking = rank_actions(complaint(C.THR_HOLIDAY_ALLOWANCE), [])
        post = by_action(ranking.actions)[A.THR_COMPLAINT_POST]
        assert post.deadline is not None and post.deadline.due is None
        assert "7 hari sebelum" in post.deadline.text
