"""The grader's processes speak one protocol (mmlcalc_grade.protocol) with one deadline model.

Every message kind is sent through a real frame both ways (to JSON and back) and comes
out equal; the kinds a notebook's process may send are also fed hostile frames, which
either become safe values or are refused; the time limits nest as documented.
"""

from __future__ import annotations

import json
import os

import pytest

from mmlcalc_grade import frames, protocol
from mmlcalc_grade.deadlines import Deadlines
from mmlcalc_grade.protocol import Ending, EndKind

#: One example of every message kind.
EXAMPLES = [
    protocol.CellRan(
        label="w1_secant", error={"type": "ValueError", "message": "bad"}, seconds=0.2
    ),
    protocol.CellRan(label="setup", error=None, seconds=0.0),
    protocol.TestsReady(),
    protocol.Request(
        op="call",
        id=3,
        target=5,
        args=[1.5, {"$": "tuple", "items": [1, 2]}],
        kwargs={"h": 0.1},
        timeout=2.5,
        watch=["mmlcalc.calculus"],
    ),
    protocol.Request(op="getitem", id=4, target=0, args=[0], kwargs={}),
    protocol.Reply(id=3, value=2.0, changed={"0": [1.0, 2.0]}, called="mmlcalc.calculus"),
    protocol.Reply(id=4, error={"type": "IndexError", "message": "out of range", "mine": 9}),
    protocol.Reply(id=5, value=None),
    protocol.ServerJob(
        program={"cells": [], "chunks": []},
        limits={"memory_mb": 512},
        files=[["data.csv", "eDEK"]],
        deadlines={"notebook": 30, "cell": 5},
    ),
    protocol.ServerReady(pid=2, sandboxed=True),
    protocol.Started(workdir="/home/learner", timeout=30.0, memory_mb=512, disk_mb=64, processes=8),
    protocol.JobEnd(reason="memory", exit=None, signal="SIGKILL", clean=True),
    protocol.Unavailable(why="bubblewrap (the bwrap command) is not installed"),
    protocol.SetupRan(label="imports", error=None),
    protocol.ChunkRan(index=2, records=[{"kind": "expect", "ok": True}], error=None, seconds=0.1),
    protocol.JobResult(ending=Ending.timeout("a call ran too long").to_json(), code_seconds=1.5),
]


def through_a_pipe(message: protocol.Message) -> protocol.Message:
    read, write = os.pipe()
    try:
        frames.write(write, message.to_json())
        os.close(write)
        return protocol.parse(frames.read(read, 2**20))
    finally:
        os.close(read)


def test_every_kind_has_an_example():
    assert {type(m).KIND for m in EXAMPLES} == set(protocol._KINDS)


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda m: type(m).__name__)
def test_every_message_crosses_a_frame_and_comes_back_equal(message):
    assert through_a_pipe(message) == message


def test_a_reply_without_a_value_is_not_a_reply_whose_value_is_none():
    assert "value" not in protocol.Reply(id=1, error={"type": "E", "message": ""}).to_json()
    assert protocol.parse({"m": "reply", "id": 1, "value": None}).value is None
    assert protocol.parse({"m": "reply", "id": 1}).value is protocol.ABSENT


@pytest.mark.parametrize(
    "frame",
    [
        [1, 2],
        {"m": "no such kind"},
        {"no": "kind"},
        {"m": "request", "op": "call", "id": "1", "target": 0, "args": [], "kwargs": {}},
        {"m": "request", "op": "call", "id": 1, "target": 0, "args": "x", "kwargs": {}},
        {"m": "reply", "id": None, "value": 1},
        {"m": "reply", "id": 1, "error": "not a record"},
        {"m": "reply", "id": 1, "value": 1, "changed": [1]},
    ],
)
def test_a_frame_that_is_no_message_is_refused(frame):
    with pytest.raises(protocol.ProtocolError):
        protocol.parse(frame)


def test_a_notebooks_messages_are_cleaned_field_by_field():
    cell = protocol.parse({"m": "cell", "label": "x" * 10_000, "error": {"type": 7}, "seconds": -1})
    assert len(cell.label) == protocol.MAX_LABEL and cell.error == {"type": "7", "message": ""}
    request = protocol.parse(
        {"m": "request", "op": "call" * 100, "id": 1, "target": 0, "args": [], "kwargs": None,
         "timeout": "forever", "watch": "numpy"}
    )  # fmt: skip
    assert len(request.op) == 40 and request.timeout is None and request.watch is None
    reply = protocol.parse({"m": "reply", "id": 1, "value": 1, "called": {"x": 1}})
    assert reply.called is None


def test_outcomes_are_a_type_not_strings():
    for ending in (Ending.done(), Ending.timeout(), Ending.crashed("killed by SIGKILL")):
        assert Ending.from_json(json.loads(json.dumps(ending.to_json()))) == ending
    assert Ending.crashed("why").kind is EndKind.CRASHED
    assert Ending.from_json({"kind": "exploded"}).kind is EndKind.CRASHED


def test_limits_cross_into_the_sandbox_without_the_graders_policy():
    limits = protocol.Limits(memory_mb=100, processes=3)
    assert protocol.Limits.from_json(json.loads(json.dumps(limits.to_json()))) == limits
    assert not {"isolation", "protected"} & set(limits.to_json())


@pytest.mark.parametrize("notebook, cell", [(300, 30), (40, 5), (1, 0.5), (10, 30), (3600, 1)])
def test_the_time_limits_nest_as_documented(notebook, cell):
    limits = Deadlines(notebook=notebook, cell=cell)
    # a call in a test part: the part's time left, capped by the test's own alarm plus slack
    assert limits.call_limit(left=cell) == cell
    assert limits.call_limit(left=cell, alarm=cell / 2) == min(cell, cell / 2 + limits.alarm_slack)
    # the test process calls the notebook lost only after the call's limit and the grace
    assert limits.grace > 0 and limits.alarm_slack < limits.grace
    # the notebook (server) < the test process's backstop < the grader's backstop
    assert limits.notebook < limits.test_process < limits.grader
    assert limits.grader - limits.test_process > limits.finish  # the test process answers first
    # servers start within their own limits, independent of the job
    assert limits.server_start < limits.test_process_start
    with pytest.raises(ValueError):
        Deadlines(notebook=0, cell=cell)
