"""Hostile input into every view that accepts input, generated from the URLconf (issue #15 item 7).

The routes are those of tests/test_access_matrix.py (its test fails when a URL name of the URLconf has no entry
there), in the same seeded world (the demo province, built once for the module). For each route that reads a
form field or a query parameter:

* as each of the first ``ACTORS_PER_ROUTE`` actors allowed (their forms differ: the ranking block's secretariat,
  chair and chairman);
* the input names are discovered, not listed: every ``<input>``, ``<select>``, ``<textarea>`` and
  ``<button name>`` of every form that the pages of all routes render (each page fetched once, as its allowed
  actor) whose ``action`` resolves to the route's URL name, plus every key the view function's source reads
  from ``request.POST`` / ``request.GET`` / ``request.FILES``; query parameters are the keys it reads from
  ``request.GET`` and the fields of the ``method=get`` forms aimed at it;
* hostile values (``HOSTILE``: 1e309, 10**40, NaN, Infinity, -0, 10 000 characters, NUL, invalid UTF-8 and a
  lone surrogate sent as raw bytes, other scripts' digits, several values where one is expected, empty, ...)
  go into them: first a sweep where every field gets the same value, one request per value; then, for a field
  the view branches on (one of its page values is a string the view's source compares with, ``step == "assign"``),
  each such string of the view with every other field hostile (``CORE``); then hypothesis examples mixing
  hostile values, the values each field had on its page and any short text, with or without ``HX-Request``;
* the answer is never a 5xx; a refusal (4xx, a message of level error, or a page re-rendered with a marked
  field) changes nothing (``tests.write_watch``: every table the request wrote to is read before and after).

Each request runs in a savepoint rolled back after it, so requests do not see each other. Not sent:
``logout`` (its only input is the session) and ``healthz`` (none). Run time is bounded by ``EXAMPLES`` and the
sweep (about a minute on SQLite); CI runs the module once, in the SQLite pass (``.ci/run``).
"""

from __future__ import annotations

import inspect
import re
from html.parser import HTMLParser
from urllib.parse import quote, quote_from_bytes, urlsplit

import pytest
from django.contrib import messages
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import test_access_matrix as matrix
from tests.demo_province import demo_province
from tests.hypothesis_profiles import examples
from tests.write_watch import watching

pytestmark = pytest.mark.django_db

ACTORS_PER_ROUTE = 3  # the secretariat, the chair and the chairman see different forms on a ranking block
EXAMPLES = 10  # hypothesis examples per route, after the sweep
#: What a person (or a script) can put into a field. Bytes are sent as they are: invalid UTF-8, a lone surrogate
#: (CESU-8), a NUL; a list is several values for one name.
HOSTILE = [
    "1e309", "-1e309", str(10**40), f"-{10**40}", "NaN", "-nan", "Infinity", "-Infinity", "-0", "-0,0", "0x1A",
    "1_000", "1,5.3", "٣", "३", "３", "²", "Ⅳ", "x" * 10_000, "9" * 10_000, "", " ", "\x00", "2024-02-30",
    "31/12/99999", "99999-12-31T25:61", "<script>alert(1)</script>", "' OR 1=1 --", "\u202e\u200b",
    b"\xff\xfe", b"\xed\xa0\x80", b"a\x00b", ["1", "2"], ["", "1e309", "NaN"],
]
#: The values of the second sweep, where a field the view branches on keeps each of its page values.
CORE = ["1e309", str(10**40), "NaN", "Infinity", "-0", "²", "٣", "x" * 10_000, "9" * 10_000, "", b"\xff\xfe",
        ["1", "2"]]
NOT_SENT = {"logout", "healthz"}
SOURCE_KEYS = re.compile(r"""request\.(POST|GET|FILES)\.(?:get|getlist|pop)\(\s*f?["']([^"'{}]+)["']"""
                         r"""|["']([^"'{}]+)["']\s+(?:not\s+)?in\s+request\.(POST|GET)""")
LITERALS = re.compile(r'[!=]=\s*"([\w-]+)"')
LITERAL_TUPLES = re.compile(r'\bin\s+\(((?:\s*"[\w-]+",?)+)\)')
ERROR_MARKS = (b"is-invalid", b"errorlist", b"alert-danger", b'class="invalid-feedback')


