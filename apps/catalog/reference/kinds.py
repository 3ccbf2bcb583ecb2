"""Supply kinds along the chain (chip → module → terminal → connectivity → platform → ...).

Each kind's `attribute_spec` maps an attribute name to
`{"type": "string|integer|number|boolean|list", "required": bool, "choices": [...],
"choice_names": {choice: [zh, en]}, "min": n, "max": n, "label_zh": ..., "label_en": ...}`;
for lists, `choices` constrain the items (which are strings).
`apps.catalog.attributes.validate_attributes` enforces it.
"""

from __future__ import annotations

from .positioning import POSITIONING_CODES, POSITIONING_METHODS

FORM_FACTORS = ["LCC", "LGA", "M.2", "Mini PCIe"]
OPERATORS = ["cmcc", "ctcc", "cucc", "cbn"]


# Display names of the attribute choices that are codes rather than the words people use
# (IP67, RS485 or LCC are their own names): [zh, en]. Templates, forms and error messages show
# these names; the importer accepts them in either language as well as the codes.
CHOICE_NAMES = {
    "cmcc": ["中国移动", "China Mobile"],
    "ctcc": ["中国电信", "China Telecom"],
    "cucc": ["中国联通", "China Unicom"],
    "cbn": ["中国广电", "China Broadnet"],
    "monthly": ["月套餐", "Monthly plan"],
    "annual": ["年套餐", "Annual plan"],
    "pooled": ["流量池", "Pooled data"],
    "directed": ["定向流量", "Directed data"],
    "voice_sms": ["语音短信", "Voice and SMS"],
    "slice": ["网络切片", "Network slice"],
    "plug_in": ["插拔卡", "Plug-in SIM"],
    "mff2": ["贴片卡 (MFF2)", "Embedded SIM (MFF2)"],
    "esim": ["eSIM", "eSIM"],
    "card_month": ["元/卡/月", "per card-month"],
    "card_year": ["元/卡/年", "per card-year"],
    "public_cloud": ["公有云", "Public cloud"],
    "private": ["私有化部署", "Private deployment"],
    "hybrid": ["混合部署", "Hybrid"],
    "device_management": ["设备管理", "Device management"],
    "ota": ["远程升级 (OTA)", "Over-the-air update (OTA)"],
    "rules_engine": ["规则引擎", "Rules engine"],
    "data_analytics": ["数据分析", "Data analytics"],
    "video": ["视频", "Video"],
    "location": ["定位", "Location"],
    "alarm": ["告警", "Alarms"],
    "digital_twin": ["数字孪生", "Digital twin"],
    "device_year": ["元/设备/年", "per device-year"],
    "device_month": ["元/设备/月", "per device-month"],
    "project": ["按项目", "per project"],
    "turnkey": ["交钥匙工程", "Turnkey"],
    "saas": ["SaaS 订阅", "SaaS subscription"],
    "module": ["模组", "Module"],
    "terminal": ["终端", "Terminal"],
    "connectivity": ["连接（物联网卡）", "Connectivity (IoT SIM)"],
    "platform": ["平台", "Platform"],
    "installation": ["安装", "Installation"],
    "operation": ["运维", "Operation and maintenance"],
    "integration": ["系统集成", "System integration"],
    "testing": ["测试", "Testing"],
    "certification_support": ["认证辅导", "Certification support"],
    "consulting": ["咨询", "Consulting"],
    **{code: [zh, en] for code, zh, en in POSITIONING_METHODS},
}


def _attr(type_: str, zh: str, en: str, **extra: object) -> dict:
    choices = extra.get("choices") or ()
    names = {code: CHOICE_NAMES[code] for code in choices if code in CHOICE_NAMES}  # type: ignore[union-attr]
    if names:
        extra["choice_names"] = names
    return {"type": type_, "label_zh": zh, "label_en": en, **extra}


