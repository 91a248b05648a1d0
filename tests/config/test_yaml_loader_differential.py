"""The workspace's YAML loader (libyaml parser, memoised scalar resolution, str scalars taken
directly, merge handling only where `<<`/`=` keys are written) builds exactly what PyYAML's own
pure-Python SafeLoader builds: YAML 1.1 typing included (issue 12, cold load)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from provisioner.config.yamlmarks import (
    MarkedDict,
    YamlError,
    _load_plain_document,
    _load_simple_document,
    _load_with_full_loader,
    _NotPlain,
    load_yaml_text,
)
from tests.conftest import Platforms, cli, quickstart_providers

CORPUS = [
    # booleans, YAML 1.1 spellings (`no` is Norway's trap)
    "a: yes\nb: no\nc: on\nd: off\ne: y\nf: n\ng: True\nh: FALSE\ni: 'no'\nj: \"yes\"\n",
    # null
    "a: ~\nb: null\nc: Null\nd:\ne: '~'\n",
    # integers: octal-looking, hex, binary, sexagesimal, underscores, signs
    "a: 0755\nb: 0o17\nc: 0x1F\nd: 0b101\ne: 190:20:30\nf: 1_000\ng: -12\nh: +7\ni: '0755'\nj: 08\n",
    # floats
    "a: 1e3\nb: 1.0e3\nc: 1.5\nd: .inf\ne: -.Inf\nf: .nan\ng: 6.8523015e+5\nh: 190:20:30.15\ni: 1_000.5\n",
    # timestamps and dates
    "a: 2030-03-01\nb: 2030-03-01T00:00:00Z\nc: 2030-03-01 10:00:00.5 +02:00\nd: 2030-3-1\ne: '2030-03-01'\n",
    # strings that look like other things, repeated values (the resolver memo)
    "a: EUR\nb: EUR\nc: '1.5'\nd: 1.5\ne: 1.5\nf: yes\ng: 'yes'\nh: yes\ni: a-b\nj: '-'\n",
    # nested flow and block collections, complex keys, non-str keys
    "campaigns:\n  t-1: {amount: 25, target: {type: product, id: p_1}, list: [1, two, 3.0, null]}\n"
    "  ? explicit key\n  : complex\n  1: int key\n  2030-01-01: date key\n  no: bool key\n",
    # merge keys, a list of merges, the `=` value key, anchors and aliases on every kind of node
    "base: &b {x: 1, y: 2}\nmore: &m {z: 3}\none: {<<: *b, q: 20}\ntwo: {<<: [*b, *m], w: 0}\n"
    "s: &s scalar\nt: *s\nn: &n 5\nm: *n\nl: &l [1, 2]\nk: *l\nv: {=: value key}\n",
    # explicit tags
    "a: !!str 123\nb: !!int '7'\nc: !!float '1'\nd: !!bool 'yes'\ne: !!binary aGVsbG8=\nf: !!set {x, y}\n"
    "g: !!omap [{a: 1}, {b: 2}]\nh: !!null ''\n",
    # block scalars, multi-line, unicode, quoting
    "a: |\n  line one\n  line two\nb: >\n  folded\n  text\nc: \"tab\\tand \\u00e9\"\nd: 'it''s'\ne: Ørsted\n",
    # top-level sequence and scalar documents
    "- 1\n- yes\n- {a: no}\n",
    "just text\n",
    "",
]


def _plain(value: Any) -> Any:
    """Drop the line marks so the two loaders' results compare as plain Python values."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


@pytest.mark.parametrize("text", CORPUS)
def test_loader_builds_what_the_pure_python_safe_loader_builds(text: str) -> None:
    expected = yaml.load(text, Loader=yaml.SafeLoader)  # the reference: pure-Python SafeLoader
    loaded = load_yaml_text(text.encode())
    assert _plain(loaded) == expected
    assert type(_plain(loaded)) is type(expected)
    if isinstance(expected, dict):  # same types, value by value (1 == True == 1.0 would hide a change)
        assert [type(item) for item in _plain(loaded).values()] == [type(item) for item in expected.values()]


@pytest.mark.parametrize("text", ["a: !!python/object:os.system {}\n", "a: !custom 1\n",
                                  ])
