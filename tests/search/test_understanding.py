"""Query understanding without a database: synonyms, places, relaxing, and corrections towards
the words an index holds (a stand-in vocabulary with the Lexicon interface)."""

from __future__ import annotations

from apps.search.understanding import (
    alternatives_of,
    correct,
    damerau_distance,
    initials_weight,
    minimum_match,
    pinyin_of,
    readings,
    term_groups,
)


class WordsOfAnIndex:
    """A vocabulary: word → how many listings are it by function (more is preferred)."""

    def __init__(self, words: dict[str, int]) -> None:
        self.words = words

    def _best(self, candidates):
        return sorted(candidates, key=lambda w: (-self.words[w], w))

    def known(self, words):
        return {w for w in words if w in self.words}

    def by_pinyin(self, pinyins):
        found = {}
        for pinyin in set(pinyins):
            matches = [w for w in self.words if pinyin_of(w)[0] == pinyin]
            if matches:
                found[pinyin] = self._best(matches)[0]
        return found

    def by_initials(self, initials):
        return [
            (w, self.words[w])
            for w in self._best(
                [
                    w
                    for w in self.words
                    if pinyin_of(w)[1] == initials and len(w) == len(initials) and self.words[w]
                ]
            )
        ]

    def similar_latin(self, word):
        return self._best([w for w in self.words if not pinyin_of(w)[0] and w[0] == word[0]])

    def one_character_off(self, word):
        return self._best(
            [
                w
                for w in self.words
                if len(w) == len(word)
                and w != word
                and self.words[w]
                and sum(a != b for a, b in zip(w, word, strict=True)) == 1
            ]
        )


INDEX = WordsOfAnIndex(
    {
        "水表": 8,
        "设备": 2,
        "地磁": 1,
        "检测": 1,
        "监测": 5,
        "检测器": 1,
        "烟感": 3,
        "报警": 3,
        "报警器": 3,
        "物": 0,
        "联网": 0,
        "卡": 2,
        "water": 1,
        "meter": 1,
        "t": 0,
        "box": 0,
        "河北": 0,
    }
)


def test_pinyin_and_initials_become_the_chinese_word_most_listings_are():
    assert correct("shuibiao", INDEX) == "水表"
    assert correct("sb", INDEX) == "水表"
    assert correct("hebei 水表", INDEX) == "河北 水表"
    # several words' pinyin run together: the fewest words of the index spelling it
    assert correct("wulianwangka", INDEX) == "物联网卡"


def test_ambiguous_initials_offer_the_other_readings_too():
    assert readings("sb 监测", INDEX) == ["水表 监测", "设备 监测"]
    assert readings("水表", INDEX) == []


def test_initials_prefer_the_word_naming_a_product_over_a_generic_one():
    # given a few more listings named 设备 (wearables, medical monitors, device management)
    # than 水表
    index = WordsOfAnIndex({"设备": 9, "水表": 8, "上报": 0, "手表": 0})
    # then sb reads 水表, the word that names one product, and offers 设备 after it
    assert readings("sb", index) == ["水表", "设备"]
    # while a word with clearly more listings behind it still wins
    assert readings("sb", WordsOfAnIndex({"设备": 40, "水表": 2})) == ["设备", "水表"]


def test_initials_weight_words_by_how_specifically_they_name_a_product():
    assert initials_weight("水表", 8) > initials_weight("设备", 8) > initials_weight("终端", 8)
    # a synonym names what its canonical word names (电能表 ↔ 电表)
    assert initials_weight("电表", 5) == initials_weight("电能表", 5)
    # a word naming no reference function weighs least
    assert initials_weight("上报", 8) < initials_weight("终端", 8)


def test_a_wrong_character_is_corrected_by_sound_with_its_neighbour():
    assert correct("水标", INDEX) == "水表"
    # 检侧 alone sounds like 监测 and 检测; with the 器 after it only 检测器 fits
    assert correct("地磁检侧器", INDEX) == "地磁检测器"
    assert correct("烟感报警气", INDEX) == "烟感报警器"


def test_latin_typos_and_words_run_together():
    assert correct("waetr meter", INDEX) == "water meter"
    assert correct("tbox", INDEX) == "t box"


def test_a_query_the_index_understands_is_left_alone():
    assert correct("水表 water", INDEX) is None
    assert correct("量子", INDEX) is None


def test_synonyms_count_both_ways_and_everyday_words_find_the_listed_ones():
    assert ("电能表",) in alternatives_of("电表")
    assert ("电表",) in alternatives_of("电能表")
    assert ("消火栓",) in alternatives_of("消防栓")
    assert ("手持",) in alternatives_of("巴枪")
    assert ("nb", "iot") in alternatives_of("nbiot")
    assert ("模组",) in alternatives_of("模块")
    assert alternatives_of("水表") == (("水表",),)
    # the index has no stemmer: an English word also counts as its singular or plural
    assert alternatives_of("meter") == (("meter",), ("meters",))
    assert alternatives_of("detectors") == (("detectors",), ("detector",))
    assert alternatives_of("iot") == (("iot",),)


def test_a_word_with_synonyms_stands_for_its_parts():
    (hydrant,) = term_groups("消防栓")
    assert hydrant.alternatives == (("消防栓",), ("消火栓",))


def test_a_place_name_is_also_the_region_it_names():
    (meter, hebei) = term_groups("水表 河北", {"河北": ("130000",)})
    assert meter.regions == ()
    assert hebei.regions == ("130000",)
    assert hebei.alternatives == (("河北",),)


PLACES = {
    "石家庄": ("130100",),
    "石家庄市": ("130100",),
    "哈尔滨": ("230100",),
    "正定县": ("130123",),
    "朝阳区": ("110105", "220104"),
    "平安区": ("630203",),
}


def test_a_place_stands_for_its_parts():
    # the tokenizer also yields 石家 and 家庄, 哈尔, 正定 and 定县: none is a word of the query
    assert [(g.word, g.regions) for g in term_groups("智能水表 石家庄市", PLACES)] == [
        ("智能", ()),
        ("水表", ()),
        ("石家庄市", ("130100",)),
    ]
    assert [g.word for g in term_groups("哈尔滨 燃气表", PLACES)] == ["哈尔滨", "燃气表"]
    (county, meter) = term_groups("正定县 水表", PLACES)
    assert (county.word, county.regions, meter.word) == ("正定县", ("130123",), "水表")


def test_a_county_name_names_every_county_so_called_and_may_be_cut_in_two():
    (chaoyang, _camera) = term_groups("朝阳区 摄像头", PLACES)[:2]
    assert chaoyang.regions == ("110105", "220104")
    # 平安区 is cut into 平安 | 区: joined again; 平安 alone is no place
    assert term_groups("平安区 烟感", PLACES)[0].regions == ("630203",)
    assert [g.regions for g in term_groups("平安 烟感", PLACES)] == [(), ()]


def test_three_words_or_more_may_drop_a_third_of_them():
    assert minimum_match(term_groups("水表")) is None
    assert minimum_match(term_groups("水表 烟感")) is None
    assert minimum_match(term_groups("冷链 温度 湿度")) == 2
    # 记录仪 is two groups (记录, 记录仪): four, of which three are required
    assert minimum_match(term_groups("冷链 温度 记录仪")) == 3


def test_a_swap_of_neighbours_is_one_edit():
    assert damerau_distance("waetr", "water", 2) == 1
    assert damerau_distance("modle", "model", 2) == 1
    assert damerau_distance("abc", "xyz", 1) == 2
