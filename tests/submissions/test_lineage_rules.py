"""The pure lineage helpers (submissions/lineage.py): ``cycle`` and ``ancestors`` against brute force on
random graphs. No database."""

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from submissions.lineage import Edge, ancestors, cycle
from tests.hypothesis_profiles import examples

DAY = date(2025, 7, 1)

pairs = st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)).filter(lambda p: p[0] != p[1]), max_size=16,
                 unique=True)


def _edges(pairs_):
    return [Edge(a, b, DAY, "merge") for a, b in pairs_]


def _reach(pairs_, start):
    """Every node reachable from ``start`` in one step or more, with its shortest distance (plain BFS)."""
    found, frontier, depth = {}, {start}, 0
    while frontier:
        depth += 1
        frontier = {b for a, b in pairs_ if a in frontier} - set(found) - {start}
        for node in frontier:
            found[node] = depth
    return found


def _has_cycle(pairs_) -> bool:
    nodes = {n for p in pairs_ for n in p}
    return any(n in _closure(pairs_, n) for n in nodes)


def _closure(pairs_, start):
    seen, todo = set(), [start]
    while todo:
        for a, b in pairs_:
            if a == todo[-1] and b not in seen:
                seen.add(b)
                todo.append(b)
                break
        else:
            todo.pop()
    return seen


@settings(max_examples=examples(300), deadline=None)
@given(pairs)
def test_cycle_is_found_exactly_when_there_is_one_and_is_a_real_cycle(pairs_):
    found = cycle(_edges(pairs_))
    assert (found is not None) == _has_cycle(pairs_)
    if found is not None:
        assert found[0] == found[-1] and len(found) >= 3  # no self-edge: at least a → b → a
        assert all((a, b) in set(pairs_) for a, b in zip(found, found[1:], strict=False))
        assert len(set(found[:-1])) == len(found) - 1  # a simple cycle


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)).filter(lambda p: p[0] < p[1]), max_size=16,
                unique=True))
def test_a_history_in_date_order_has_no_cycle(pairs_):
    """Edges that always go from an older unit (smaller id) to a newer one can never loop."""
    assert cycle(_edges(pairs_)) is None


@settings(max_examples=examples(300), deadline=None)
@given(pairs, st.integers(0, 7))
def test_ancestors_are_the_units_that_reach_it_at_their_shortest_distance(pairs_, unit):
    reversed_pairs = [(b, a) for a, b in pairs_]
    assert ancestors(unit, _edges(pairs_)) == _reach(reversed_pairs, unit)


def test_ancestors_of_a_merge_then_a_rename():
    # 1 and 2 merge into 3 on 1/7/2025; 3 is renamed 4 later.
    edges = [Edge(1, 3, DAY, "merge"), Edge(2, 3, DAY, "merge"), Edge(3, 4, date(2026, 1, 1), "rename")]
    assert ancestors(4, edges) == {3: 1, 1: 2, 2: 2}
    assert ancestors(1, edges) == {}
    assert cycle(edges) is None
    assert cycle([*edges, Edge(4, 1, DAY)]) == [1, 3, 4, 1]
