"""What supply does (its function), per kind, and the functions each scenario needs.

A coordinator's first question is "is this the right kind of product for the scenario?".
Every offering declares one function of its kind; a demand states the functions it needs
(pre-filled from its scenario's `SCENARIO_FUNCTIONS`). An offering fits a demand when its
function is one the demand names for that kind, when the demand names none of that kind, or
when the function is general-purpose (`general`: a module, chip, IoT card, device-management
platform or integration service serves any scenario its technology serves).
"""

from __future__ import annotations

from collections.abc import Sequence

# (code, kind, zh, en, general)
FUNCTIONS = [
    # chip
    ("chip_lpwa", "chip", "NB-IoT / LPWA 芯片", "NB-IoT / LPWA chip", True),
    ("chip_cat1", "chip", "LTE Cat.1 芯片", "LTE Cat.1 chip", True),
    ("chip_4g", "chip", "LTE Cat.4 及以上芯片", "LTE Cat.4+ chip", True),
    ("chip_redcap", "chip", "5G RedCap 芯片", "5G RedCap chip", True),
    ("chip_5g", "chip", "5G 芯片", "5G chip", True),
    # module
    ("module_lpwa", "module", "NB-IoT / LPWA 模组", "NB-IoT / LPWA module", True),
    ("module_cat1", "module", "LTE Cat.1 模组", "LTE Cat.1 module", True),
    ("module_cat4", "module", "LTE Cat.4 模组", "LTE Cat.4 module", True),
    ("module_redcap", "module", "5G RedCap 模组", "5G RedCap module", True),
    ("module_5g", "module", "5G eMBB 模组", "5G eMBB module", True),
    ("module_5g_industrial", "module", "5G 工业/URLLC 模组", "5G industrial / URLLC module", True),
    ("module_automotive", "module", "车规级模组", "Automotive-grade module", False),
    # terminal
    ("water_meter", "terminal", "智能水表", "Smart water meter", False),
    ("gas_meter", "terminal", "智能燃气表", "Smart gas meter", False),
    ("heat_meter", "terminal", "智能热量表", "Smart heat meter", False),
    ("electricity_meter", "terminal", "智能电能表", "Smart electricity meter", False),
    ("smoke_alarm", "terminal", "烟感报警器", "Smoke alarm", False),
    ("gas_alarm", "terminal", "可燃气体探测器", "Combustible-gas detector", False),
    ("hydrant_monitor", "terminal", "消火栓监测终端", "Fire-hydrant monitor", False),
    ("manhole_sensor", "terminal", "井盖监测终端", "Manhole-cover sensor", False),
    ("parking_sensor", "terminal", "地磁车位检测器", "Parking sensor", False),
    ("street_light_controller", "terminal", "单灯控制器", "Street-light controller", False),
    ("pipe_sensor", "terminal", "管网压力/液位监测终端", "Pipe-network sensor", False),
    (
        "environment_monitor",
        "terminal",
        "空气质量/扬尘噪声监测仪",
        "Air / dust / noise monitor",
        False,
    ),
    ("water_quality_monitor", "terminal", "水质监测仪", "Water-quality monitor", False),
    (
        "pollution_monitor",
        "terminal",
        "污染源在线监测数采仪",
        "Pollution-source data logger",
        False,
    ),
    ("geohazard_monitor", "terminal", "地质灾害监测终端", "Geological-hazard monitor", False),
    ("soil_sensor", "terminal", "土壤墒情/气象传感器", "Soil-moisture / weather sensor", False),
    ("greenhouse_controller", "terminal", "温室环境控制器", "Greenhouse controller", False),
    (
        "irrigation_controller",
        "terminal",
        "灌溉控制器/阀控",
        "Irrigation controller / valve",
        False,
    ),
    ("aquaculture_monitor", "terminal", "水产养殖监测终端", "Aquaculture monitor", False),
    ("livestock_tracker", "terminal", "牲畜定位项圈/耳标", "Livestock collar / ear tag", False),
    ("asset_tracker", "terminal", "资产定位追踪器", "Asset tracker", False),
    ("cold_chain_logger", "terminal", "冷链温湿度记录仪", "Cold-chain logger", False),
    (
        "vehicle_terminal",
        "terminal",
        "车载定位终端（JT/T 808）",
        "Vehicle terminal (JT/T 808)",
        False,
    ),
    ("tbox", "terminal", "车载 T-Box", "Vehicle T-Box", False),
    ("v2x_unit", "terminal", "V2X 车载/路侧单元", "V2X on-board / roadside unit", False),
    ("two_wheeler_tracker", "terminal", "两轮车定位器", "Two-wheeler tracker", False),
    ("bike_lock", "terminal", "共享单车智能锁", "Shared-bike smart lock", False),
    ("charging_controller", "terminal", "充电桩控制器", "Charging-pile controller", False),
    (
        "distribution_terminal",
        "terminal",
        "配电自动化终端",
        "Distribution automation terminal",
        False,
    ),
    ("line_monitor", "terminal", "输电线路监测装置", "Power-line monitor", False),
    (
        "protection_terminal",
        "terminal",
        "差动保护通信终端",
        "Differential-protection terminal",
        False,
    ),
    ("dtu", "terminal", "DTU 数据传输终端", "DTU (data transfer unit)", False),
    ("industrial_gateway", "terminal", "工业网关", "Industrial gateway", False),
    (
        "industrial_controller",
        "terminal",
        "5G 工业控制终端",
        "5G industrial control terminal",
        False,
    ),
    ("agv_terminal", "terminal", "AGV 车载通信终端", "AGV communication terminal", False),
    ("mining_terminal", "terminal", "矿用防爆通信终端", "Explosion-proof mining terminal", False),
    ("router_cpe", "terminal", "路由器/CPE", "Router / CPE", False),
    ("camera", "terminal", "网络摄像机", "Network camera", False),
    ("handheld_pda", "terminal", "手持终端/PDA", "Handheld terminal / PDA", False),
    ("pos", "terminal", "POS 终端", "POS terminal", False),
    ("emergency_terminal", "terminal", "应急通信终端", "Emergency communication terminal", False),
    ("wearable", "terminal", "智能穿戴设备", "Wearable", False),
    ("medical_monitor", "terminal", "医疗监护设备", "Medical monitor", False),
    ("sos_terminal", "terminal", "紧急呼叫/养老终端", "SOS / elderly-care terminal", False),
    ("door_lock", "terminal", "智能门锁", "Smart door lock", False),
    (
        "appliance_controller",
        "terminal",
        "家电联网控制器",
        "Appliance connectivity controller",
        False,
    ),
    # connectivity
    ("card_nb_iot", "connectivity", "NB-IoT 物联网卡", "NB-IoT IoT card", True),
    ("card_4g", "connectivity", "4G 物联网卡", "4G IoT card", True),
    ("card_5g", "connectivity", "5G 物联网卡", "5G IoT card", True),
    ("private_5g", "connectivity", "5G 专网/网络切片", "5G private network / slice", False),
    # platform
    ("platform_device", "platform", "设备管理平台", "Device-management platform", True),
    ("platform_metering", "platform", "计量数据管理平台", "Meter-data management platform", False),
    ("platform_grid", "platform", "电力物联网平台", "Power-grid IoT platform", False),
    ("platform_fleet", "platform", "车辆与车队管理平台", "Vehicle / fleet platform", False),
    ("platform_video", "platform", "视频监控平台", "Video platform", False),
    ("platform_environment", "platform", "环境监测数据平台", "Environmental data platform", False),
    ("platform_industrial", "platform", "工业互联网平台", "Industrial internet platform", False),
    ("platform_city", "platform", "城市物联网管理平台", "City IoT management platform", False),
    ("platform_agriculture", "platform", "智慧农业平台", "Smart-agriculture platform", False),
    ("platform_health", "platform", "健康医疗数据平台", "Health-data platform", False),
    ("platform_home", "platform", "智能家居云平台", "Smart-home cloud platform", False),
    ("platform_location", "platform", "定位与资产管理平台", "Location / asset platform", False),
    (
        "platform_safety",
        "platform",
        "消防与安全监测平台",
        "Fire and safety monitoring platform",
        False,
    ),
    # solution
    ("solution_metering", "solution", "智能抄表解决方案", "Smart metering solution", False),
    ("solution_grid", "solution", "电力物联网解决方案", "Power-grid IoT solution", False),
    ("solution_safety", "solution", "消防与安全监测解决方案", "Fire and safety solution", False),
    ("solution_city", "solution", "智慧市政解决方案", "Smart-city solution", False),
    (
        "solution_environment",
        "solution",
        "环境监测解决方案",
        "Environmental monitoring solution",
        False,
    ),
    ("solution_agriculture", "solution", "智慧农业解决方案", "Smart-agriculture solution", False),
    (
        "solution_logistics",
        "solution",
        "物流追踪与车队解决方案",
        "Logistics and fleet solution",
        False,
    ),
    ("solution_vehicle", "solution", "车联网解决方案", "Connected-vehicle solution", False),
    ("solution_industrial", "solution", "工业互联网解决方案", "Industrial IoT solution", False),
    ("solution_health", "solution", "远程医疗与健康解决方案", "Remote health solution", False),
    (
        "solution_home",
        "solution",
        "智能家居与养老解决方案",
        "Smart-home and elderly-care solution",
        False,
    ),
    ("solution_emergency", "solution", "应急管理解决方案", "Emergency-management solution", False),
    # service
    ("service_integration", "service", "系统集成与部署", "Integration and deployment", False),
    ("service_operations", "service", "运维服务", "Operations and maintenance", False),
    ("service_certification", "service", "测试与认证服务", "Testing and certification", False),
    ("service_consulting", "service", "规划咨询", "Planning and consulting", False),
]

