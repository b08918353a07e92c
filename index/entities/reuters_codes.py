"""Readable display names for Reuters-21578 PLACES/PEOPLE/ORGS codes (`usa`, `james-baker`, `opec`).

Reuters tags are lower-case codes; recognised names are display forms ("United States",
"James Baker"). For the two to merge into one facet value, every code must map to the form the
recogniser (after alias canonicalisation) produces. The tables below cover every code in
`all-{people,places,orgs}-strings.lc.txt` of Reuters-21578; places and orgs that capitalise
mechanically are left to `display_name`'s rule. People codes that are a bare surname get the
full name of the person that surname meant in Reuters' 1987 news (finance ministers, central
bankers, heads of government), from general knowledge; where we are not sure who was meant,
the surname stays alone (capitalised) rather than guessing.

No spaCy import here: the search side uses this through `canonical_name`.
"""
from __future__ import annotations


def _table(spec: str) -> dict[str, str]:
    """Parse `code = Display Name` lines (compact to read and to review)."""
    table: dict[str, str] = {}
    for line in spec.strip().splitlines():
        code, _, display = line.partition("=")
        table[code.strip()] = display.strip()
    return table


# Every PLACES code of Reuters-21578 (all-places-strings.lc.txt).
PLACE_CODES = tuple("""
    afghanistan albania algeria american-samoa andorra angola anguilla antigua argentina aruba
    australia austria bahamas bahrain bangladesh barbados belgium belize benin bermuda bhutan
    bolivia botswana brazil british-virgin-islands brunei bulgaria burkina-faso burma burundi
    cameroon canada cape-verde cayman-islands central-african-republic chad chile china colombia
    congo costa-rica cuba cyprus czechoslovakia denmark djibouti dominica dominican-republic
    east-germany ecuador egypt el-salvador equatorial-guinea ethiopia fiji finland france
    french-guiana gabon gambia ghana gibraltar greece grenada guadeloupe guam guatemala guinea
    guinea-bissau guyana haiti honduras hong-kong hungary iceland india indonesia iran iraq
    ireland israel italy ivory-coast jamaica japan jordan kampuchea kenya kuwait laos lebanon
    lesotho liberia libya liechtenstein luxembourg macao madagascar malawi malaysia mali malta
    martinique mauritania mauritius mexico monaco morocco mozambique namibia nepal netherlands
    netherlands-antilles new-caledonia new-zealand nicaragua niger nigeria north-korea norway
    oman pakistan panama papua-new-guinea paraguay peru philippines poland portugal qatar
    romania rwanda saudi-arabia senegal seychelles sierra-leone singapore somalia south-africa
    south-korea spain sri-lanka sudan suriname swaziland sweden switzerland syria taiwan
    tanzania thailand togo tonga trinidad-tobago tunisia turkey uae uganda uk uruguay
    us-virgin-islands usa ussr vanuatu vatican venezuela vietnam west-germany western-samoa
    yemen-arab-republic yemen-demo-republic yugoslavia zaire zambia zimbabwe
""".split())

# Every ORGS code of Reuters-21578 (all-orgs-strings.lc.txt).
ORG_CODES = tuple("""
    adb-africa adb-asia aibd aid anrpc asean atpc bis cipec comecon ec eca ecafe ece ecla ecsc
    ecwa efta eib emcf escap euratom fao gatt gcc geplacea iaea iata icco ico-coffee ico-islam
    ida iea iisi ilo ilzsg imco imf inro irsg isa itc iwc-whale iwc-wheat iwcc iws iwto lafta
    mfa oapec oecd opec un unctad who worldbank
""".split())

# Places whose display form is not the capitalised code (everything else: "hong-kong" -> "Hong Kong").
PLACES = _table("""
usa = United States
uk = United Kingdom
ussr = Soviet Union
uae = United Arab Emirates
us-virgin-islands = U.S. Virgin Islands
british-virgin-islands = British Virgin Islands
trinidad-tobago = Trinidad and Tobago
yemen-arab-republic = North Yemen
yemen-demo-republic = South Yemen
guinea-bissau = Guinea-Bissau
new-caledonia = New Caledonia
vatican = Vatican City
""")

