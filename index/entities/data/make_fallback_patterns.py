"""Generate `fallback_patterns.jsonl`, the EntityRuler patterns of the rule-based fallback.

Why generated and shipped: when no spaCy model is installed, the index still needs the places
and the obvious people and orgs, without a 100+ MB gazetteer package. The patterns are built from
  - countries (every Reuters-21578 PLACES code, plus today's names) and their capitals, and a few
    news-hub cities, as GPE phrases whose `id` is the canonical display name;
  - the place and org spellings of the alias table (so "U.S." and "OPEC" are found);
  - Reuters ORGS acronyms;
  - title-word token patterns: "President Reagan", "Mr. Lawson" -> PERSON (the title is cleaned
    off later), "Acme Corp" / "Bank of X" -> ORG.
Run from the repository root:  python -m index.entities.data.make_fallback_patterns
"""
from __future__ import annotations

import json
from pathlib import Path

from index.entities import reuters_codes

HERE = Path(__file__).resolve().parent
OUT = HERE / "fallback_patterns.jsonl"

# country = capital (general knowledge; 1987-era states kept because the archive holds them).
COUNTRIES = """
Afghanistan=Kabul; Albania=Tirana; Algeria=Algiers; Andorra=Andorra la Vella; Angola=Luanda;
Argentina=Buenos Aires; Armenia=Yerevan; Australia=Canberra; Austria=Vienna; Azerbaijan=Baku;
Bahamas=Nassau; Bahrain=Manama; Bangladesh=Dhaka; Barbados=Bridgetown; Belarus=Minsk;
Belgium=Brussels; Belize=Belmopan; Benin=Porto-Novo; Bhutan=Thimphu; Bolivia=La Paz;
Bosnia and Herzegovina=Sarajevo; Botswana=Gaborone; Brazil=Brasilia; Brunei=Bandar Seri Begawan;
Bulgaria=Sofia; Burkina Faso=Ouagadougou; Burma=Rangoon; Burundi=Bujumbura; Cambodia=Phnom Penh;
Cameroon=Yaounde; Canada=Ottawa; Cape Verde=Praia; Central African Republic=Bangui; Chad=N'Djamena;
Chile=Santiago; China=Beijing; Colombia=Bogota; Congo=Brazzaville; Costa Rica=San Jose;
Croatia=Zagreb; Cuba=Havana; Cyprus=Nicosia; Czechoslovakia=Prague; Czech Republic=Prague;
Denmark=Copenhagen; Djibouti=Djibouti; Dominica=Roseau; Dominican Republic=Santo Domingo;
East Germany=East Berlin; Ecuador=Quito; Egypt=Cairo; El Salvador=San Salvador;
Equatorial Guinea=Malabo; Eritrea=Asmara; Estonia=Tallinn; Ethiopia=Addis Ababa; Fiji=Suva;
Finland=Helsinki; France=Paris; Gabon=Libreville; Gambia=Banjul; Georgia=Tbilisi; Germany=Berlin;
Ghana=Accra; Greece=Athens; Grenada=St. George's; Guatemala=Guatemala City; Guinea=Conakry;
Guinea-Bissau=Bissau; Guyana=Georgetown; Haiti=Port-au-Prince; Honduras=Tegucigalpa;
Hungary=Budapest; Iceland=Reykjavik; India=New Delhi; Indonesia=Jakarta; Iran=Tehran;
Iraq=Baghdad; Ireland=Dublin; Israel=Jerusalem; Italy=Rome; Ivory Coast=Abidjan; Jamaica=Kingston;
Japan=Tokyo; Jordan=Amman; Kampuchea=Phnom Penh; Kazakhstan=Astana; Kenya=Nairobi;
Kuwait=Kuwait City; Kyrgyzstan=Bishkek; Laos=Vientiane; Latvia=Riga; Lebanon=Beirut;
Lesotho=Maseru; Liberia=Monrovia; Libya=Tripoli; Liechtenstein=Vaduz; Lithuania=Vilnius;
Luxembourg=Luxembourg; Madagascar=Antananarivo; Malawi=Lilongwe; Malaysia=Kuala Lumpur;
Mali=Bamako; Malta=Valletta; Mauritania=Nouakchott; Mauritius=Port Louis;
Mexico=Mexico City; Moldova=Chisinau; Monaco=Monaco; Mongolia=Ulan Bator; Montenegro=Podgorica;
Morocco=Rabat; Mozambique=Maputo; Myanmar=Naypyidaw; Namibia=Windhoek; Nepal=Kathmandu;
Netherlands=Amsterdam; New Zealand=Wellington; Nicaragua=Managua; Niger=Niamey; Nigeria=Lagos;
North Korea=Pyongyang; North Macedonia=Skopje; Norway=Oslo; Oman=Muscat; Pakistan=Islamabad;
Panama=Panama City; Papua New Guinea=Port Moresby; Paraguay=Asuncion; Peru=Lima;
Philippines=Manila; Poland=Warsaw; Portugal=Lisbon; Qatar=Doha; Romania=Bucharest; Russia=Moscow;
Rwanda=Kigali; Saudi Arabia=Riyadh; Senegal=Dakar; Serbia=Belgrade;
Sierra Leone=Freetown; Singapore=Singapore; Slovakia=Bratislava; Slovenia=Ljubljana;
Somalia=Mogadishu; South Africa=Pretoria; South Korea=Seoul; South Sudan=Juba; Soviet Union=Moscow;
Spain=Madrid; Sri Lanka=Colombo; Sudan=Khartoum; Suriname=Paramaribo; Swaziland=Mbabane;
Sweden=Stockholm; Switzerland=Bern; Syria=Damascus; Taiwan=Taipei; Tajikistan=Dushanbe;
Tanzania=Dar es Salaam; Thailand=Bangkok; Togo=Lome; Tonga=Nuku'alofa;
Trinidad and Tobago=Port of Spain; Tunisia=Tunis; Turkey=Ankara; Turkmenistan=Ashgabat;
Uganda=Kampala; Ukraine=Kiev; United Arab Emirates=Abu Dhabi; United Kingdom=London;
United States=Washington; Uruguay=Montevideo; Uzbekistan=Tashkent; Vanuatu=Port Vila;
Vatican City=Vatican City; Venezuela=Caracas; Vietnam=Hanoi; West Germany=Bonn;
Western Samoa=Apia; North Yemen=Sanaa; South Yemen=Aden; Yemen=Sanaa; Yugoslavia=Belgrade;
Zaire=Kinshasa; Zambia=Lusaka; Zimbabwe=Harare
"""
# Cities that datelines and markets name all the time.
CITIES = """New York; Chicago; Los Angeles; San Francisco; Houston; Boston; Toronto; Montreal;
Frankfurt; Hamburg; Munich; Zurich; Geneva; Milan; Osaka; Sydney; Melbourne; Shanghai;
Hong Kong; Rotterdam; Antwerp; Ho Chi Minh City; Dandong; Rio de Janeiro; Sao Paulo; Bombay;
Mumbai; Karachi; Istanbul; Jeddah; Dubai; Vancouver; Johannesburg"""

