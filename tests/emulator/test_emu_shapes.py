"""What the docs leave open, varied: ids of every shape, and every form of a line's timestamp."""

from __future__ import annotations

import re

import pytest
from emu_helpers import MIN_MS, call, logs_path, now_ms

from baseten_logs.base.timestamps import timestamp_ns
from baseten_logs.emulator import DEMO_DEPLOYMENT_ID, DEMO_MODEL_ID, Emulator
from baseten_logs.emulator.catalogue import (
    IDLIKE_DEPLOYMENT_ID,
    IDLIKE_DEPLOYMENT_NAME,
    IDLIKE_MODEL_ID,
    IDLIKE_MODEL_NAME,
)
from baseten_logs.emulator.config import ID_STYLES
from tests.emulator.conftest import MakeEmu

SHAPES = {
    "7": re.compile(r"[a-z0-9]{7}"),
    "8": re.compile(r"[a-z0-9]{8}"),
    "mixed": re.compile(r"(?=.*[A-Z])(?=.*[a-z])[A-Za-z0-9]{7}"),
    "long": re.compile(r"[a-z0-9]{16}"),
}


@pytest.mark.parametrize("style", ID_STYLES)
def test_every_id_has_the_style_and_the_api_answers_by_it(make_emu: MakeEmu, style: str) -> None:
    emu = make_emu(id_style=style)
    models = call(emu, "/v1/models").json["models"]
    ids = [m["id"] for m in models]
    ids += [d.id for m in emu.models for d in m.deployments]
    assert all(SHAPES[style].fullmatch(i) for i in ids), ids
    assert any(i.isalpha() for i in ids)  # letters only: no digit promised either
    model_id, deployment_id = emu.id(DEMO_MODEL_ID), emu.id(DEMO_DEPLOYMENT_ID)
    assert model_id in ids
    end = now_ms(emu)
    params = {"start_epoch_millis": end - 10 * MIN_MS, "end_epoch_millis": end}
    assert call(emu, logs_path(model_id, deployment_id), params).status == 200
    if style != "7":  # the old shape is not an id any more
        assert call(emu, logs_path(), params).status == 404


def test_a_model_and_a_deployment_named_like_ids(emu: Emulator) -> None:
    models = call(emu, "/v1/models", {"name": IDLIKE_MODEL_NAME}).json["models"]
    assert [m["id"] for m in models] == [IDLIKE_MODEL_ID]
    path = f"/v1/models/{IDLIKE_MODEL_ID}/deployments"
    deployments = call(emu, path, {"name": IDLIKE_DEPLOYMENT_NAME}).json["deployments"]
    assert [d["id"] for d in deployments] == [IDLIKE_DEPLOYMENT_ID]


@pytest.mark.parametrize(
    ("form", "kind", "shape"),
    [
        ("ns", str, r"\d{19}"),
        ("ms", str, r"\d{13}"),
        ("iso", str, r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z"),
    ],
)
def test_each_timestamp_form_names_the_same_instants(
    make_emu: MakeEmu, form: str, kind: type, shape: str | None
) -> None:
    reference = make_emu()
    emu = make_emu(timestamp_form=form)
    end = now_ms(emu)
    params = {"start_epoch_millis": end - 10 * MIN_MS, "end_epoch_millis": end, "limit": 200}
    lines = call(emu, logs_path(), params).json["logs"]
    expected = call(reference, logs_path(), params).json["logs"]
    assert len(lines) == len(expected) == 200
    for line, truth in zip(lines, expected, strict=True):
        stamp = line.pop("timestamp")
        assert type(stamp) is kind
        if shape is not None:
            assert re.fullmatch(shape, str(stamp))
        exact = int(truth.pop("timestamp"))
        ns = timestamp_ns(stamp)
        assert ns == (exact // 1_000_000 * 1_000_000 if form == "ms" else exact)
        assert line == truth
