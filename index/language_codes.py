"""Language codes and names: ISO 639-1 ("de"), what a page may declare instead ("de-AT", "deu",
"German"), the detector's languages and their English names.

Kept apart from the detector (index/language.py, numpy and a 90 MB model) so that what only
reads or shows a code (the readers' declarations, the language filter, the page) loads none of it.
"""
from __future__ import annotations

import re

UNDETERMINED = "und"  # ISO 639-2's code for "undetermined", what BCP 47 uses too

# Every ISO 639-1 code (what a declaration may validly say, even where the detector can't judge).
ISO_639_1 = frozenset("""
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de
dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie
ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg
mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro
ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty
ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".split())

# The detector's languages: ISO 639-1 code, then ISO 639-2/3 codes and English names a declaration
# may use instead ("_" stands for a space in a name).
_NAMES = """
af afr Afrikaans | am amh Amharic | an arg Aragonese | ar ara Arabic | as asm Assamese
az aze Azerbaijani | ba bak Bashkir | be bel Belarusian | bg bul Bulgarian | bn ben Bengali Bangla
br bre Breton | bs bos Bosnian | ca cat Catalan | cs ces cze Czech | cy cym wel Welsh | da dan Danish
de deu ger German | el ell gre Greek | en eng English | eo epo Esperanto | es spa Spanish Castilian
et est Estonian | eu eus baq Basque | fa fas per Persian Farsi | fi fin Finnish | fo fao Faroese
fr fra fre French | fy fry Frisian Western_Frisian | ga gle Irish | gd gla Gaelic Scottish_Gaelic
dz dzo Dzongkha | gl glg Galician | gu guj Gujarati | ha hau Hausa | he heb Hebrew | hi hin Hindi | hr hrv Croatian
ht hat Haitian Haitian_Creole | hu hun Hungarian | hy hye arm Armenian | id ind Indonesian | ig ibo Igbo
is isl ice Icelandic | it ita Italian | ja jpn Japanese | jv jav Javanese | ka kat geo Georgian
kk kaz Kazakh | km khm Khmer | kn kan Kannada | ko kor Korean | ku kur Kurdish | ky kir Kyrgyz Kirghiz
la lat Latin | lb ltz Luxembourgish | lg lug Ganda Luganda | ln lin Lingala | lo lao Lao
lt lit Lithuanian | lv lav Latvian | mg mlg Malagasy | mk mkd mac Macedonian | ml mal Malayalam
mn mon Mongolian | mr mar Marathi | ms msa may zsm Malay | mt mlt Maltese | my mya bur Burmese
ne nep Nepali | nl nld dut Dutch Flemish | nn nno Nynorsk Norwegian_Nynorsk
no nor nob nb Norwegian Bokmål Norwegian_Bokmål | oc oci Occitan | om orm Oromo | or ori Odia Oriya
pa pan Punjabi Panjabi | pl pol Polish | ps pus Pashto | pt por Portuguese | qu que Quechua
ro ron rum Romanian Moldavian | ru rus Russian | rw kin Kinyarwanda | sa san Sanskrit
se sme Northern_Sami | si sin Sinhala Sinhalese | sk slk slo Slovak | sl slv Slovenian Slovene
sn sna Shona | so som Somali | sq sqi alb Albanian | sr srp Serbian | st sot Sotho Sesotho
sv swe Swedish | sw swa swh Swahili | ta tam Tamil | te tel Telugu | tg tgk Tajik | th tha Thai
tk tuk Turkmen | tl tgl fil Tagalog Filipino | tr tur Turkish | tt tat Tatar | ug uig Uyghur Uighur
uk ukr Ukrainian | ur urd Urdu | uz uzb Uzbek | vi vie Vietnamese | vo vol Volapük | wa wln Walloon
xh xho Xhosa | yo yor Yoruba | zh zho chi cmn Chinese Mandarin | zu zul Zulu"""
_ALIASES: dict[str, str] = {}
for _entry in re.split(r"[|\n]", _NAMES.strip()):
    _code, *_others = _entry.split()
    _ALIASES[_code] = _code
    for _other in _others:
        _ALIASES[_other.replace("_", " ").casefold()] = _code
# Withdrawn ISO 639-1 codes that old pages still declare.
_ALIASES.update({"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro"})
# The labels the detector may answer: every language of the model that has an ISO 639-1 code.
LANGUAGES = tuple(sorted(set(_ALIASES.values()) & ISO_639_1 - {"yi"}))


def normalise_language(declared: object) -> str | None:
    """An ISO 639-1 code from what a page declares, or None when it names no language.

    Accepts BCP 47 tags and locales ("en-GB", "pt_BR", "zh-Hant-TW"), ISO 639-2/3 codes ("eng",
    "ger", "fil"), English names ("English", "Norwegian Bokmål") and withdrawn codes ("iw"); "nb"
    becomes "no", the detector's code for Bokmål, so one language has one code. "und", "mul",
    "x-default", unknown words and non-strings give None.
    """
    if not isinstance(declared, str):
        return None
    text = declared.strip().casefold()
    if not text or len(text) > 40:
        return None
    named = _ALIASES.get(text)
    if named is not None:
        return named
    primary = re.split(r"[-_\s,;.@]", text, maxsplit=1)[0]
    if primary in ISO_639_1:
        return _ALIASES.get(primary, primary)
    return _ALIASES.get(primary) if len(primary) == 3 else None


def language_name(code: str) -> str:
    """A language's English name for display ("de" -> "German"; "und" -> "Undetermined"); the
    code itself for a code the detector does not know."""
    if code == UNDETERMINED:
        return "Undetermined"
    for entry in re.split(r"[|\n]", _NAMES.strip()):
        first, *others = entry.split()
        if first == code:
            names = [o for o in others if not o.islower()]  # codes are lower-case, names not
            return names[0].replace("_", " ") if names else code
    return code