# Every scenario's deployment needs these services; a demand that needs a service names the
# services it wants (pre-filled with these), so a testing lab is not offered for installation.
EVERY_SCENARIO = ["service_integration", "service_operations"]
# Scenario → the non-general functions it needs besides EVERY_SCENARIO (general ones fit
# every scenario anyway); `scenario_functions` gives the whole list.
SCENARIO_FUNCTIONS: dict[str, list[str]] = {
    "industrial_manufacturing.equipment": [
        "dtu",
        "industrial_gateway",
        "platform_industrial",
        "solution_industrial",
    ],
    "industrial_manufacturing.dtu": [
        "dtu",
        "industrial_gateway",
        "router_cpe",
        "platform_industrial",
        "solution_industrial",
    ],
    "industrial_manufacturing.agv": [
        "agv_terminal",
        "industrial_gateway",
        "router_cpe",
        "private_5g",
        "platform_industrial",
        "solution_industrial",
    ],
    "industrial_manufacturing.video_qc": [
        "camera",
        "router_cpe",
        "industrial_gateway",
        "private_5g",
        "platform_video",
        "platform_industrial",
        "solution_industrial",
    ],
    "industrial_manufacturing.motion_control": [
        "industrial_controller",
        "industrial_gateway",
        "private_5g",
        "platform_industrial",
        "solution_industrial",
    ],
    "industrial_manufacturing.coal_mine": [
        "mining_terminal",
        "camera",
        "private_5g",
        "platform_industrial",
        "solution_industrial",
    ],
    "transport_logistics.asset_tracking": [
        "asset_tracker",
        "platform_location",
        "solution_logistics",
    ],
    "transport_logistics.cold_chain": [
        "cold_chain_logger",
        "asset_tracker",
        "platform_location",
        "solution_logistics",
    ],
    "transport_logistics.fleet_management": [
        "vehicle_terminal",
        "platform_fleet",
        "solution_logistics",
    ],
    "transport_logistics.smart_port": [
        "industrial_controller",
        "camera",
        "router_cpe",
        "private_5g",
        "platform_industrial",
        "platform_video",
        "solution_logistics",
    ],
    "transport_logistics.logistics_pda": ["handheld_pda", "solution_logistics"],
    "smart_grid.electricity_meter": [
        "electricity_meter",
        "platform_grid",
        "platform_metering",
        "solution_grid",
    ],
    "smart_grid.distribution_automation": [
        "distribution_terminal",
        "router_cpe",
        "private_5g",
        "platform_grid",
        "solution_grid",
    ],
    "smart_grid.differential_protection": [
        "protection_terminal",
        "router_cpe",
        "private_5g",
        "platform_grid",
        "solution_grid",
    ],
    "smart_grid.line_monitoring": ["line_monitor", "camera", "platform_grid", "solution_grid"],
    "smart_grid.charging_pile": [
        "charging_controller",
        "platform_grid",
        "solution_grid",
        "solution_vehicle",
    ],
    "smart_agriculture.soil_moisture": [
        "soil_sensor",
        "platform_agriculture",
        "solution_agriculture",
    ],
    "smart_agriculture.greenhouse": [
        "greenhouse_controller",
        "soil_sensor",
        "camera",
        "platform_agriculture",
        "solution_agriculture",
    ],
    "smart_agriculture.livestock_tracking": [
        "livestock_tracker",
        "platform_agriculture",
        "platform_location",
        "solution_agriculture",
    ],
    "smart_agriculture.irrigation": [
        "irrigation_controller",
        "soil_sensor",
        "platform_agriculture",
        "solution_agriculture",
    ],
    "smart_agriculture.aquaculture": [
        "aquaculture_monitor",
        "platform_agriculture",
        "solution_agriculture",
    ],
    "municipal.water_meter": ["water_meter", "platform_metering", "solution_metering"],
    "municipal.gas_meter": ["gas_meter", "platform_metering", "solution_metering"],
    "municipal.manhole_cover": ["manhole_sensor", "platform_city", "solution_city"],
    "municipal.street_light": ["street_light_controller", "platform_city", "solution_city"],
    "municipal.smart_parking": ["parking_sensor", "platform_city", "solution_city"],
    "municipal.pipe_network": ["pipe_sensor", "platform_city", "solution_city"],
    "environmental_protection.air_quality": [
        "environment_monitor",
        "platform_environment",
        "solution_environment",
    ],
    "environmental_protection.water_quality": [
        "water_quality_monitor",
        "platform_environment",
        "solution_environment",
    ],
    "environmental_protection.pollution": [
        "pollution_monitor",
        "platform_environment",
        "solution_environment",
    ],
    "environmental_protection.dust_noise": [
        "environment_monitor",
        "camera",
        "platform_environment",
        "solution_environment",
    ],
    "emergency_management.smoke_detector": ["smoke_alarm", "platform_safety", "solution_safety"],
    "emergency_management.gas_detector": ["gas_alarm", "platform_safety", "solution_safety"],
    "emergency_management.geological_hazard": [
        "geohazard_monitor",
        "camera",
        "platform_safety",
        "solution_emergency",
    ],
    "emergency_management.emergency_comm": [
        "emergency_terminal",
        "router_cpe",
        "private_5g",
        "platform_video",
        "solution_emergency",
    ],
    "emergency_management.fire_hydrant": ["hydrant_monitor", "platform_safety", "solution_safety"],
    "connected_vehicles.tbox": ["tbox", "module_automotive", "platform_fleet", "solution_vehicle"],
    "connected_vehicles.v2x": [
        "v2x_unit",
        "module_automotive",
        "platform_fleet",
        "solution_vehicle",
    ],
    "connected_vehicles.two_wheeler": [
        "two_wheeler_tracker",
        "platform_location",
        "platform_fleet",
        "solution_vehicle",
    ],
    "connected_vehicles.shared_bike": [
        "bike_lock",
        "platform_location",
        "platform_fleet",
        "solution_vehicle",
    ],
    "connected_vehicles.ev_monitoring": [
        "tbox",
        "module_automotive",
        "platform_fleet",
        "solution_vehicle",
    ],
    "healthcare.remote_monitoring": ["medical_monitor", "platform_health", "solution_health"],
    "healthcare.wearable": ["wearable", "platform_health", "solution_health"],
    "healthcare.device_connectivity": [
        "medical_monitor",
        "dtu",
        "router_cpe",
        "platform_health",
        "solution_health",
    ],
    "healthcare.ambulance": [
        "router_cpe",
        "camera",
        "medical_monitor",
        "platform_video",
        "platform_health",
        "solution_health",
    ],
    "healthcare.hospital_asset": ["asset_tracker", "platform_location", "solution_health"],
    "smart_home.door_lock": ["door_lock", "platform_home", "solution_home"],
    "smart_home.security_camera": ["camera", "platform_video", "platform_home", "solution_home"],
    "smart_home.appliance": ["appliance_controller", "platform_home", "solution_home"],
    "smart_home.elderly_alarm": [
        "sos_terminal",
        "wearable",
        "smoke_alarm",
        "platform_home",
        "platform_health",
        "solution_home",
    ],
}


