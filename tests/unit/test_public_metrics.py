"""/metrics never shows a per-union group of one to four events of a marked metric."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from services.runtime.metrics import MIN_GROUP_SIZE, PublicMetrics, small_groups_hidden


def exported(registry: CollectorRegistry) -> str:
    return generate_latest(PublicMetrics(registry)).decode()


class TestSmallGroups:
    """Zero and five or more are shown; one to four are not; unmarked metrics are whole."""

    def test_a_counter_group_appears_at_the_minimum_size(self) -> None:
        registry = CollectorRegistry()
        ratings = small_groups_hidden(
            Counter("t_ratings_total", "ratings", ["union", "fixed"], registry=registry)
        )
        ratings.labels("spn", "not_fixed").inc(1)
        ratings.labels("spn", "fixed").inc(MIN_GROUP_SIZE)
        ratings.labels("kspi", "fixed")  # created at zero
        text = exported(registry)
        assert 't_ratings_total{fixed="not_fixed",union="spn"}' not in text
        assert 't_ratings_created{fixed="not_fixed",union="spn"}' not in text
        assert 't_ratings_total{fixed="fixed",union="spn"} 5.0' in text
        assert 't_ratings_total{fixed="fixed",union="kspi"} 0.0' in text

    def test_a_histogram_group_is_hidden_whole_buckets_and_sum_included(self) -> None:
        registry = CollectorRegistry()
        hours = small_groups_hidden(
            Histogram("t_hours", "hours", ["union"], buckets=(1, 10), registry=registry)
        )
        for _ in range(2):
            hours.labels("spn").observe(3)
        for _ in range(MIN_GROUP_SIZE):
            hours.labels("garteks").observe(3)
        text = exported(registry)
        assert 'union="spn"' not in text
        assert 't_hours_count{union="garteks"} 5.0' in text
        assert 't_hours_bucket{le="10.0",union="garteks"} 5.0' in text

    def test_unmarked_metrics_are_shown_whole(self) -> None:
        registry = CollectorRegistry()
        breaches = Counter("t_breaches_total", "breaches", ["union"], registry=registry)
        breaches.labels("spn").inc()
        assert 't_breaches_total{union="spn"} 1.0' in exported(registry)
