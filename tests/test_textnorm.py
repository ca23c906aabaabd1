"""Display cleaning and analysis normalisation (textnorm)."""

import pytest

from conflict_narratives.common.textnorm import (
    clean_text,
    detokenize_ptb,
    looks_ptb,
    normalize_for_analysis,
    parse_header,
    strip_related_block,
)

BODY = "قالت مصادر محلية إن القوات الحكومية سيطرت على عدة قرى في ريف إدلب الجنوبي.\n\n" * 3


def test_seed_header_line_parsed_and_removed():
    text = "أخبار الآن | دبي – الإمارات العربية المتحدة – حصري (حسام الأحبابي)\n\n" + BODY
    header, body = parse_header(text)
    assert header.source == "أخبار الآن"
    assert header.place == "دبي"
    assert header.country == "الإمارات العربية المتحدة"
    assert header.author == "حسام الأحبابي"
    assert "|" not in body and body.strip().startswith("قالت")


@pytest.mark.parametrize(
    ("line", "source", "place", "author"),
    [
        ("Reuters | Beirut - Lebanon", "Reuters", "Beirut", None),
        ("الجزيرة نت | حلب — سوريا (مراسلنا)", "الجزيرة نت", "حلب", "مراسلنا"),
        ("AFP | Paris", "AFP", "Paris", None),
        ("سكاي نيوز عربية | خاص (فريق التحرير)", "سكاي نيوز عربية", None, "فريق التحرير"),
    ],
)
def test_header_variants(line, source, place, author):
    header, body = parse_header(line + "\n" + BODY)
    assert (header.source, header.place, header.author) == (source, place, author)
    assert body.strip().startswith("قالت")


@pytest.mark.parametrize(
    "text",
    [
        BODY,  # no bar at all
        "Prices rose | the minister said today that the war in the north would end soon\n" + BODY,
        "a | b\n",  # outlet too short to be one
    ],
)
def test_non_headers_left_alone(text):
    header, body = parse_header(text)
    assert header is None and body == text


@pytest.mark.parametrize(
    "marker",
    [
        "اقرأ أيضا:",
        "اقرأ أيضاً",
        "إقرأ ايضا:",
        "اقرأ المزيد:",
        "شاهد أيضا:",
        "Read more:",
        "Related articles",
    ],
)
def test_related_block_removed(marker):
    text = BODY + marker + "\nعنوان خبر آخر عن الموصل\n\nعنوان ثالث عن داعش"
    out = strip_related_block(text)
    assert out == BODY.rstrip()


def test_inline_link_lines_go_but_body_text_stays():
    # BBC Arabic style: "read also: <headline>" lines between one-sentence paragraphs
    paras = [
        "قال الأمير زيد إن الهجوم لا يمكن استمراره.",
        "وطالبت منظمة أطباء بلا حدود بالسماح بإمداد الأدوية.",
        "وطالبت وكالات الإغاثة بإيقاف القتال.",
    ]
    text = "\n".join([paras[0], "اقرأ أيضا: القوات الحكومية تشن هجوما على الغوطة", *paras[1:]])
    assert strip_related_block(text) == "\n".join(paras)
    # a bare marker line with its headline under it, amid the body
    text = "\n".join([paras[0], "شاهد أيضا:", "عنوان تقرير آخر", *paras[1:]])
    assert strip_related_block(text) == "\n".join(paras)
    # a block of headlines in mid-text: the body after it stays
    text = "\n".join([paras[0], "اقرأ ايضاً:", "عنوان أول", "عنوان ثان", *paras[1:]])
    assert strip_related_block(text) == "\n".join(paras)
    # a marker followed by a long paragraph: the paragraph is body text and stays
    long_para = "كلمة " * 80 + "."
    assert strip_related_block(BODY + "اقرأ أيضا:\n" + long_para) == BODY + long_para


def test_latin_markers_need_punctuation():
    text = "Related to this, the minister said the talks would resume.\nMore text follows here."
    assert strip_related_block(text) == text
    assert strip_related_block("Body text here.\nSee also: Another headline") == "Body text here."


def test_clean_text_removes_markup_and_invisibles():
    raw = (
        "<p>عاجل&nbsp;: <b>القصف</b> مستمر</p><script>var x=1;</script>"
        "\u200fمصدر\u200b: https://example.com/a?b=1 و www.site.org\tو"
        "  الحديـــــدة \u202bنص\u202c\r\n\r\n\r\n\r\nفقرة ثانية  "
    )
    out = clean_text(raw)
    for junk in ("<", ">", "&nbsp;", "http", "www.", "\u200f", "\u200b", "\u202b", "ـ", "var x"):
        assert junk not in out
    assert "الحديدة" in out
    assert "\n\nفقرة ثانية" in out and "\n\n\n" not in out
    assert out == out.strip()


def test_zwnj_kept_for_persian():
    assert "\u200c" in clean_text("می\u200cخواهم")


def test_ptb_artefacts_undone():
    raw = (
        "Tripoli , Libya -LRB- CNN -RRB- -- `` We have n't used it , '' he said . "
        "It 's 20 % -LSB- sic -RSB- ."
    )
    assert looks_ptb(raw)
    assert detokenize_ptb(raw) == (
        "Tripoli, Libya (CNN) -- \"We haven't used it,\" he said. It's 20% [sic]."
    )
    assert clean_text(raw, ptb=True).startswith("Tripoli, Libya (CNN)")
    assert not looks_ptb("An ordinary sentence, with (brackets).")


def test_clean_text_empty():
    assert clean_text("") == ""
    assert clean_text(" \n\u200b\t ") == ""


def test_normalize_for_analysis_folds_arabic_and_latin():
    assert normalize_for_analysis("أَحْمَدُ إلى مدرسةٍ ـــ آمنة ٱلقدس") == "احمد الي مدرسه امنه القدس"
    assert normalize_for_analysis("Hello  WORLD\u200f ١٢٣ ۴۵") == "hello world 123 45"
    assert normalize_for_analysis("\ufefb") == "لا"  # presentation form (NFKC)
    assert normalize_for_analysis("") == ""


def test_normalisation_never_touches_display_text():
    raw = "إلى المدرسة"
    assert clean_text(raw) == raw