def scenario_functions(code: str) -> list[str]:
    """Every function a scenario needs: its own and the services every deployment needs."""
    return [*SCENARIO_FUNCTIONS.get(code, []), *EVERY_SCENARIO]


# Words in a terminal's name or description that say what it is, most specific first; the
# best guess for listings created before offerings declared a function.
TERMINAL_WORDS = [
    ("燃气表", "gas_meter"),
    ("热量表", "heat_meter"),
    ("水表", "water_meter"),
    ("电能表", "electricity_meter"),
    ("电表", "electricity_meter"),
    ("烟感", "smoke_alarm"),
    ("烟雾", "smoke_alarm"),
    ("可燃气体", "gas_alarm"),
    ("燃气报警", "gas_alarm"),
    ("消火栓", "hydrant_monitor"),
    ("消防栓", "hydrant_monitor"),
    ("井盖", "manhole_sensor"),
    ("地磁", "parking_sensor"),
    ("车位", "parking_sensor"),
    ("单灯", "street_light_controller"),
    ("路灯", "street_light_controller"),
    ("管网", "pipe_sensor"),
    ("液位", "pipe_sensor"),
    ("水质", "water_quality_monitor"),
    ("扬尘", "environment_monitor"),
    ("空气质量", "environment_monitor"),
    ("污染源", "pollution_monitor"),
    ("地质灾害", "geohazard_monitor"),
    ("土壤", "soil_sensor"),
    ("墒情", "soil_sensor"),
    ("气象", "soil_sensor"),
    ("温室", "greenhouse_controller"),
    ("灌溉", "irrigation_controller"),
    ("滴灌", "irrigation_controller"),
    ("电磁阀", "irrigation_controller"),
    ("阀控", "irrigation_controller"),
    ("闸门", "irrigation_controller"),
    ("养殖", "aquaculture_monitor"),
    ("耳标", "livestock_tracker"),
    ("牲畜", "livestock_tracker"),
    ("冷链", "cold_chain_logger"),
    ("T-Box", "tbox"),
    ("TBOX", "tbox"),
    ("V2X", "v2x_unit"),
    ("两轮", "two_wheeler_tracker"),
    ("电动车", "two_wheeler_tracker"),
    ("单车", "bike_lock"),
    ("充电桩", "charging_controller"),
    ("配电", "distribution_terminal"),
    ("输电线路", "line_monitor"),
    ("差动保护", "protection_terminal"),
    ("AGV", "agv_terminal"),
    ("矿用", "mining_terminal"),
    ("防爆", "mining_terminal"),
    ("网关", "industrial_gateway"),
    ("DTU", "dtu"),
    ("CPE", "router_cpe"),
    ("通信终端", "router_cpe"),
    ("路由", "router_cpe"),
    ("摄像", "camera"),
    ("PDA", "handheld_pda"),
    ("手持", "handheld_pda"),
    ("POS", "pos"),
    ("手环", "wearable"),
    ("手表", "wearable"),
    ("穿戴", "wearable"),
    ("血压", "medical_monitor"),
    ("血糖", "medical_monitor"),
    ("心电", "medical_monitor"),
    ("监护", "medical_monitor"),
    ("SOS", "sos_terminal"),
    ("一键呼叫", "sos_terminal"),
    ("门锁", "door_lock"),
    ("定位", "asset_tracker"),
    ("追踪", "asset_tracker"),
]
# A terminal's old `device_type` attribute, when its text names nothing better.
DEVICE_TYPE_FUNCTIONS = {
    "meter": "water_meter",
    "tracker": "asset_tracker",
    "dtu": "dtu",
    "camera": "camera",
    "wearable": "wearable",
    "alarm": "smoke_alarm",
    "gateway": "industrial_gateway",
    "tbox": "tbox",
}
# Technology → the general function of each technology-bound kind.
TECHNOLOGY_FUNCTIONS = {
    "chip": {
        "nb_iot": "chip_lpwa",
        "cat1": "chip_cat1",
        "cat4": "chip_4g",
        "redcap": "chip_redcap",
        "nr_embb": "chip_5g",
        "nr_urllc": "chip_5g",
    },
    "module": {
        "nb_iot": "module_lpwa",
        "cat1": "module_cat1",
        "cat4": "module_cat4",
        "redcap": "module_redcap",
        "nr_embb": "module_5g",
        "nr_urllc": "module_5g_industrial",
    },
    "connectivity": {
        "nb_iot": "card_nb_iot",
        "cat1": "card_4g",
        "cat4": "card_4g",
        "redcap": "card_5g",
        "nr_embb": "card_5g",
        "nr_urllc": "private_5g",
    },
}
# Words in a platform's name or description that say what it specialises in.
PLATFORM_WORDS = [
    ("计量", "platform_metering"),
    ("抄表", "platform_metering"),
    ("电力", "platform_grid"),
    ("电网", "platform_grid"),
    ("车队", "platform_fleet"),
    ("车联网", "platform_fleet"),
    ("车辆", "platform_fleet"),
    ("视频", "platform_video"),
    ("环保", "platform_environment"),
    ("环境监测", "platform_environment"),
    ("工业互联网", "platform_industrial"),
    ("农业", "platform_agriculture"),
    ("健康", "platform_health"),
    ("医疗", "platform_health"),
    ("家居", "platform_home"),
    ("定位", "platform_location"),
    ("消防", "platform_safety"),
    ("市政", "platform_city"),
    ("城市", "platform_city"),
]
KIND_OF = {code: kind for code, kind, *_ in FUNCTIONS}

