"""Codes and names in the offerings sheet: a cell may hold a reference code or its Chinese or
English name, and templates and exports write names in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from apps.catalog.attributes import enumeration
from apps.catalog.models import Function
from apps.catalog.selectors import REFERENCE_MODELS, lookup_key, reference_code_lookup
from apps.core.i18n import reads_english

from .layout import Column


class UnknownName(ValueError):
    """A cell item that names no code (or several): its message says what to type instead."""


class Vocabulary:
    """The reference codes and names of a sheet's columns, read once per file."""

    def __init__(self, columns: Iterable[Column]) -> None:
        self._lookups: dict[str, dict[str, list[str]]] = {}
        self._names: dict[str, dict[str, tuple[str, str]]] = {}
        for column in columns:
            reference = column.reference
            if reference and reference not in self._lookups:
                model = REFERENCE_MODELS[reference]
                self._lookups[reference] = reference_code_lookup(model)
                self._names[reference] = {
                    code: (zh, en) for code, zh, en in model.objects.values_list(
                        "code", "name_zh", "name_en"
                    )
                }  # fmt: skip
        self._function_kinds = (
            dict(Function.objects.values_list("code", "kind_id")) if "functions" in self._lookups
            else {}
        )  # fmt: skip

    def _candidates(self, column: Column, key: str, kind: str | None) -> list[str]:
        if column.reference:
            codes = self._lookups[column.reference].get(key, [])
            if column.reference == "functions" and len(codes) > 1 and kind:
                codes = [code for code in codes if self._function_kinds.get(code) == kind]
            return codes
        exact = [choice for choice in column.choices if lookup_key(choice) == key]
        if exact:
            return exact
        return [
            code for code, zh, en in column.choice_names if key in (lookup_key(zh), lookup_key(en))
        ]

    def code(self, column: Column, text: str, *, kind: str | None = None) -> str:
        """The code `text` names in `column` (a code, or a name in either language).

        Raises UnknownName when it names none, or several (say which codes to choose from).
        """
        codes = self._candidates(column, lookup_key(text), kind)
        if len(codes) == 1:
            return codes[0]
        if not codes:
            raise UnknownName(
                _("无法识别“%(value)s”：请填写“填写说明”中列出的名称或代码。") % {"value": text}
            )
        raise UnknownName(
            _("“%(value)s”可以指 %(codes)s，请改填其中一个代码。")
            % {"value": text, "codes": enumeration(codes)}
        )

    def choice_code(self, column: Column, text: str) -> str:
        """An attribute cell item as its choice code; text that names no choice stays as
        typed (the attribute's validation says what the choices are)."""
        try:
            return self.code(column, text)
        except UnknownName:
            return text

    def name(self, column: Column, code: str) -> str:
        """A code as the reader's language names it, when that name reads back to the same
        code; otherwise the code itself."""
        english = reads_english()
        if column.reference:
            names = self._names[column.reference].get(code)
        else:
            names = next((n[1:] for n in column.choice_names if n[0] == code), None)
        if not names:
            return code
        name = names[1] if english else names[0]
        try:
            return name if self.code(column, name) == code else code
        except UnknownName:
            return code