# --------------------------------------------------------------------------- discovering the inputs


class _Forms(HTMLParser):
    """Each ``<form>``: (method, action, {field name: the values it had on the page (a select: its options)})."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, str, dict[str, set[str]]]] = []
        self._current: dict[str, set[str]] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = {}
            action = attrs.get("action") or attrs.get("data-hx-post") or ""
            method = "post" if attrs.get("data-hx-post") else (attrs.get("method") or "get").lower()
            self.forms.append((method, action, self._current))
        elif self._current is not None and tag in ("input", "select", "textarea", "button") and attrs.get("name"):
            name = attrs["name"]
            if name == "csrfmiddlewaretoken" or attrs.get("type") == "file":
                return
            self._current.setdefault(name, set()).add(attrs.get("value") or "")
            self._select = name if tag == "select" else None
        elif tag == "option" and self._current is not None and self._select:
            self._current[self._select].add(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None


def _url_name(page: str, action: str) -> str | None:
    path = urlsplit(action).path if action else urlsplit(page).path
    if not path.startswith("/"):
        path = urlsplit(page).path.rsplit("/", 1)[0] + "/" + path
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def _actors(route, method: str) -> tuple[str, ...]:
    """Who sends: the first ``ACTORS_PER_ROUTE`` actors allowed to use the route (anonymous for a public one)."""
    if route.public:
        return (matrix.ANONYMOUS,)
    allowed = route.post_allow if method == "POST" and route.post_allow is not None else route.allow
    return tuple(allowed[:ACTORS_PER_ROUTE])


def _actor(route, method: str) -> str:
    return _actors(route, method)[0]


def _source(name: str) -> str:
    view = resolve(reverse(name, kwargs=matrix.ROUTES[name].kwargs(_WORLD))).func
    view = inspect.unwrap(getattr(view, "view_class", view))
    try:
        return inspect.getsource(view)
    except (OSError, TypeError):
        return ""


def _source_keys(name: str) -> dict[str, set[str]]:
    source = _source(name)
    keys: dict[str, set[str]] = {"POST": set(), "GET": set()}
    for match in SOURCE_KEYS.finditer(source):
        where, key = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
        keys["GET" if where == "GET" else "POST"].add(key)
    return keys


_WORLD = None


def discover(world) -> dict[str, dict[str, dict[str, set[str]]]]:
    """{URL name: {"POST": {field: its page values}, "GET": {parameter: its page values}}} for every route that
    reads input. The view's own string literals compared with something (``action == "chair"``, ``step in
    ("send", "edit")``) join every field's page values, so the examples reach the branches behind them."""
    inputs: dict[str, dict[str, dict[str, set[str]]]] = {name: {"POST": {}, "GET": {}} for name in matrix.ROUTES}
    for name, route in sorted(matrix.ROUTES.items()):
        if "GET" not in route.methods or route.heavy or name in NOT_SENT:
            continue
        client = world.clients[_actor(route, "GET")]
        url = reverse(name, kwargs=route.kwargs(world))
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            matrix._consume(response)
            continue
        parser = _Forms()
        parser.feed(response.content.decode("utf-8", "replace"))
        for method, action, fields in parser.forms:
            target = _url_name(url, action)
            if target in inputs:
                bucket = inputs[target]["POST" if method == "post" else "GET"]
                for field, values in fields.items():
                    bucket.setdefault(field, set()).update(values)
    for name, route in matrix.ROUTES.items():
        for where, keys in _source_keys(name).items():
            for key in keys:
                inputs[name][where].setdefault(key, {""})
        for key, value in route.data(world).items():
            inputs[name]["POST"].setdefault(key, set()).update(map(str, value if isinstance(value, list) else [value]))
        if "POST" not in route.methods:
            inputs[name]["POST"] = {}
        literals = (set(LITERALS.findall(_source(name))) | {
            word for group in LITERAL_TUPLES.findall(_source(name)) for word in re.findall(r'"([\w-]+)"', group)}
        ) - {"GET", "POST"}
        branches = {}
        for where, fields in inputs[name].items():
            for field, values in fields.items():
                if values & literals:  # a field the view branches on: every literal of the view, page or not
                    branches[(where, field)] = sorted(literals)
                values.update(literals)
        world.branches[name] = branches
    return {name: found for name, found in inputs.items()
            if name not in NOT_SENT and (found["POST"] or found["GET"])}