# The job a terminal does: terminals of one role can stand in for each other (a 5G gateway
# for an AGV's communication terminal, an SOS watch for an SOS button); a soil station cannot
# for a canal gate. Read by functions_meant.
TERMINAL_ROLES = {
    **dict.fromkeys(("water_meter", "gas_meter", "heat_meter", "electricity_meter"), "metering"),
    **dict.fromkeys(("smoke_alarm", "gas_alarm", "hydrant_monitor"), "safety"),
    **dict.fromkeys(
        (
            "manhole_sensor",
            "parking_sensor",
            "pipe_sensor",
            "environment_monitor",
            "water_quality_monitor",
            "pollution_monitor",
            "geohazard_monitor",
            "soil_sensor",
            "aquaculture_monitor",
            "line_monitor",
            "camera",
        ),
        "sensing",
    ),
    **dict.fromkeys(
        (
            "street_light_controller",
            "greenhouse_controller",
            "irrigation_controller",
            "charging_controller",
            "distribution_terminal",
            "protection_terminal",
            "industrial_controller",
            "appliance_controller",
            "door_lock",
        ),
        "control",
    ),
    **dict.fromkeys(
        (
            "livestock_tracker",
            "asset_tracker",
            "cold_chain_logger",
            "vehicle_terminal",
            "tbox",
            "v2x_unit",
            "two_wheeler_tracker",
            "bike_lock",
        ),
        "tracking",
    ),
    **dict.fromkeys(
        ("dtu", "industrial_gateway", "agv_terminal", "mining_terminal", "router_cpe"),
        "communication",
    ),
    **dict.fromkeys(("handheld_pda", "pos"), "handheld"),
    **dict.fromkeys(
        ("emergency_terminal", "wearable", "medical_monitor", "sos_terminal"), "personal"
    ),
}
KIND_DEFAULTS = {"platform": "platform_device", "service": "service_integration"}


