"""Short news paragraphs in eight languages (written for these tests), for the interface tests of
languages: the page's facet and filter, the API, the command line, exports, feeds and stats.

Each record declares its language (`language`, as a JSON feed may): the index run reads that as
a strong hint, and each text is plainly in its language, so the detector agrees. Two articles
each in English and German, one in every other language, so counts differ.
"""
from __future__ import annotations

import json
from pathlib import Path

ARTICLES: list[dict] = [
    {"title": "Bundesregierung beschließt Hilfen für Hausbesitzer", "language": "de", "date": "2024-03-06",
     "source": "Tagesschau", "url": "https://news.example.de/hilfen-hausbesitzer",
     "text": "Die Bundesregierung in Berlin hat am Mittwoch neue Hilfen für Hausbesitzer beschlossen. Wer "
             "sein Haus energetisch saniert, soll künftig höhere Zuschüsse erhalten. Die Opposition "
             "kritisierte, die Häuser in ländlichen Regionen würden benachteiligt."},
    {"title": "Streik legt den Bahnverkehr in Deutschland lahm", "language": "de", "date": "2024-03-08",
     "source": "Tagesschau", "url": "https://news.example.de/bahnstreik",
     "text": "Ein Streik der Lokführer hat am Freitag den Bahnverkehr in weiten Teilen Deutschlands lahmgelegt. "
             "Pendler mussten auf Busse und Autos ausweichen, an vielen Bahnhöfen blieben die Züge stehen."},
    {"title": "Le gouvernement présente son budget pour 2025", "language": "fr", "date": "2024-03-07",
     "source": "Le Monde", "url": "https://news.example.fr/budget-2025",
     "text": "Le gouvernement français a présenté jeudi à Paris un budget prévoyant quarante milliards d'euros "
             "d'économies. Le ministre de l'Économie a défendu des choix « difficiles mais nécessaires » face "
             "à la hausse de la dette publique."},
    {"title": "Las lluvias torrenciales inundan Valencia", "language": "es", "date": "2024-03-05",
     "source": "El País", "url": "https://news.example.es/lluvias-valencia",
     "text": "Las lluvias torrenciales que cayeron el martes sobre Valencia provocaron inundaciones en decenas "
             "de municipios. Los servicios de emergencia rescataron a cientos de vecinos atrapados en sus "
             "casas y coches."},
    {"title": "В Москве открылась новая линия метро", "language": "ru", "date": "2024-03-09",
     "source": "ТАСС", "url": "https://news.example.ru/metro",
     "text": "В Москве в субботу открылась новая линия метро, которая соединила южные районы города с "
             "центром. По словам мэра, ежедневно по ней будут ездить более трёхсот тысяч пассажиров."},
    {"title": "ارتفاع أسعار النفط في الأسواق العالمية", "language": "ar", "date": "2024-03-04",
     "source": "الجزيرة", "url": "https://news.example.net/ar/oil",
     "text": "ارتفعت أسعار النفط في الأسواق العالمية يوم الاثنين بعد أن أعلنت منظمة أوبك عن خفض جديد في "
             "الإنتاج. وقال محللون إن الأسعار قد تواصل الارتفاع خلال الأسابيع المقبلة."},
    {"title": "北京举行国际科技博览会", "language": "zh", "date": "2024-03-06",
     "source": "新华社", "url": "https://news.example.cn/expo",
     "text": "第二十届国际科技博览会周三在北京开幕，来自四十多个国家的一千多家企业参展。主办方表示，人工智能和"
             "新能源汽车是今年展会的重点。"},
    {"title": "東京で桜が満開に", "language": "ja", "date": "2024-03-29",
     "source": "NHK", "url": "https://news.example.jp/sakura",
     "text": "気象庁は二十九日、東京都心で桜が満開になったと発表した。平年より五日早く、上野公園には朝から多くの"
             "花見客が訪れた。"},
    {"title": "Central bank holds interest rates steady", "language": "en", "date": "2024-03-07",
     "source": "Wire", "url": "https://news.example.com/rates",
     "text": "The central bank held interest rates steady on Thursday, saying inflation was easing but "
             "remained above its target. Economists expect the first cut later this year."},
    {"title": "Rail strike halts trains across Germany", "language": "en", "date": "2024-03-08",
     "source": "Wire", "url": "https://news.example.com/rail-strike",
     "text": "A train drivers' strike halted most rail services across Germany on Friday, leaving commuters "
             "to crowd onto buses and roads while trains stood idle at stations."},
]
COUNTS = {"de": 2, "en": 2, "fr": 1, "es": 1, "ru": 1, "ar": 1, "zh": 1, "ja": 1}
BY_LANGUAGE = {article["language"]: article for article in reversed(ARTICLES)}  # the first of each


def write_sample(folder: Path) -> Path:
    """The articles as a JSON Lines file in `folder`; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "languages.jsonl").write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in ARTICLES) + "\n",
                                            encoding="utf-8")
    return folder