def test_what_the_safe_loader_refuses_is_refused(text: str) -> None:
    with pytest.raises(yaml.YAMLError):
        yaml.load(text, Loader=yaml.SafeLoader)  # the reference: pure-Python SafeLoader
    with pytest.raises(YamlError):
        load_yaml_text(text.encode())


def test_types_of_nested_values_are_kept() -> None:
    loaded = load_yaml_text(b"a: {b: [no, 0755, 1e3, 2030-03-01, ~, '5']}\n")
    assert [type(item).__name__ for item in loaded["a"]["b"]] == ["bool", "int", "str", "date", "NoneType", "str"]
    assert isinstance(loaded["a"], MarkedDict) and loaded["a"].lines == {"b": 1}


def test_duplicate_keys_are_refused_with_their_lines() -> None:
    with pytest.raises(YamlError) as raised:
        load_yaml_text(b"campaigns:\n  a: 1\n  b: 2\n  a: 3\n")
    assert raised.value.line == 4 and "first written on line 2" in str(raised.value)
    with pytest.raises(YamlError):  # a duplicate that only a merge key would hide is still a duplicate
        load_yaml_text(b"x: 1\nx: 2\n")


def test_marks_name_the_line_of_each_key() -> None:
    loaded = load_yaml_text(b"campaigns:\n  t-1:\n    name: n\n\n    budget: {amount: 1}\n")
    assert loaded.lines == {"campaigns": 1}
    assert loaded["campaigns"]["t-1"].lines == {"name": 3, "budget": 5}
    assert loaded["campaigns"]["t-1"]["budget"].line == 5


# ---- the fast path: documents built from libyaml's events (plain mappings, lists, untagged scalars) ----

CAMPAIGN_FILE = (
    "campaigns:\n"
    "  t-1:\n    provider: topsort\n    name: Topsort 1\n    budget: {amount: 1500, type: daily}\n"
    "    startDate: 2030-03-01T00:00:00Z\n    endDate: 2030-03-31\n"
    "    bids: [{amount: 25, target: {type: product, id: p_1}}]\n"
    "  t-2:\n    provider: topsort\n    name: 'no'\n    budget: {amount: 0755, type: daily}\n"
    "    active: no\n    ratio: 1e3\n    empty:\n    notes: |\n      two\n      lines\n"
)
PLAIN = [CAMPAIGN_FILE, *CORPUS[:6], CORPUS[9], CORPUS[10], CORPUS[11], CORPUS[12],
         "---\na: 1\n...\n", "# only a comment\n", "---\n"]
NOT_PLAIN = [
    "a: &x 1\nb: *x\n",  # anchors and aliases: the alias limits are checked on the full loader's nodes
    "a: &x {b: 1}\n",
    "base: {x: 1}\none: {<<: {x: 2}, q: 20}\n",  # merge keys
    "v: {=: value key}\n",
    "a: !!str 123\n",  # explicit tags
    "a: !custom 1\n",
    "? [complex, key]\n: value\n",
    "campaigns:\n  a: 1\n  b: 2\n  a: 3\n",  # a duplicate key: reported by the full loader
    "a: 1\n---\nb: 2\n",  # a second document
    "%YAML 1.1\n---\na: 1\n",
    "a: [1, 2\n",  # invalid YAML: the full loader names the line
]