def _named(words: list[tuple[str, str]], text: str) -> str | None:
    upper = text.upper()
    return next((code for word, code in words if word.upper() in upper), None)


def guess_function(
    kind: str,
    *,
    technologies: list[str],
    scenarios: list[str],
    name: str,
    description: str = "",
    attributes: dict | None = None,
) -> str | None:
    """The most likely function of a listing that does not declare one (None: no guess).

    Technology-bound kinds by their cheapest technology; terminals by the words of their name,
    then their scenarios' terminal functions, then the words of their description, then the
    old device type; platforms by their words (else device management); solutions by their
    scenarios; services as integration.
    """
    text = f"{name} {description}"
    if kind in TECHNOLOGY_FUNCTIONS:
        if kind == "module" and ("车规" in text or "automotive" in text.lower()):
            return "module_automotive"
        for tech in ("nb_iot", "cat1", "cat4", "redcap", "nr_embb", "nr_urllc"):
            if tech in technologies:
                return TECHNOLOGY_FUNCTIONS[kind][tech]
        return None
    if kind == "platform":
        return _named(PLATFORM_WORDS, text) or KIND_DEFAULTS["platform"]
    if kind == "terminal" and (found := _named(TERMINAL_WORDS, name)):
        return found
    for scenario in scenarios:
        for code in SCENARIO_FUNCTIONS.get(scenario, ()):
            if KIND_OF[code] == kind:
                return code
    if kind == "terminal":
        return _named(TERMINAL_WORDS, description) or DEVICE_TYPE_FUNCTIONS.get(
            str((attributes or {}).get("device_type", ""))
        )
    return KIND_DEFAULTS.get(kind)