SUPPLY_KINDS = [
    {
        "code": "chip",
        "name_zh": "芯片",
        "name_en": "Chip",
        "chain_position": 1,
        "attribute_spec": {
            "platform": _attr("string", "芯片平台/系列", "Platform / series", required=True),
            "process_nm": _attr("integer", "制程 (nm)", "Process (nm)", min=3, max=180),
            "integrated_gnss": _attr("boolean", "集成 GNSS", "Integrated GNSS"),
            "open_cpu": _attr("boolean", "支持 OpenCPU", "OpenCPU support"),
        },
    },
    {
        "code": "module",
        "name_zh": "模组",
        "name_en": "Module",
        "chain_position": 2,
        "attribute_spec": {
            "chipset": _attr("string", "芯片平台", "Chipset", required=True),
            "form_factor": _attr(
                "string", "封装形式", "Form factor", required=True, choices=FORM_FACTORS
            ),
            "bands": _attr("list", "支持频段", "Bands"),
            "positioning": _attr(
                "list", "定位方式", "Positioning methods", choices=POSITIONING_CODES
            ),
            "psm_edrx": _attr("boolean", "支持 PSM/eDRX", "PSM/eDRX"),
            "operating_temp": _attr("string", "工作温度", "Operating temperature"),
        },
    },
    {
        "code": "terminal",
        "name_zh": "终端",
        "name_en": "Terminal",
        "chain_position": 3,
        "attribute_spec": {
            "ip_rating": _attr(
                "string",
                "防护等级",
                "IP rating",
                choices=["IP20", "IP54", "IP65", "IP66", "IP67", "IP68"],
            ),
            "embedded_module": _attr("string", "内置模组", "Embedded module"),
            "battery_mah": _attr("integer", "电池容量 (mAh)", "Battery (mAh)", min=0, max=200000),
            "positioning": _attr(
                "list", "定位方式", "Positioning methods", choices=POSITIONING_CODES
            ),
            "interfaces": _attr(
                "list",
                "接口",
                "Interfaces",
                choices=[
                    "RS485",
                    "RS232",
                    "Ethernet",
                    "CAN",
                    "USB",
                    "DI/DO",
                    "AI",
                    "M-Bus",
                    "Wi-Fi",
                    "Bluetooth",
                ],
            ),
        },
    },
    {
        "code": "connectivity",
        "name_zh": "连接（物联网卡）",
        "name_en": "Connectivity (IoT SIM)",
        "chain_position": 4,
        "attribute_spec": {
            "operator": _attr("string", "运营商", "Operator", required=True, choices=OPERATORS),
            "plan_types": _attr(
                "list",
                "套餐类型",
                "Plan types",
                choices=["monthly", "annual", "pooled", "directed", "voice_sms", "slice"],
            ),
            "card_forms": _attr(
                "list", "卡形态", "Card forms", choices=["plug_in", "mff2", "esim"]
            ),
            "price_unit": _attr(
                "string", "计价单位", "Price unit", choices=["card_month", "card_year"]
            ),
        },
    },
    {
        "code": "platform",
        "name_zh": "平台",
        "name_en": "Platform",
        "chain_position": 5,
        "attribute_spec": {
            "deployment": _attr(
                "string",
                "部署方式",
                "Deployment",
                required=True,
                choices=["public_cloud", "private", "hybrid"],
            ),
            "device_capacity": _attr("integer", "设备接入容量", "Device capacity", min=1),
            "features": _attr(
                "list",
                "功能",
                "Features",
                choices=[
                    "device_management",
                    "ota",
                    "rules_engine",
                    "data_analytics",
                    "video",
                    "location",
                    "alarm",
                    "digital_twin",
                ],
            ),
            "price_unit": _attr(
                "string",
                "计价单位",
                "Price unit",
                choices=["device_year", "device_month", "project"],
            ),
        },
    },
    {
        "code": "solution",
        "name_zh": "解决方案",
        "name_en": "Solution",
        "chain_position": 6,
        "attribute_spec": {
            "delivery": _attr(
                "string",
                "交付方式",
                "Delivery",
                required=True,
                choices=["turnkey", "saas", "project"],
            ),
            "includes": _attr(
                "list",
                "包含内容",
                "Includes",
                choices=[
                    "module",
                    "terminal",
                    "connectivity",
                    "platform",
                    "installation",
                    "operation",
                ],
            ),
            "reference_projects": _attr("integer", "落地案例数", "Reference projects", min=0),
        },
    },
    {
        "code": "service",
        "name_zh": "集成与运维服务",
        "name_en": "Integration and O&M service",
        "chain_position": 7,
        "attribute_spec": {
            "service_types": _attr(
                "list",
                "服务类型",
                "Service types",
                required=True,
                choices=[
                    "integration",
                    "installation",
                    "operation",
                    "testing",
                    "certification_support",
                    "consulting",
                ],
            ),
            "sla_hours": _attr(
                "integer", "响应时限（小时）", "Response SLA (hours)", min=1, max=720
            ),
            "on_site": _attr("boolean", "提供现场服务", "On-site service"),
        },
    },
]

# What a price or a budget is per (the engine compares them only in the same unit), and how a
# monthly price listed by connectivity or platform vendors becomes its yearly unit.
PRICE_UNITS = {
    "device": ("元/台", "per device"),
    "card_year": ("元/卡/年", "per card-year"),
    "device_year": ("元/设备/年", "per device-year"),
    "project": ("元/项目", "per project"),
}
MONTHLY_UNITS = {"card_month": "card_year", "device_month": "device_year"}
# A kind's price unit when its listing does not say (kinds without a price_unit attribute are
# priced per device).
DEFAULT_PRICE_UNITS = {"connectivity": "card_year", "platform": "device_year"}


def price_unit_of(kind: str, attributes: dict | None) -> tuple[str, float]:
    """(unit, factor): the unit an offering's price is in and what turns it into that unit
    (12 for a monthly price)."""
    unit = (attributes or {}).get("price_unit") or DEFAULT_PRICE_UNITS.get(kind, "device")
    if unit in MONTHLY_UNITS:
        return MONTHLY_UNITS[unit], 12.0
    return unit, 1.0


def kind_price_units(kind: str, attribute_spec: dict | None) -> list[str]:
    """The units offerings of a kind can be priced in: its default, then its attribute's."""
    choices = ((attribute_spec or {}).get("price_unit") or {}).get("choices") or []
    units = [DEFAULT_PRICE_UNITS.get(kind, "device")]
    units += [MONTHLY_UNITS.get(choice, choice) for choice in choices]
    return list(dict.fromkeys(units))
