"""Certifications and communication protocols an offering can carry or a scenario can require.

A certification belongs to the kinds of supply that can hold it (`CERTIFICATION_KINDS` by
category): a demand's required CCC or IP68 is asked of its modules and terminals, never of
its platform or IoT cards, and 等保 of platforms, solutions and services.
"""

from __future__ import annotations

# (code, zh, en, category)
CERTIFICATIONS = [
    ("ccc", "CCC 中国强制性产品认证", "CCC (China Compulsory Certification)", "regulatory"),
    ("srrc", "无线电发射设备型号核准（SRRC）", "SRRC radio type approval", "regulatory"),
    ("cta", "电信设备进网许可（CTA）", "CTA network access licence", "regulatory"),
    ("cmcc", "中国移动入库认证", "China Mobile certification", "operator"),
    ("ctcc", "中国电信入库认证", "China Telecom certification", "operator"),
    ("cucc", "中国联通入库认证", "China Unicom certification", "operator"),
    ("cbn", "中国广电入库认证", "China Broadnet certification", "operator"),
    ("ce", "CE 认证（欧盟）", "CE (EU)", "international"),
    ("fcc", "FCC 认证（美国）", "FCC (US)", "international"),
    ("gcf", "GCF 认证", "GCF certification", "international"),
    ("ptcrb", "PTCRB 认证", "PTCRB certification", "international"),
    ("explosion_proof", "防爆认证", "Explosion-proof (Ex) certification", "safety"),
    ("ip67", "IP67 防护等级", "IP67 ingress protection", "safety"),
    ("ip68", "IP68 防护等级", "IP68 ingress protection", "safety"),
    ("medical_device", "医疗器械注册证", "Medical device registration", "medical"),
    ("mlps", "网络安全等级保护（等保 2.0）三级", "MLPS 2.0 level 3", "security"),
    ("iso27001", "ISO/IEC 27001 信息安全管理体系", "ISO/IEC 27001", "security"),
    (
        "automotive",
        "车规认证（AEC-Q100 / IATF 16949）",
        "Automotive (AEC-Q100 / IATF 16949)",
        "industry",
    ),
]

HARDWARE = ("chip", "module", "terminal")
# Certification category → the supply kinds a certificate of that category applies to.
CERTIFICATION_KINDS = {
    "regulatory": ("module", "terminal"),
    "operator": ("module", "terminal"),
    "international": ("module", "terminal"),
    "safety": ("terminal",),
    "industry": HARDWARE,
    "medical": ("terminal",),
    "security": ("platform", "solution", "service"),
}

# (code, zh, en)
PROTOCOLS = [
    ("mqtt", "MQTT", "MQTT"),
    ("coap", "CoAP", "CoAP"),
    ("lwm2m", "LwM2M", "LwM2M"),
    ("http", "HTTP/HTTPS", "HTTP/HTTPS"),
    ("tcp_udp", "TCP/UDP 透传", "Raw TCP/UDP"),
    ("modbus", "Modbus", "Modbus"),
    ("opc_ua", "OPC UA", "OPC UA"),
    ("dlt645", "DL/T 645 电能表通信协议", "DL/T 645 (electricity meters)"),
    ("dlt698", "DL/T 698.45 电能信息采集协议", "DL/T 698.45 (energy data collection)"),
    ("cjt188", "CJ/T 188 户用计量仪表协议", "CJ/T 188 (household meters)"),
    ("jt808", "JT/T 808 车辆卫星定位协议", "JT/T 808 (vehicle positioning)"),
    ("gb32960", "GB/T 32960 电动汽车远程服务", "GB/T 32960 (EV remote monitoring)"),
    ("gb28181", "GB/T 28181 视频监控联网", "GB/T 28181 (video surveillance)"),
    ("hj212", "HJ 212 污染物在线监控数据传输", "HJ 212 (pollution monitoring data)"),
    ("ocpp", "OCPP 充电桩通信协议", "OCPP (charge points)"),
]
# A protocol a demand requires is asked of the kinds that speak it: industry data protocols of
# devices, platforms and solutions; transport protocols of modules too. General-purpose
# products (device-management platforms, module classes) adapt protocols and are not asked.
INDUSTRY_PROTOCOLS = ("dlt645", "dlt698", "cjt188", "jt808", "gb32960", "gb28181", "hj212", "ocpp")
PROTOCOL_KINDS = {
    code: ("terminal", "platform", "solution")
    if code in INDUSTRY_PROTOCOLS
    else ("module", "terminal", "platform", "solution")
    for code, _zh, _en in PROTOCOLS
}