# --------------------------------------------------------------------------- sending


def _encode(fields: dict) -> str:
    parts = []
    for key, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            encoded = quote_from_bytes(one, safe="") if isinstance(one, bytes) else quote(one, safe="")
            parts.append(f"{quote(key, safe='')}={encoded}")
    return "&".join(parts)


def _refused(response) -> bool:
    if response.status_code >= 400:
        return True
    storage = getattr(response.wsgi_request, "_messages", None)
    sent = [*getattr(storage, "_loaded_messages", []), *getattr(storage, "_queued_messages", [])]
    if any(m.level >= messages.ERROR for m in sent):
        return True
    body = b"" if response.streaming else response.content
    return response.status_code == 200 and any(mark in body for mark in ERROR_MARKS)


def send(world, name: str, method: str, fields: dict, *, htmx: bool = False, actor: str | None = None) -> str | None:
    """One hostile request in a rolled-back savepoint; what is wrong with its answer, or None."""
    route = matrix.ROUTES[name]
    actor = actor or _actor(route, method)
    client: Client = world.raw_clients[actor]
    client.cookies.pop("messages", None)
    url = reverse(name, kwargs=route.kwargs(world))
    headers = {"HX-Request": "true"} if htmx else {}
    body = _encode(fields)
    world.sent += 1
    with transaction.atomic():
        with watching() as watch:
            if method == "POST":
                response = client.post(url, body, content_type="application/x-www-form-urlencoded", headers=headers)
            else:
                response = client.get(f"{url}?{body}", headers=headers)
            matrix._consume(response)
        refused = _refused(response)
        changed = watch.changed() if refused else []
        transaction.set_rollback(True)
    shown = {k: (v[:40] + "…" if isinstance(v, str) and len(v) > 40 else v) for k, v in fields.items()}
    if response.status_code >= 500:
        error = response.exc_info[1] if getattr(response, "exc_info", None) else ""
        return f"{name} {method} as {actor}: HTTP {response.status_code} {type(error).__name__}: {error}  {shown}"
    if changed:
        return (f"{name} {method} as {actor}: refused (HTTP {response.status_code}) but changed "
                f"{', '.join(changed)}  {shown}")
    return None


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    global _WORLD
    with demo_province(django_db_blocker, tmp_path_factory, "hostile"):
        w = _WORLD = matrix._world()
        w.clients, w.raw_clients = {matrix.ANONYMOUS: Client()}, {matrix.ANONYMOUS: Client(
            raise_request_exception=False)}
        for name in (*matrix.ACTORS[1:], "admin"):
            for clients, raw in ((w.clients, True), (w.raw_clients, False)):
                clients[name] = Client(raise_request_exception=raw)
                clients[name].force_login(w.users[name])
        w.branches, w.sent = {}, 0
        w.inputs = discover(w)
        yield w
        print(f"\nhostile input: {w.sent} requests to {len(w.inputs)} routes that read input")
    _WORLD = None


def _values(page_values: set[str]):
    """A field's value in an example: one of its page values, a hostile value or any short text (a third each)."""
    return st.one_of(st.sampled_from(sorted(page_values)), st.sampled_from(HOSTILE),
                     st.text(st.characters(blacklist_categories=("Cs",)), max_size=12))


def test_inputs_are_discovered(world):
    """The discovery finds the forms it must (a guard against a parser that silently finds nothing)."""
    inputs = world.inputs
    assert {"value", "explanation", "version"} <= set(inputs["submissions:entry_save"]["POST"])
    assert {"level", "reason"} <= set(inputs["appraisal:quality_save"]["POST"])
    assert "node" in inputs["submissions:assignments"]["POST"]
    assert "tieu_chi" in inputs["appraisal:queue"]["GET"]
    assert any(field.startswith("n-") for field in inputs["appraisal:tally"]["POST"])
    assert any(field.startswith("node-") for field in inputs["submissions:departments"]["POST"])
    assert {"discipline", "evidence"} <= set(inputs["ranking:facts"]["POST"])
    assert {"approve", "revoke", "chair"} <= inputs["ranking:block"]["POST"]["action"]
    assert {"edit", "minutes", "send", "withdraw"} <= set(world.branches["submissions:review"][("POST", "step")])
    assert len(inputs) >= 30, sorted(inputs)