PERSON_TITLES = ["president", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr", "dr.", "premier",
                 "chancellor", "minister", "senator", "sen.", "governor", "gov.", "secretary",
                 "chairman", "king", "queen", "prince", "sheikh", "ayatollah", "general", "gen."]
ORG_SUFFIXES = ["inc", "inc.", "corp", "corp.", "co", "co.", "ltd", "ltd.", "plc", "ag", "sa",
                "group", "corporation", "company", "bank", "airlines", "motors", "industries"]


def _read_aliases(kind: str) -> list[tuple[str, str]]:
    """(alias, canonical name) pairs of one kind from the shipped alias table."""
    out = []
    for line in (HERE / "aliases.tsv").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[0] == kind and not line.startswith("#"):
            out.append((parts[1], parts[2]))
    return out


def build() -> list[dict]:
    patterns: list[dict] = []
    seen: set[tuple[str, str]] = set()

    def phrase(label: str, text: str, ident: str) -> None:
        if (label, text) not in seen:
            seen.add((label, text))
            patterns.append({"label": label, "pattern": text, "id": ident})

    for pair in COUNTRIES.replace("\n", " ").split(";"):
        country, capital = (p.strip() for p in pair.split("="))
        phrase("GPE", country, country)
        phrase("GPE", capital, capital)
    for code in reuters_codes.PLACE_CODES:
        name = reuters_codes.display_name("place", code)
        phrase("GPE", name, name)
    for city in CITIES.replace("\n", " ").split(";"):
        phrase("GPE", city.strip(), city.strip())
    for alias, canonical in _read_aliases("place"):
        if len(alias) > 4 or alias.isupper():  # "Mass", "Ore": ordinary words outside a dateline
            phrase("GPE", alias, canonical)
    for code in reuters_codes.ORG_CODES:
        name = reuters_codes.display_name("org", code)
        phrase("ORG", name, name)
    for alias, canonical in _read_aliases("org"):
        if len(alias) > 2:  # "AP", "UN" as bare tokens are too often something else
            phrase("ORG", alias, canonical)
    patterns.append({"label": "PERSON", "id": "title-word",
                     "pattern": [{"LOWER": {"IN": PERSON_TITLES}}, {"IS_TITLE": True, "OP": "+"}]})
    patterns.append({"label": "ORG", "id": "org-suffix",
                     "pattern": [{"IS_TITLE": True, "OP": "+"}, {"LOWER": {"IN": ORG_SUFFIXES}}]})
    patterns.append({"label": "ORG", "id": "bank-of",
                     "pattern": [{"LOWER": {"IN": ["bank", "ministry", "university"]}},
                                 {"LOWER": "of"}, {"IS_TITLE": True, "OP": "+"}]})
    return patterns


def main() -> None:
    patterns = build()
    with OUT.open("w", encoding="utf-8") as f:
        for p in patterns:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    print(f"wrote {len(patterns)} patterns to {OUT}")


if __name__ == "__main__":
    main()