def functions_meant(functions: Sequence[str], title: str, description: str) -> tuple[str, ...]:
    """The functions a demand asks for: those it states, but of terminals only the ones that
    do the job its title names, when the title names one of them.

    A demand's functions are pre-filled from its scenario (an irrigation tender states soil
    sensors and valve controllers alike); its title says what it is buying ("闸门测控" is a
    controller). Terminals of the same role (TERMINAL_ROLES) stay, as substitutes; others only
    when the description asks for them too ("可选配墒情传感器").
    """
    named = _all_named(TERMINAL_WORDS, title) & set(functions)
    if not named:
        return tuple(functions)
    roles = {TERMINAL_ROLES.get(code) for code in named}
    asked = named | _all_named(TERMINAL_WORDS, description)
    return tuple(
        code
        for code in functions
        if KIND_OF.get(code) != "terminal" or code in asked or TERMINAL_ROLES.get(code) in roles
    )


def _all_named(words: list[tuple[str, str]], text: str) -> set[str]:
    upper = text.upper()
    return {code for word, code in words if word.upper() in upper}


# A terminal is one thing: its text naming this many other kinds of device is keyword stuffing
# (on the relevance set only the stuffed listing names more than two; it names 17).
STUFFED_NAMES = 5


def keyword_stuffed(kind: str, function: str | None, text: str) -> bool:
    """Does a terminal's text name STUFFED_NAMES or more devices other than itself?"""
    if kind != "terminal":
        return False  # platforms, modules and solutions rightly list what they serve
    return len(_all_named(TERMINAL_WORDS, text) - {function}) >= STUFFED_NAMES