def _marks(value: Any) -> Any:
    """Every mapping's line and key lines, and every value's type, in document order."""
    if isinstance(value, MarkedDict):
        return ("map", value.line, value.lines, [(key, _marks(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("seq", [_marks(item) for item in value])
    return (type(value).__name__, value)


@pytest.mark.parametrize("text", PLAIN)
def test_plain_documents_are_built_from_events_exactly_as_the_full_loader_builds_them(text: str) -> None:
    built = _load_plain_document(text)  # raises if the fast path refused: it must take these
    assert _marks(built) == _marks(_load_with_full_loader(text))
    assert _plain(built) == yaml.load(text, Loader=yaml.SafeLoader)
    assert _marks(load_yaml_text(text.encode())) == _marks(built)


@pytest.mark.parametrize("text", NOT_PLAIN)
def test_what_the_fast_path_does_not_handle_goes_to_the_full_loader(text: str) -> None:
    with pytest.raises((_NotPlain, yaml.YAMLError)):
        _load_plain_document(text)
    try:
        expected: Any = _marks(_load_with_full_loader(text))
    except YamlError as error:
        expected = ("error", str(error), error.line)
    try:
        got: Any = _marks(load_yaml_text(text.encode()))
    except YamlError as error:
        got = ("error", str(error), error.line)
    assert got == expected


@pytest.mark.parametrize("text", CORPUS)
def test_the_fast_path_never_builds_something_else(text: str) -> None:
    try:
        built = _load_plain_document(text)
    except (_NotPlain, yaml.YAMLError):
        return
    assert _marks(built) == _marks(_load_with_full_loader(text))


def test_errors_keep_their_lines_and_messages() -> None:
    with pytest.raises(YamlError) as raised:
        load_yaml_text(b"campaigns:\n  t-1:\n    name: [unclosed\n    budget: 1\n")
    with pytest.raises(YamlError) as reference:
        _load_with_full_loader("campaigns:\n  t-1:\n    name: [unclosed\n    budget: 1\n")
    assert (str(raised.value), raised.value.line) == (str(reference.value), reference.value.line)
    assert raised.value.line is not None


def test_a_collection_as_a_key_is_an_error_with_its_line() -> None:
    with pytest.raises(YamlError) as raised:
        load_yaml_text(b"campaigns:\n  ? [complex, key]\n  : value\n")
    assert raised.value.line == 2 and "a key must be" in str(raised.value)


@pytest.mark.parametrize("text", [CORPUS[6], "a: &x 1\nb: *x\n"])  # the event builder; the full loader
def test_loading_leaves_no_reference_cycle_behind(text: str) -> None:
    """A plan pauses the cyclic collector and then freezes what it loaded: a cycle left by each file
    (the builder's recursive closure held the parser, the file's text and a tuple per scalar) was
    kept for the whole run, 30 MB at 50,000 campaigns."""
    import gc

    gc.collect()
    gc.disable()
    try:
        load_yaml_text(text.encode())
        assert gc.collect() == 0
    finally:
        gc.enable()


# ---- the line reader: the subset campaign files are written in, read without libyaml's events ----

def _shape(value: Any) -> Any:
    """What a loader built, down to key types, lines and float spellings (1 == True, nan != nan)."""
    if isinstance(value, MarkedDict):
        return ("map", value.line, [(type(key).__name__, repr(key), value.lines[key], _shape(item))
                                    for key, item in value.items()], len(value.lines))
    if isinstance(value, list):
        return ("seq", [_shape(item) for item in value])
    return (type(value).__name__, repr(value))


def _outcome(load: Any, text: str) -> Any:
    try:
        return _shape(load(text))
    except YamlError as error:
        return ("error", str(error), error.line)
    except yaml.YAMLError as error:  # (control characters: libyaml's reader error, as it always was)
        return ("reader error", str(error))


SIMPLE = [
    CAMPAIGN_FILE.split("    notes: |")[0],  # (a block scalar is not the line reader's)
    CORPUS[0], CORPUS[1], CORPUS[2], CORPUS[3], CORPUS[4], CORPUS[5],
    "campaigns:\n  k-1:\n    provider: skala\n    company: {id: 10}\n    startDate: 2030-04-01\n"
    "    landingPage: https://example.com/open-house/n1?a=b&c=d\n"
    "    campaignFieldValues:\n      headline: {type: FREETEXT, text: Open house n1}\n"
    "      image: {type: PICTURE, picture: {id: 3301}}\n    budgetOptionId: 500\n",
    "# a comment\n\na:   1   # trailing comment\nb: 'it''s'  \nc: \"a # b, {c}\"\nd: [ ]\ne: { }\n"
    "f: [1,2 , three four, 'x, y', \"z]\"]\ng: {a: {b: [c, {d: e}]}, f: ~}\nh: Ørsted café\ni:\nj: x:y\n",
    "  indented: root\n  second: 2\n",
    "a:\n  # comment between\n\n  b:\n      c: deeper\n  d: 1\ne:\n",
    "1: int key\n2030-01-01: date key\nno: bool key\nnull: none key\n1.5: float key\nmy key: spaces in a key\n",
    "a: -1\nb: -.5\nc: +7\nd: .inf\ne: 12:30\nf: 190:20:30.15\ng: 0b101\nh: 0o17\ni: 1_000.5\nj: -x\n",
    "url: {href: http://example.com:8080/path}\nlist: [http://a.b/c, d]\n",
    "a: b #c\n", "a: [{b: 1}, [c]]\n",
    "null:\n  a: 1\nb:\n  x~: 2\n",  # a key that is None, with a nested mapping
    # block sequences of one-line values, their `-` at the key's indentation or further in
    "a:\n- 1\n- 2\n", "a:\n  - 1\n", "bids:\n  - {amount: 25, target: {type: product, id: p_1}}\n\n"
    "  # between\n  - [yes, no]  # c\n  - 'q'\nname: x\nnext:\n- \"d\"\n-   spaced\n",
    "a:\n  b:\n    - x\n  c:\n  - y\nd: 1\n",
]
NOT_SIMPLE = [
    "a: |\n  text\n", "a: b\n  continued\n", "a: \"esc\\n\"\n",
    "a: 'multi\n  line'\n", "a: {b: 1,\n  c: 2}\n", "a: &x 1\nb: *x\n", "a: !!str 1\n", "a: ! 12\n",
    "a:\tb\n", "a: 1\r\nb: 2\r\n", "\ufeffa: 1\n", "a: b\u2028c\n", "a: \U0001f600\n", "---\na: 1\n",
    "a: 1\n...\n", "%YAML 1.1\n---\na: 1\n", "a: b: c\n", "a: b:\n", "a:b\n", "a : b\n",
    "a: b#c\n", "a: {b: 1,}\n", "a: {b:1}\n", "a: {b}\n", "a: [b: c]\n", "a: {b: c: d}\n", "a: [1, , 2]\n",
    "a: [1]x\n", "a: {b: 1}#c\n", "a: \"x\"y\n", "<<: {a: 1}\n", "a: <<\n", "a: =\n", "a: ?x\n", "a: - x\n",
    "a: @x\n", "a: `x\n", "a: %x\n", "a: 1\na: 2\n", "a: {b: 1, b: 2}\n", "a: 1\n b: 2\n", "  a: 1\nb: 2\n",
    "a:\n    b: 1\n  c: 2\n", "? a\n: b\n", "\"a\": 1\n", "", "# only\n", "just text\n",
    "a: {b: [1, 2}]\n", "a:\n- b: 1\n", "a:\n-\n  - x\n", "a:\n  - x\n   - y\n", "a:\n  - x\n  b: 1\n",
    "- a\n", "a:\n  - x\n    y\n", "a: 1\n- x\n", "a:\n  - - x\n", "a:\n  -\n", "a:\n  - # c\n",
    "a:\n  b: 1\n - x\n", "a:\n  - x\n- y\n", "a:\n  - x\n    b: 1\n", "a:\n  - a: b\n",
    "a: 'x\n", "a: x\t\n", "a: \x7f\n", "k" * 1100 + ": long key\n", "a: [1, 2\n",
]


EDGES = [  # hand-written: colons, `#`, flow commas, YAML 1.1 numbers, dates and booleans as keys
    # and values, indentation the reader must refuse; taken or not, each loads as the full loader loads it
    'a: b, c\n', 'a: x "y"\n', 'a: x%y\n', 'a: x !y &z *w\n', 'a: x\\y\n', 'a: a:b\n', 'a: {b: c:d}\n',
    'a: {url: http://x.com/a?b=c&d=e}\n', 'a: [x,y]\n', 'a: [x ,y]\n', 'a: {b: 1 , c: 2}\n', 'a: [a b, c]\n',
    'a: [-1, -x, -.5, .5]\n', 'a:\n- x\nb: 1\n', 'a:\n  b:\n  - x\n  c: 1\n', 'a:\n  - 1\n  - 2\nd: 3\n',
    "a: 'x # y'\n", 'a: "x # y"\n', 'a: x #c\n', 'a: x  #c  \n', "a: ''\n", 'a: ""\n', "a: 'it''s'\n", 'a: ~\n',
    'a: null\n', 'null: 1\nb: 2\n', '~: 1\n', '1: a\n2.5: b\n2030-01-01: c\ntrue: d\n',
    'a: 0x1F\nb: 0o17\nc: 017\nd: 1_000\ne: 1e3\nf: 1.0e+3\ng: .inf\nh: -.Inf\ni: .NaN\nj: +12\n'
    'k: 190:20:30\nl: 2030-04-01\nm: 2030-04-01T00:00:00Z\nn: 2001-12-14 21:59:43.10 -5\no: yes\n'
    'p: No\nq: ON\nr: off\ns: y\nt: 0b101\nu: -0\nv: 08\nw: 09.5\nx: 1.\ny: ._\nz: +.5\n',
    'a: é\nb: 日本\nc: x ü y\n', '  a: 1\n  b: 2\n', 'a:\n    b: 1\n    c:\n      d: 2\ne: 3\n',
    'a: [1, [2, [3, {x: y}]], {}]\n', 'a: {b: {c: {d: [1]}}}\n', 'x: -\n', 'x: - a\n', 'x: --a\n', 'x: a - b\n',
    "x: 'a'  # c\n", 'x: "a\\"b"\n', 'x: [a, "b", \'c\'\'d\', {e: "f"}]\n', 'a: 1\nb:\nc: 2\n',
    'a:\nb:\n  c:\nd:\n', 'a: 3 \n', 'a:  3\n', 'a: 12:30\n', 'a: 1:2:3.5\n', 'a: 2002-12-14t21:59:43.10-05:00\n',
    'a: {b: 2030-01-01, c: 1:30}\n', 'a: [yes, no, on, off, ~, null, Null, NULL, true]\n', 'a: x:y:z\n',
    'a: x:/y\n', 'a: [x:y]\n', 'a: {x: y:z}\n', 'a: - \n', 'key with spaces: v\n', 'k-1_x: v\n',
    "a:\n- [1, 2]\n- {x: 1}\n- 'q'\n- 3\n", 'a:\n  - x  # c\n  # comment line\n  - y\n',
    'a:\n  - x\n\n  - y\nb: 2\n', 'a: b\n# c\n  # c2\nd: e\n', 'a:\n  # comment\n  b: 1\n', 'a: 1\na2: !!str 1\n',
    'a: -1e3\n', 'a: 6.8523015e+5\n', 'a: 685.230_15e+03\n', 'a: 685_230.15\n', 'a: 1__0\n', 'a: 0.\n',
    'a: -.5e-3\n', 'a: 190:20:30.15\n', 'a: 0x_1A\n', 'a: 0b1_0\n', 'a: +0b1\n', 'a: -0x1F\n', 'a: 0\n', 'a: 00\n',
    'a: 0o\n', 'a: 2030-1-1\n', 'a: 2030-01-01 \n', 'a: 2030-01-01T00:00:00.123456789Z\n',
    'a: 2030-01-01   10:00:00\n', 'a: 2030-01-01T10:00:00+05:30\n', 'a: 2030-01-01t10:00:00 +05\n',
    'on: 1\noff: 2\ny: 3\nn: 4\n', '1e3: x\n1.5e3: y\n', "a: 'x'y'\n", 'a: "x"y"\n', 'a: x: y\n', 'a: [a, b]: c\n',
    'a: {b: 1}: c\n', 'a: x # c # d\n', 'a: "x" # c\nb: \'y\'#c\n', 'a:\n  - x\n - y\n',
    'a:\n  b:\n    - x\n  c: 1\n', 'a:\n  b: 1\n  b: 2\n', 'a: {b: 1, b: 2}\n', 'a: {1: x, 1.0: y}\n',
    'a: [1, 2, ]\n', 'a: {b: 1, }\n', 'a: [ ]\n', 'a: { }\n', 'a: [  1  ,  2  ]\n', 'a: {  b:  1  }\n',
    'a: {b:  {c:   d}}\n', 'a: x,y\n', 'a: [x y z]\n', 'a: {b c: d e}\n', 'a: _x\n', '_a: 1\n', '0a: 1\n',
    '-a: 1\n', 'a.b: 1\n', 'a/b: 1\n', 'a@b: 1\n', 'a!b: 1\n', 'a&b: 1\n', 'a*b: 1\n', 'a|b: 1\n', 'a>b: 1\n',
    "a'b: 1\n", 'a"b: 1\n', 'a?b: 1\n', 'a%b: 1\n', 'a=b: 1\n', 'a: =b\n', 'a: b=\n', 'a: <<\n', 'a: x<<y\n',
    'a: {<<: x}\n', 'a: [<<]\n', 'a: .\n', 'a: ..\n', 'a: ...\n', 'a: ---\n', 'a: -- -\n', 'a: 2030-04-01 # date\n',
    "a: [2030-04-01, '2030-04-01']\n", 'a: "2030-04-01"\n', 'a: TRUE\nb: True\nc: tRUE\n',
    'a: Yes\nb: YES\nc: yES\n', 'a: [.inf, -.inf, +.inf, .nan, .NAN, .Inf]\n', 'a: 1,000\n', 'a: 1,000.5\n',
    'a: +1_2\n', 'a: 3.14e\n', 'a: 1e+3\n', 'a: 1.0e3\n', 'a: 1.0E+3\n', 'a: 12e03\n',
]


@pytest.mark.parametrize("text", SIMPLE)
def test_the_line_reader_builds_what_the_full_loader_builds(text: str) -> None:
    built = _load_simple_document(text)  # raises if the line reader refused: it must take these
    assert _shape(built) == _shape(_load_with_full_loader(text))
    assert _shape(load_yaml_text(text.encode())) == _shape(built)


@pytest.mark.parametrize("text", NOT_SIMPLE + NOT_PLAIN + CORPUS + EDGES)
def test_what_the_line_reader_does_not_take_loads_as_before(text: str) -> None:
    try:
        built = _load_simple_document(text)
    except _NotPlain:
        pass
    else:  # it took it: exactly what the full loader builds
        assert _shape(built) == _outcome(_load_with_full_loader, text)
    assert _outcome(lambda t: load_yaml_text(t.encode()), text) == _outcome(_load_with_full_loader, text)


def test_the_edge_cases_exercise_the_line_reader() -> None:
    """Most of EDGES are in the line reader's subset, so the comparison above checks what it builds
    (not only that it hands the rest on)."""
    taken = 0
    for text in EDGES:
        try:
            _load_simple_document(text)
        except _NotPlain:
            continue
        taken += 1
    assert taken >= 100, taken


def test_repeated_lines_build_fresh_collections_with_their_own_lines() -> None:
    """Each distinct line is read once: what a repeated one builds is still a mapping (or list) of
    its own, marked with the line it is written on."""
    text = "a:\n  budget: {amount: 1, to: [x, {y: 1}]}\nb:\n  budget: {amount: 1, to: [x, {y: 1}]}\n"
    loaded = _load_simple_document(text)
    assert _shape(loaded) == _shape(_load_with_full_loader(text))
    first, second = loaded["a"]["budget"], loaded["b"]["budget"]
    assert first == second and first is not second and first["to"] is not second["to"]
    assert first["to"][1] is not second["to"][1]
    assert (first.line, first.lines) == (2, {"amount": 2, "to": 2})
    assert (second.line, second.lines) == (4, {"amount": 4, "to": 4})
    assert (first["to"][1].line, second["to"][1].line) == (2, 4)
    first["to"].append("changed")
    assert second["to"] == ["x", {"y": 1}]


def test_the_line_reader_refuses_what_it_does_not_handle() -> None:
    refused = [text for text in NOT_SIMPLE if text and text not in ("# only\n",)]
    for text in refused:
        with pytest.raises(_NotPlain):
            _load_simple_document(text)


_KEYS = ["a", "b", "k-n000001", "campaigns", "my key", "it's", "1", "yes", "no", "2030-01-01", "1.5", "x_y",
         "a#b", "a:b", "-k", "null", "~", "\"q\"", "Ørsted", "a?b", "(x)", "a b ", "k" * 3]
_SCALARS = ["yes", "no", "on", "Off", "y", "0755", "08", "0x1F", "1_000", "190:20:30", "1e3", "1.0e3", ".inf",
            "-.Inf", ".nan", "-1", "+7", "-.5", "2030-03-01", "2030-3-1", "2030-03-01T00:00:00Z",
            "2030-03-01 10:00:00.5 +02:00", "~", "null", "''", "'it''s'", "\"a # b\"", "\"esc\\n\"", "a #c",
            "a#b", "https://x.com/a?b=c&d", "a: b", "a:", "http://x:80/", "12:30", "Open house n1", "a  b",
            "Ørsted", "café", "- x", "?x", "x?", "<<", "=", "&a x", "*a", "!!str 1", "! 12", "|", ">", "@x",
            "`x", "%x", "a,b", "EUR", "FREETEXT", "a'b", "a\"b", "x\\y", "a ", "  b", "a\tb", "-", ":", "#",
            "'x'y", "\"x\" ", "'a\nb'", "\u00a0x", "x\u00a0"]
_FLOWS = ["[1, 2]", "[1,2]", "[ ]", "[]", "{}", "{ a: 1 }", "{a: 1,}", "{a:1}", "{a: {b: [c, {d: e}]}}",
          "{url: http://x.com/y}", "[a: b]", "{a: b: c}", "{a: 'x, y'}", "{a: \"x}\"}", "[a, , b]", "[a]b",
          "{a: 1}#c", "{a: 1} # c", "{type: FREETEXT, text: Open house n1}", "{id: 3301}", "[yes, no, ~, 1e3]",
          "{a: 1, a: 2}", "{1: x, 2030-01-01: y}", "{a: x, b: [1, {c: 2030-03-01}]}", "[{a: 1}, [2]]",
          "{a: [1, 2}]", "{ a : 1 }", "{a:  x  , b:y}"]


def _taken(text: str) -> bool:
    try:
        _load_simple_document(text)
    except _NotPlain:
        return False
    return True


def _random_document(rng: Any) -> str:
    """Mostly pieces the line reader takes on their own, with a document's share of others."""
    odd = rng.choice([0.0, 0.0, 0.02, 0.1, 0.4])
    keys, scalars, flows = _KEYS, _SCALARS, _FLOWS
    if rng.random() >= odd:
        keys = [key for key in _KEYS if _taken(f"{key}: x\n")]
        scalars = [value for value in _SCALARS if _taken(f"a: {value}\n")]
        flows = [value for value in _FLOWS if _taken(f"a: {value}\n")]
    lines: list[str] = []
    depth_indents = [0]
    for _ in range(rng.randint(1, 14)):
        roll = rng.random()
        indent = depth_indents[-1]
        if roll < 0.05:
            lines.append(rng.choice(["", "   ", "# c", "  # deeper comment"] if rng.random() >= odd else
                                    ["\t", "- item", "  continued", "---", "..."]))
            continue
        if roll < 0.15 and len(depth_indents) > 1:
            depth_indents.pop()
            indent = depth_indents[-1]
        if rng.random() < odd:
            indent += rng.choice([-1, 1, 2])
        key = rng.choice(keys)
        pad = " " * max(indent, 0)
        kind = rng.random()
        if kind < 0.1:  # a block sequence as the value
            lines.append(f"{pad}{key}:{rng.choice(['', '', ' # c'])}")
            at = " " * max(0, indent + rng.choice([0, 2, 2, 4] if rng.random() >= odd else [-1, 1, 3]))
            for _ in range(rng.randint(1, 3)):
                item = rng.choice(scalars + flows) if rng.random() >= odd else rng.choice(
                    ["", "# c", "- x", "a: b", "a:", "{a: 1}: b", "\"a\": b", "x\n" + at + "  y"])
                lines.append(f"{at}-{rng.choice([' ', ' ', '  '])}{item}")
        elif kind < 0.25 and len(depth_indents) < 5:
            lines.append(f"{pad}{key}:{rng.choice(['', '', '  ', ' # c'])}")
            depth_indents.append(indent + rng.choice([2, 2, 2, 1, 4]))
        elif kind < 0.65:
            lines.append(f"{pad}{key}: {rng.choice(scalars)}{rng.choice(['', '', ' ', '  # c'])}")
        else:
            lines.append(f"{pad}{key}: {rng.choice(flows)}{rng.choice(['', '', ' ', '  # c'])}")
    return "\n".join(lines) + rng.choice(["\n", "", "\n\n", "\n" if rng.random() >= odd else "\r\n"])


def test_random_documents_load_exactly_as_the_full_loader_loads_them() -> None:
    """Documents in and around the line reader's subset (every scalar spelling YAML 1.1 types, the
    indicators it refuses, odd indentation, comments, duplicates): whatever the line reader takes
    is what the full loader builds, and every document loads (or fails, with the same message and
    line) exactly as the full loader alone loads it."""
    import random

    rng = random.Random(12)
    taken = with_items = 0
    for _ in range(3000):
        text = _random_document(rng)
        expected = _outcome(_load_with_full_loader, text)
        try:
            built = _load_simple_document(text)
        except _NotPlain:
            pass
        else:
            taken += 1
            with_items += "\n-" in text or "\n  -" in text
            assert _shape(built) == expected, text
        assert _outcome(lambda t: load_yaml_text(t.encode()), text) == expected, text
    assert with_items > 100  # (block sequences among them)
    assert taken > 800  # the line reader took a good share (else this tests the other loaders only)


def test_marked_mappings_keep_their_marks_without_an_instance_dict() -> None:
    """Every mapping of every campaign is a MarkedDict: a per-instance __dict__ (304 bytes) for
    its two marks was a third of building one."""
    loaded = load_yaml_text(b"a:\n  b: {c: 1}\n")
    assert not hasattr(loaded, "__dict__") and not hasattr(loaded["a"]["b"], "__dict__")
    assert (loaded.line, loaded.lines, loaded["a"]["b"].line, loaded["a"]["b"].lines) == (1, {"a": 1}, 2, {"c": 2})
    import copy

    copied = copy.deepcopy(loaded)
    assert (copied == loaded and copied["a"].lines == {"b": 2} and copied["a"].line == 2)


def _refuse(text: str) -> Any:
    raise _NotPlain


def test_plans_and_errors_through_the_cli_are_the_same_without_the_line_reader(
        tmp_path: Path, platforms: Platforms, secret_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The public surface: a cold plan's file, byte for byte, and a broken workspace's report (file,
    line, field) are what the event builder and the full loader give when the line reader is off."""
    from provisioner.config import yamlmarks
    from provisioner.config.cache import cache_path

    monkeypatch.setenv("PROVISIONER_NOW", "2030-02-01T00:00:00Z")
    root = tmp_path / "ws"
    root.mkdir()
    (root / "providers.yaml").write_text(quickstart_providers(platforms))
    campaigns = "campaigns:\n" + "".join(
        f"  sale-{n}:  # a comment\n    provider: topsort\n    name: 'Sale {n}'\n\n"
        f"    budget: {{amount: {1000 + n}, type: daily}}\n    startDate: 2030-03-01T00:00:00Z\n"
        f"    endDate: 2030-03-31T00:00:00Z\n    bids: [{{amount: 25, target: {{type: product, id: p_{n}}}}}]\n"
        for n in range(4))
    (root / "campaigns.yaml").write_text(campaigns)
    assert cli("apply", str(root), "--auto-approve").exit_code == 0  # state, and its lineage, exist
    campaigns = campaigns.replace("amount: 1001", "amount: 2001")  # an update among unchanged campaigns
    (root / "campaigns.yaml").write_text(campaigns)
    assert _load_simple_document(campaigns)  # (the line reader takes this file)

    def outcomes() -> list[Any]:
        shutil.rmtree(cache_path(root).parent, ignore_errors=True)
        planned = cli("plan", str(root), "--out", str(tmp_path / "plan.json"))
        (root / "broken.yaml").write_text("campaigns:\n  bad-1:\n    provider: topsort\n    name: [1, 2]\n"
                                          "    budget: {amount: no, type: daily}\n  sale-0:\n    provider: topsort\n")
        broken = cli("validate", str(root))
        (root / "broken.yaml").unlink()
        return [planned.exit_code, (tmp_path / "plan.json").read_bytes(), broken.exit_code, broken.output]

    with_reader = outcomes()
    monkeypatch.setattr(yamlmarks, "_load_simple_document", _refuse)
    assert outcomes() == with_reader
    assert with_reader[0] == 0 and b'"update"' in with_reader[1]
    assert with_reader[2] == 1 and "broken.yaml:4" in with_reader[3] and "broken.yaml:5" in with_reader[3]
