"""Network technologies and the thresholds the matching engine checks requirement profiles against.

Figures follow the 2024–25 market (DOMAIN: "high–low mix"). Decisions where the table is vague:
- latency is the *typical* end-to-end figure a demand's `max_latency_ms` is compared with; NB-IoT
  is set at 5 s ("seconds": 1.6–10 s measured in the field, longer in deep coverage);
- battery: the longest battery life a device of this technology reaches on a primary battery
  with PSM/eDRX (0 = mains only). Cat.1 bis with PSM reaches about a year at hourly reports;
  RedCap's half-year stands for rechargeable wearables;
- video: Cat.1 is marked able to carry video because ~5 Mbps uplink carries 720p H.264
  (4G Cat.1 cameras are a real product class); the uplink threshold decides higher resolutions.
  URLLC is for control loops and carries no voice or video in its slice;
- positioning: every technology can position with a GNSS-capable module or the network
  (NB-IoT + GNSS modules exist); mobility is what limits NB-IoT trackers;
- URLLC uplink "varies": 50 Mbps stands for a typical private-network slice.
"""

from __future__ import annotations

TECHNOLOGIES = [
    {
        "code": "nb_iot",
        "name_zh": "NB-IoT",
        "name_en": "NB-IoT",
        "max_uplink_kbps": 150,
        "typical_latency_ms": 5000,
        "max_mobility": 1,
        "max_coverage_depth": 2,
        "max_battery_years": "10.0",
        "supports_voice": False,
        "supports_video": False,
        "supports_positioning": True,
        "module_price_min": "10.00",
        "module_price_max": "20.00",
        "cost_rank": 1,
        "description_zh": "窄带物联网：小数据量、低频次、时延不敏感，深度覆盖（MCL 164 dB），"
        "PSM/eDRX 下电池可用 10 年；不支持语音和视频，不适合车载移动。",
        "description_en": "Narrowband IoT: small, infrequent, delay-tolerant data with the deepest "
        "coverage (MCL 164 dB) and up to 10 years on batteries (PSM/eDRX); no voice or video, "
        "poor for vehicles.",
    },
    {
        "code": "cat1",
        "name_zh": "LTE Cat.1 / Cat.1 bis",
        "name_en": "LTE Cat.1 / Cat.1 bis",
        "max_uplink_kbps": 5000,
        "typical_latency_ms": 80,
        "max_mobility": 3,
        "max_coverage_depth": 1,
        "max_battery_years": "1.0",
        "supports_voice": True,
        "supports_video": True,
        "supports_positioning": True,
        "module_price_min": "20.00",
        "module_price_max": "40.00",
        "cost_rank": 2,
        "description_zh": "中速物联网的主力：上行约 5 Mbps，时延 50–100 ms，支持高速移动和 "
        "VoLTE，适合移动终端、语音与支付终端及低清视频。",
        "description_en": "The mid-speed default: about 5 Mbps uplink, 50–100 ms latency, full "
        "vehicular mobility and VoLTE; for moving devices, voice and payment terminals and "
        "low-resolution video.",
    },
    {
        "code": "cat4",
        "name_zh": "LTE Cat.4",
        "name_en": "LTE Cat.4",
        "max_uplink_kbps": 50000,
        "typical_latency_ms": 40,
        "max_mobility": 3,
        "max_coverage_depth": 1,
        "max_battery_years": "0.0",
        "supports_voice": True,
        "supports_video": True,
        "supports_positioning": True,
        "module_price_min": "60.00",
        "module_price_max": "120.00",
        "cost_rank": 3,
        "description_zh": "高速 4G：上行约 50 Mbps，时延 30–50 ms，市电供电，适合高清视频回传、"
        "工业网关和车载终端。",
        "description_en": "High-speed 4G: about 50 Mbps uplink, 30–50 ms latency, mains powered; "
        "for HD video backhaul, industrial gateways and in-vehicle units.",
    },
    {
        "code": "redcap",
        "name_zh": "5G RedCap",
        "name_en": "5G RedCap",
        "max_uplink_kbps": 100000,
        "typical_latency_ms": 15,
        "max_mobility": 3,
        "max_coverage_depth": 1,
        "max_battery_years": "0.5",
        "supports_voice": True,
        "supports_video": True,
        "supports_positioning": True,
        "module_price_min": "80.00",
        "module_price_max": "200.00",
        "cost_rank": 4,
        "description_zh": "轻量化 5G：约 100 Mbps，时延 10–20 ms，支持切片、定位和 VoNR，"
        "面向视频监控、工业网关、电力和可穿戴设备。",
        "description_en": "Reduced-capability 5G: about 100 Mbps, 10–20 ms latency, slicing, "
        "positioning and VoNR without full 5G cost; for video, industrial gateways, power grid "
        "and wearables.",
    },
    {
        "code": "nr_embb",
        "name_zh": "5G eMBB",
        "name_en": "5G eMBB",
        "max_uplink_kbps": 1000000,
        "typical_latency_ms": 10,
        "max_mobility": 3,
        "max_coverage_depth": 1,
        "max_battery_years": "0.0",
        "supports_voice": True,
        "supports_video": True,
        "supports_positioning": True,
        "module_price_min": "300.00",
        "module_price_max": "800.00",
        "cost_rank": 5,
        "description_zh": "5G 增强移动宽带：1 Gbps 以上，时延约 10 ms，"
        "用于超高清视频、无人机和 AR。",
        "description_en": "5G enhanced mobile broadband: 1 Gbps and more, about 10 ms latency; "
        "for ultra-HD video, drones and AR.",
    },
    {
        "code": "nr_urllc",
        "name_zh": "5G URLLC",
        "name_en": "5G URLLC",
        "max_uplink_kbps": 50000,
        "typical_latency_ms": 1,
        "max_mobility": 3,
        "max_coverage_depth": 1,
        "max_battery_years": "0.0",
        "supports_voice": False,
        "supports_video": False,
        "supports_positioning": True,
        "module_price_min": "500.00",
        "module_price_max": "1500.00",
        "cost_rank": 6,
        "description_zh": "5G 高可靠低时延：约 1 ms、99.999% 可靠性，通常在 5G 专网中，"
        "用于控制闭环和配网差动保护。",
        "description_en": "5G ultra-reliable low latency: about 1 ms at 99.999 %, usually on a "
        "private 5G network; for control loops and differential protection.",
    },
]
