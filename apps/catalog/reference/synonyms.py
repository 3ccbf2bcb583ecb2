"""Words people use for the same thing: one list for matching and search (plain data).

`SYNONYMS` maps a token to its canonical forms. The matching engine adds them to a listing's
and a demand's tokens alike (so 电能表 meets 电表, 消火栓 meets 消防栓); search treats a word
and each word sharing a canonical form as alternatives (电表 finds 电能表, 巴枪 finds 手持).
Changing it changes match scores: bump `apps.matching.engine.text.TOKENIZER_VERSION` and
re-run the relevance set.

`SEARCH_SYNONYMS` are words only search understands so far, in the same shape: adding them to
`SYNONYMS` would change the engine's text scores, which the relevance set has not been
re-graded for.
"""

from __future__ import annotations

SYNONYMS: dict[str, tuple[str, ...]] = {
    "电能表": ("电表",),
    "消火栓": ("消防栓",),
    "烟感": ("烟雾",),
    "感烟": ("烟雾",),
    "煤气表": ("燃气表",),
    "煤气": ("燃气",),
    "追踪": ("定位",),
    "追踪器": ("定位器",),
    "巴枪": ("手持",),
    "pda": ("手持",),
    "nbiot": ("nb", "iot"),
    "cat.1": ("cat1",),
    "摄像头": ("摄像机",),
    "热表": ("热量表",),
}

SEARCH_SYNONYMS: dict[str, tuple[str, ...]] = {
    # 模块 is the everyday word for a module (模组); 探测器 / 检测器 / 报警器 name the same
    # sensors in tenders and on product pages.
    "模块": ("模组",),
    "探测器": ("检测器",),
    "报警器": ("探测器",),
}
