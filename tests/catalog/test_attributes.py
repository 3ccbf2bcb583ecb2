"""Kind-specific offering attributes checked against the supply kind's spec."""

from __future__ import annotations

import pytest

from apps.catalog.attributes import validate_attributes
from apps.catalog.reference.kinds import SUPPLY_KINDS

SPECS = {kind["code"]: kind["attribute_spec"] for kind in SUPPLY_KINDS}
MODULE = {
    "chipset": "移芯 EC618",
    "form_factor": "LCC",
    "bands": ["B3", "B5", "B8"],
    "positioning": ["gnss", "cellular"],
    "psm_edrx": True,
    "operating_temp": "-40℃ ~ +85℃",
}


def test_a_complete_module_is_valid():
    assert validate_attributes(spec=SPECS["module"], attributes=MODULE) == {}


def test_optional_attributes_may_be_left_out_or_blank():
    attributes = {"chipset": "移芯 EC618", "form_factor": "LGA", "bands": [], "positioning": None}
    assert validate_attributes(spec=SPECS["module"], attributes=attributes) == {}


def test_unknown_attribute_is_reported_with_the_ones_the_kind_has():
    errors = validate_attributes(spec=SPECS["module"], attributes={**MODULE, "colour": "red"})
    assert list(errors) == ["colour"]
    assert "未知属性" in errors["colour"][0] and "form_factor" in errors["colour"][0]


def test_missing_required_attributes_are_reported_each():
    errors = validate_attributes(spec=SPECS["module"], attributes={"psm_edrx": True})
    assert errors == {"chipset": ["请填写芯片平台。"], "form_factor": ["请填写封装形式。"]}


@pytest.mark.parametrize(
    ("kind", "name", "value"),
    [
        ("module", "psm_edrx", "yes"),
        ("module", "positioning", "gnss"),
        ("module", "bands", "B3,B5"),
        ("module", "bands", ["B3", 5]),
        ("module", "chipset", 618),
        ("platform", "device_capacity", True),
        ("platform", "device_capacity", 1.5),
        ("terminal", "battery_mah", "3600"),
    ],
)
def test_wrong_types_are_rejected(kind, name, value):
    base = {
        "module": MODULE,
        "platform": {"deployment": "private"},
        "terminal": {"ip_rating": "IP68"},
    }
    errors = validate_attributes(spec=SPECS[kind], attributes={**base[kind], name: value})
    assert list(errors) == [name]
    assert errors[name][0].startswith("类型错误")


def test_values_outside_the_choices_are_named():
    errors = validate_attributes(spec=SPECS["module"], attributes={**MODULE, "form_factor": "QFN"})
    assert "QFN" in errors["form_factor"][0] and "Mini PCIe" in errors["form_factor"][0]
    errors = validate_attributes(
        spec=SPECS["module"], attributes={**MODULE, "positioning": ["gnss", "satellite-phone"]}
    )
    message = errors["positioning"][0]
    assert "satellite-phone" in message and "UWB 高精度定位" in message
    errors = validate_attributes(
        spec=SPECS["platform"],
        attributes={"deployment": "public_cloud", "features": ["ota", "teleport", "alarm"]},
    )
    assert list(errors) == ["features"] and "teleport" in errors["features"][0]
    assert "ota" not in errors["features"][0].split("（")[0]


def test_numbers_outside_their_bounds_are_rejected():
    errors = validate_attributes(
        spec=SPECS["service"], attributes={"service_types": ["operation"], "sla_hours": 0}
    )
    assert errors == {"sla_hours": ["不能小于 1。"]}
    errors = validate_attributes(
        spec=SPECS["service"], attributes={"service_types": ["operation"], "sla_hours": 1000}
    )
    assert errors == {"sla_hours": ["不能大于 720。"]}


def test_attributes_that_are_not_an_object_are_one_error():
    for value in (["chipset"], "chipset=x", None, 3):
        assert list(validate_attributes(spec=SPECS["module"], attributes=value)) == ["attributes"]


def test_a_malformed_spec_fails_loudly():
    with pytest.raises(ValueError, match="unknown attribute type"):
        validate_attributes(spec={"x": {"type": "date"}}, attributes={"x": "2026-01-01"})