ROUTE_NAMES = sorted(name for name, route in matrix.ROUTES.items() if name not in NOT_SENT)


def _mixed(world, name: str, method: str, fields: dict, failures: list, actor: str) -> None:
    """Hypothesis examples: each field a hostile value, the value it had on its page, or any short text."""

    @settings(max_examples=examples(EXAMPLES), deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(data=st.fixed_dictionaries({field: _values(values) for field, values in fields.items()}),
           htmx=st.booleans())
    def mixed(data, htmx):
        failures.append(send(world, name, method, data, htmx=htmx, actor=actor))

    mixed()


@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_hostile_values_never_answer_5xx_and_a_refusal_changes_nothing(world, name):
    route = matrix.ROUTES[name]
    found = world.inputs.get(name, {"POST": {}, "GET": {}})
    failures: list[str] = []
    if "POST" in route.methods and not found["POST"]:
        failures.append(send(world, name, "POST", {}))  # a form with nothing in it
    for method in ("POST", "GET"):
        fields = found[method]
        if not fields or method not in route.methods:
            continue
        for actor in _actors(route, method):
            for value in HOSTILE:
                failures.append(send(world, name, method, dict.fromkeys(fields, value), actor=actor))
            for (where, branch), chosen in world.branches[name].items():
                for value in CORE if where == method else ():
                    for choice in chosen:  # e.g. ``step=assign``, every other field hostile
                        failures.append(send(world, name, method, {**dict.fromkeys(fields, value), branch: choice},
                                             actor=actor))
            _mixed(world, name, method, fields, failures, actor)
    if not failures:
        pytest.skip(f"{name} reads no form field and no query parameter")
    failures = sorted({f for f in failures if f})
    assert not failures, f"{len(failures)} failure(s):\n" + "\n".join(failures)


# --------------------------------------------------------------------------- the 500s this test found, one by one


def _answer(world, name: str, fields: dict) -> tuple[int, list[str]]:
    """Status and error messages of one POST (rolled back) as the route's allowed actor."""
    route = matrix.ROUTES[name]
    client = world.raw_clients[_actor(route, "POST")]
    client.cookies.pop("messages", None)
    with transaction.atomic(), watching() as watch:
        response = client.post(reverse(name, kwargs=route.kwargs(world)), _encode(fields),
                               content_type="application/x-www-form-urlencoded")
        storage = response.wsgi_request._messages
        errors = [m.message for m in [*storage._loaded_messages, *storage._queued_messages]
                  if m.level >= messages.ERROR]
        assert watch.changed() == [], watch.changed()
        transaction.set_rollback(True)
    return response.status_code, errors


@pytest.mark.parametrize("node", ["abc", "", str(10**40), "٣", "-1"])
def test_assignments_with_a_criterion_that_is_not_an_id_are_refused_in_vietnamese(world, node):
    status, errors = _answer(world, "submissions:assignments", {"node": node, "users": ["²", str(10**40)]})
    assert status == 302 and errors == ["Không tìm thấy tiêu chí cần phân công trong bộ tiêu chí của báo cáo: hãy tải "
                                        "lại trang rồi phân công lại. Chưa có thay đổi nào được lưu."]


@pytest.mark.parametrize("day", [str(10**40), f"1/1/{10**40}", "٣/٣/99999999999"])
def test_a_paper_dossier_date_beyond_any_calendar_is_refused(world, day):
    status, errors = _answer(world, "appraisal:paper_dossier", {"received_on": day, "note": ""})
    assert status == 302 and errors


@pytest.mark.parametrize("value", ["²", "9" * 10_000, str(10**40)])
def test_departments_refuse_an_id_in_other_digits_or_too_long(world, value):
    node = next(key for key in world.inputs["submissions:departments"]["POST"] if key.startswith("node-"))
    status, errors = _answer(world, "submissions:departments", {"step": "assign", node: value})
    assert status == 302 and errors == ["Phòng được chọn không hợp lệ: hãy tải lại trang rồi giao lại. Chưa có thay "
                                        "đổi nào được lưu."]
    status, errors = _answer(world, "submissions:departments", {"step": "departments", "members-new": value,
                                                                 "new_code": "", "new_name": ""})
    assert status == 302 and not errors  # nobody chosen: the list is saved as it was
