"""How a device finds where it is. A demand that needs positioning may name one method; a
module or terminal states the methods it supports in its `positioning` attribute.

GNSS (BeiDou/GPS) works outdoors on any network technology with a GNSS-capable module;
cellular positioning (cell ID / OTDOA) needs no extra hardware but is coarse (hundreds of
metres on NB-IoT); Wi-Fi and Bluetooth beacons position indoors to a few metres where the
site has them; UWB reaches tens of centimetres with anchors installed (factories, mines,
hospitals). The engine holds at most 7 methods (one byte per listing).
"""

from __future__ import annotations

POSITIONING_METHODS = [
    ("gnss", "卫星定位（北斗/GPS）", "Satellite (BeiDou/GPS)"),
    ("cellular", "基站定位", "Cellular network"),
    ("wifi", "Wi-Fi 定位", "Wi-Fi"),
    ("ble", "蓝牙信标定位", "Bluetooth beacons"),
    ("uwb", "UWB 高精度定位", "UWB (high precision)"),
]
POSITIONING_CODES = [code for code, _, _ in POSITIONING_METHODS]