# Orgs: short codes are acronyms (upper case); these are the exceptions.
ORGS = _table("""
adb-africa = African Development Bank
adb-asia = Asian Development Bank
aid = Agency for International Development
comecon = Comecon
ec = European Community
euratom = Euratom
ico-coffee = International Coffee Organization
ico-islam = Organisation of the Islamic Conference
iwc-whale = International Whaling Commission
iwc-wheat = International Wheat Council
un = United Nations
who = World Health Organization
worldbank = World Bank
geplacea = GEPLACEA
""")

# People: every code of all-people-strings.lc.txt. Full names where the 1987 referent is clear.
PEOPLE = _table("""
abdel-hadi-kandeel = Abdel-Hadi Kandeel
alfonsin = Raul Alfonsin
alhaji-abdul-ahmed = Alhaji Abdul Ahmed
alptemocin = Ahmet Kurtcebe Alptemocin
amato = Giuliano Amato
andersen = Andersen
andriessen = Frans Andriessen
aqazadeh = Gholamreza Aqazadeh
aquino = Corazon Aquino
arafat = Yasser Arafat
babangida = Ibrahim Babangida
balladur = Edouard Balladur
bangemann = Martin Bangemann
barreto = Barreto
berge = Gunnar Berge
beteta = Mario Ramon Beteta
blix = Hans Blix
boesky = Ivan Boesky
bond = Alan Bond
botha = P.W. Botha
bouey = Gerald Bouey
braks = Gerrit Braks
bresser-pereira = Luiz Carlos Bresser Pereira
brodersohn = Mario Brodersohn
brundtland = Gro Harlem Brundtland
camdessus = Michel Camdessus
carlsson = Ingvar Carlsson
caro = Caro
castelo-branco = Castelo Branco
castro = Fidel Castro
cavaco-silva = Anibal Cavaco Silva
chaves = Chaves
chen-muhua = Chen Muhua
chiang-ching-kuo = Chiang Ching-kuo
chien = Chien
chirac = Jacques Chirac
ciampi = Carlo Azeglio Ciampi
colombo = Emilio Colombo
conable = Barber Conable
concepcion = Jose Concepcion
corrigan = Gerald Corrigan
cossiga = Francesco Cossiga
crow = John Crow
dadzie = Kenneth Dadzie
dauster = Jorio Dauster
de-clercq = Willy De Clercq
de-kock = Gerhard de Kock
de-korte = Rudolf de Korte
de-la-madrid = Miguel de la Madrid
de-larosiere = Jacques de Larosiere
del-mazo = Alfredo del Mazo
delamuraz = Jean-Pascal Delamuraz
delors = Jacques Delors
dementsev = Viktor Dementsev
deng-xiaoping = Deng Xiaoping
dennis = Bengt Dennis
dhillon = Gurdial Singh Dhillon
dominguez = Dominguez
douglas = Roger Douglas
du-plessis = Barend du Plessis
duisenberg = Wim Duisenberg
dunkel = Arthur Dunkel
edelman = Asher Edelman
enggaard = Knud Enggaard
eser = Eser
evren = Kenan Evren
eyskens = Mark Eyskens
feldt = Kjell-Olof Feldt
fernandez = Fernandez
ferrari = Ferrari
finnbogadottir = Vigdis Finnbogadottir
friedman = Friedman
fujioka = Masao Fujioka
gaddafi = Muammar Gaddafi
gandhi = Rajiv Gandhi
garcia = Alan Garcia
gava = Gava
godeaux = Jean Godeaux
gonzalez = Felipe Gonzalez
gorbachev = Mikhail Gorbachev
goria = Giovanni Goria
gostyev = Boris Gostev
graf = Graf
greenspan = Alan Greenspan
gromyko = Andrei Gromyko
grosz = Karoly Grosz
guillaume = Francois Guillaume
halikias = Dimitris Halikias
hamad-saud-al-sayyari = Hamad Saud al-Sayyari
hannibalsson = Jon Baldvin Hannibalsson
haughey = Charles Haughey
hawke = Bob Hawke
he-kang = He Kang
herrington = John Herrington
hillery = Patrick Hillery
hisham-nazer = Hisham Nazer
hoefner = Hoefner
hoffmeyer = Erik Hoffmeyer
holberg = Holberg
holkeri = Harri Holkeri
honecker = Erich Honecker
hovmand = Svend Erik Hovmand
howard-baker = Howard Baker
husak = Gustav Husak
icahn = Carl Icahn
james-baker = James Baker
james-miller = James Miller
jaruzelski = Wojciech Jaruzelski
jayme = Jayme
johnston = Bob Johnston
kaminsky = Kaminsky
kaufman = Henry Kaufman
keating = Paul Keating
khameini = Ali Khamenei
khomeini = Ayatollah Khomeini
kiechle = Ignaz Kiechle
king-fahd = King Fahd
kohl = Helmut Kohl
koivisto = Mauno Koivisto
kondo = Kondo
koren = Stephan Koren
kullberg = Rolf Kullberg
lacina = Ferdinand Lacina
lange = David Lange
languetin = Pierre Languetin
lawson = Nigel Lawson
lee-ta-hai = Lee Ta-hai
lee-teng-hui = Lee Teng-hui
leenanon = Leenanon
leigh-pemberton = Robin Leigh-Pemberton
leitz = Leitz
li-peng = Li Peng
li-xiannian = Li Xiannian
liikanen = Erkki Liikanen
lubbers = Ruud Lubbers
lukman = Rilwanu Lukman
lyng = Richard Lyng
machinea = Jose Luis Machinea
macsharry = Ray MacSharry
malhotra = R.N. Malhotra
mancera-aguayo = Miguel Mancera Aguayo
martens = Wilfried Martens
martin = Martin
masse = Marcel Masse
maxwell = Robert Maxwell
maystadt = Philippe Maystadt
medgyessy = Peter Medgyessy
messner = Zbigniew Messner
mikulic = Branko Mikulic
milliet = Milliet
mitterrand = Francois Mitterrand
miyazawa = Kiichi Miyazawa
mohammad-ibrahim-jaffrey-baluch = Mohammad Ibrahim Jaffrey Baluch
mohammad-khan-junejo = Mohammad Khan Junejo
mohammad-yasin-khan-wattoo = Mohammad Yasin Khan Wattoo
mohammed-ahmed-al-razaz = Mohammed Ahmed al-Razaz
mohammed-ali-abal-khail = Mohammed Ali Abal-Khail
mohammed-salaheddin-hamid = Mohammed Salaheddin Hamid
morales-bermudez = Morales Bermudez
mousavi = Mir Hossein Mousavi
moyle = Colin Moyle
mubarak = Hosni Mubarak
mulroney = Brian Mulroney
murdoch = Rupert Murdoch
mustapha = Mustapha
nakao = Eiichi Nakao
nakasone = Yasuhiro Nakasone
nasko = Nasko
nemeth = Miklos Nemeth
nobrega = Mailson da Nobrega
o-cofaigh = Tomas O Cofaigh
o-kennedy = Michael O'Kennedy
oeien = Arne Oeien
okongwu = Chu Okongwu
ongpin = Jaime Ongpin
ortega = Daniel Ortega
ozal = Turgut Ozal
palsson = Thorsteinn Palsson
pandolfi = Filippo Maria Pandolfi
papandreou = Andreas Papandreou
parkinson = Cecil Parkinson
paye = Jean-Claude Paye
perez-de-cuellar = Javier Perez de Cuellar
petricioli = Gustavo Petricioli
pickens = T. Boone Pickens
poehl = Karl Otto Poehl
pottakis = Yannis Pottakis
prawiro = Radius Prawiro
qassemi = Qassemi
rafnar = Rafnar
rafsanjani = Akbar Hashemi Rafsanjani
reagan = Ronald Reagan
rezende = Rezende
riberio-cadilhe = Miguel Cadilhe
rich = Marc Rich
rikanovic = Svetozar Rikanovic
rojas = Rojas
romero = Carlos Romero
roumeliotis = Panayotis Roumeliotis
rowland = Tiny Rowland
rubio = Mariano Rubio
ruder = David Ruder
ruding = Onno Ruding
russell = Russell
ryzhkov = Nikolai Ryzhkov
saberbein = Gustavo Saberbein
salinas = Carlos Salinas
samojlik = Samojlik
santer = Jacques Santer
saracoglu = Rusdu Saracoglu
sarney = Jose Sarney
sartzetakis = Christos Sartzetakis
sathe = Vasant Sathe
schlueter = Poul Schlueter
sedki = Atef Sedki
simitis = Costas Simitis
simonsen = Palle Simonsen
singhasaneh = Suthee Singhasaneh
siregar = Arifin Siregar
skaanland = Hermod Skaanland
soares = Mario Soares
solchaga = Carlos Solchaga
sourrouille = Juan Sourrouille
sprinkel = Beryl Sprinkel
steeg = Helga Steeg
stich = Otto Stich
stoltenberg = Gerhard Stoltenberg
stoph = Willi Stoph
strougal = Lubomir Strougal
subroto = Subroto
suharto = Suharto
sumita = Satoshi Sumita
suominen = Ilkka Suominen
takeshita = Noboru Takeshita
tamura = Hajime Tamura
tavares-moreia = Tavares Moreira
thatcher = Margaret Thatcher
timar = Matyas Timar
tinsulanonda = Prem Tinsulanonda
tiwari = Narayan Dutt Tiwari
toernaes = Toernaes
toman = Toman
tsovolas = Dimitris Tsovolas
vancsa = Jeno Vancsa
venkataraman = Ramaswamy Venkataraman
vera-la-rosa = Vera la Rosa
verity = William Verity
villanyi = Miklos Villanyi
vlatkovic = Dusan Vlatkovic
volcker = Paul Volcker
von-weizsaecker = Richard von Weizsaecker
vranitzky = Franz Vranitzky
waldheim = Kurt Waldheim
wali = Wali
walsh = Peter Walsh
wang-bingqian = Wang Bingqian
wardhana = Ali Wardhana
wasim-aun-jaffrey = Wasim Aun Jaffrey
wilson = Michael Wilson
wise = John Wise
yeutter = Clayton Yeutter
young = Young
yu-kuo-hua = Yu Kuo-hua
zak = Zak
zhao-ziyang = Zhao Ziyang
zheng-tuobin = Zheng Tuobin
zia-ul-haq = Zia ul-Haq
""")

# Surname-only codes that are too common to stand for one person when a text says just the
# surname (the code keeps its display name above; `aliases` won't expand these bare in text).
COMMON_SURNAMES = frozenset(
    "bond garcia rich wilson wise douglas dennis crow walsh johnston romero maxwell castro "
    "martin young russell graf rojas fernandez".split()
)

_TABLES = {"person": PEOPLE, "place": PLACES, "org": ORGS}
CODES = {"person": tuple(PEOPLE), "place": PLACE_CODES, "org": ORG_CODES}


def is_code(kind: str, value: str) -> bool:
    """True if `value` is spelled like a Reuters code of this kind (lower case, known or hyphenated)."""
    value = value.strip()
    if not value or value != value.lower() or " " in value:
        return False
    return value in CODES.get(kind, ()) or (kind == "person" and "-" in value)


def display_name(kind: str, code: str) -> str:
    """`james-baker` -> `James Baker`; `reagan` -> `Ronald Reagan`; acronym-like org codes (`opec`) -> upper case."""
    code = code.strip().lower()
    table = _TABLES.get(kind, {})
    if code in table:
        return table[code]
    if kind == "org" and "-" not in code and len(code) <= 6:
        return code.upper()
    return " ".join(part.capitalize() for part in code.split("-"))
