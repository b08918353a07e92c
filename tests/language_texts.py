"""Short news paragraphs written for the language tests (top words, did-you-mean, question words,
snippets): German, French, Spanish, Russian, Arabic, Chinese, Japanese and English, each a set on
one topic beside articles on others, as JSON Lines records (`record`) with their language declared.
"""
from __future__ import annotations

# German: electricity prices (the set) and other news. "für", "auch", "werden", "noch" and
# "über" (German stop words) are in most of the set and in none of the others: counted as words,
# they would stand out.
GERMAN_SET = [
    ("Strompreise steigen weiter",
     "Die Strompreise in Deutschland werden auch im kommenden Jahr steigen. Die Bundesnetzagentur teilte mit, "
     "dass die Netzentgelte für viele Haushalte noch einmal kräftig zulegen."),
    ("Verbraucher fordern Entlastung",
     "Wegen der hohen Strompreise fordern Verbraucherzentralen eine Entlastung für Haushalte. Die Netzentgelte "
     "werden auch über die Stromrechnung bezahlt, sagte ein Sprecher der Bundesnetzagentur."),
    ("Netzentgelte treiben Kosten",
     "Der Ausbau der Stromnetze treibt die Netzentgelte nach oben. Nach Angaben der Bundesnetzagentur werden "
     "die Strompreise für Haushalte auch noch über Jahre hoch bleiben."),
    ("Stadtwerke erhöhen Tarife",
     "Viele Stadtwerke erhöhen zum Jahreswechsel ihre Strompreise. Die Netzentgelte und die Beschaffungskosten "
     "seien der Grund, auch für Gewerbekunden werden die Tarife noch teurer."),
    ("Zuschuss für Netzentgelte",
     "Die Bundesregierung will die Netzentgelte mit einem Zuschuss über fünf Milliarden Euro senken, damit die "
     "Strompreise für Haushalte und Industrie sinken. Die Bundesnetzagentur begrüßte den Plan."),
    ("Industrie warnt vor Abwanderung",
     "Industrieverbände warnen, dass die hohen Strompreise Arbeitsplätze gefährden. Die Netzentgelte werden "
     "auch für Betriebe noch steigen, heißt es in einer Studie über den Standort."),
]
GERMAN_OTHERS = [
    ("Bayern gewinnt Spitzenspiel",
     "Der FC Bayern München hat am Samstag gegen Borussia Dortmund mit drei zu null gewonnen. Die Mannschaft "
     "führt damit die Tabelle der Bundesliga an."),
    ("Protest gegen Autobahn",
     "In Hamburg haben am Wochenende tausende Menschen gegen die Pläne einer neuen Autobahn demonstriert. "
     "Die Polizei sprach von einem friedlichen Verlauf."),
    ("Schnee in den Alpen",
     "Der Deutsche Wetterdienst warnt vor starkem Schneefall in den Alpen. In Oberbayern sollen bis zu "
     "vierzig Zentimeter Neuschnee fallen."),
    ("Streik bei Lufthansa",
     "Die Lufthansa streicht wegen eines Streiks des Bodenpersonals hunderte Flüge. Betroffen sind vor allem "
     "die Flughäfen in Frankfurt und München."),
    ("Klage abgewiesen",
     "Das Bundesverfassungsgericht in Karlsruhe hat eine Klage gegen das neue Wahlrecht abgewiesen. Die "
     "Richter sahen keinen Verstoß gegen das Grundgesetz."),
    ("Inflation sinkt",
     "Die Inflation in der Eurozone ist im November auf zwei Prozent gesunken. Die Europäische Zentralbank "
     "will die Zinsen dennoch vorerst nicht senken."),
]

# English: oil (the set) and other news; nothing here is German, French or Chinese.
ENGLISH_SET = [
    ("Oil prices climb", "Oil prices rose on Monday after the refinery in Texas shut two units. Traders said "
                         "crude supplies were tight ahead of the winter."),
    ("Refinery outage", "A fire at a Gulf Coast refinery cut gasoline output and lifted oil prices. The company "
                        "said repairs would take a week."),
    ("OPEC output", "OPEC ministers agreed to keep crude output steady, and oil prices edged higher. Analysts "
                    "expect refinery demand to recover."),
    ("Tanker rates", "Tanker rates jumped as oil traders booked ships to move crude from the Gulf to Asian "
                     "refinery buyers."),
    ("Shale drillers", "Shale drillers added rigs for a third week as oil prices held above eighty dollars, "
                       "a refinery survey showed."),
]
ENGLISH_OTHERS = [
    ("Coffee harvest", "Brazil's coffee harvest is expected to be the largest in five years, growers said."),
    ("Rail strike", "Rail workers in Britain walked out on Tuesday, halting most trains across the country."),
    ("Election results", "The ruling party lost its majority in the regional election, official results showed."),
    ("Wheat exports", "Australian wheat exports fell in October as farmers held back grain for better prices."),
    ("Museum reopens", "The city museum reopened after a two-year renovation with a new gallery of maps."),
]

# Chinese: semiconductors (the set) and other news.
CHINESE_SET = [
    ("半导体产量增长", "中国半导体行业协会周二表示，今年前十个月芯片产量同比增长百分之二十，多家企业扩大了晶圆产能。"),
    ("加快自主研发", "受出口管制影响，国内半导体企业加快芯片自主研发。分析人士认为，晶圆制造仍是最大短板。"),
    ("新建晶圆厂", "上海一家半导体公司宣布新建晶圆厂，计划明年投产，主要生产汽车芯片。"),
    ("板块大涨", "半导体板块周三大涨，芯片设计公司股价领涨，投资者看好晶圆代工需求回升。"),
]
CHINESE_OTHERS = [
    ("北京初雪", "北京今天迎来今冬第一场雪，气象部门提醒市民注意交通安全。"),
    ("消费数据", "国家统计局公布数据显示，十月份社会消费品零售总额同比增长百分之七。"),
    ("女排三连胜", "中国女排在世界联赛中以三比一战胜日本队，取得三连胜。"),
    ("地铁开通", "广州地铁新线路周日开通运营，全长三十公里，设站二十座。"),
]

# French: pension reform, for did-you-mean (French words only, none of them English).
FRENCH = [
    ("Réforme des retraites", "Le gouvernement a présenté mercredi sa réforme des retraites. Les syndicats "
                              "appellent à une nouvelle journée de grève dans toute la France."),
    ("Grève nationale", "La grève contre la réforme du gouvernement a perturbé les transports à Paris et à Lyon."),
    ("Vote à l'Assemblée", "Le gouvernement veut faire adopter le texte avant l'été, malgré la colère des "
                           "syndicats et de l'opposition."),
]

# Texts for the snippet rules (one paragraph each).
JAPANESE = ("東京都の小池百合子知事は5日の記者会見で、都内の新型コロナウイルスの感染者数が減少傾向にあると述べた。"
            "都は飲食店への営業時間短縮の要請を今月末まで続ける方針で、専門家の意見を聞いたうえで解除の時期を判断する。"
            "一方、医療提供体制は依然として厳しい状況が続いているという。")
CHINESE = ("新华社北京3月5日电 第十四届全国人民代表大会第二次会议5日上午在人民大会堂开幕。国务院总理李强作政府工作报告，"
           "提出今年国内生产总值增长预期目标为5%左右。报告说，要坚持稳中求进工作总基调，加快建设现代化产业体系，"
           "扩大国内需求，推动高质量发展。会议还审议了全国人民代表大会组织法修正草案等文件。")
ARABIC = ("قال رئيس الوزراء إن الحكومةَ ستُقدّم موازنةً جديدةً إلى البرلمان الأسبوع المقبل، وتتضمن زيادةً في الإنفاق "
          "على التعليم والصحة وخفضاً للضرائب على الشركات الصغيرة والمتوسطة، في محاولة لدعم الاقتصاد الذي تضرر من "
          "ارتفاع أسعار الطاقة والغذاء خلال العام الماضي.")
RUSSIAN = ("Центральный банк России в пятницу повысил ключевую ставку до шестнадцати процентов. Регулятор "
           "объяснил решение ростом цен и слабостью рубля.")
SPANISH = ("El Gobierno de España aprobó el martes un nuevo paquete de ayudas para los agricultores afectados por "
           "la sequía, que ha reducido la cosecha de aceite de oliva.")


def record(key: str, title: str, body: str, language: str) -> dict:
    """A JSON Lines record the product's records reader reads, its language declared."""
    return {"url": f"http://lang.example/{language}/{key}", "title": title, "body": body, "language": language,
            "date": "2024-03-05", "source": f"Wire {language}"}


def records(pairs: list[tuple[str, str]], language: str, key: str) -> list[dict]:
    return [record(f"{key}{i}", title, body, language) for i, (title, body) in enumerate(pairs)]

# A long Chinese paragraph (snippet widths: a fragment around a word in its middle).
CHINESE_LONG = (
    "北京市政府周二宣布，将在明年扩建城市地铁网络。新线路预计将连接首都国际机场和市中心，全长约四十公里，共设十八座车站。"
    "市交通委员会表示，工程总投资约为三百亿元，资金主要来自市级财政和专项债券。据介绍，新线路采用全自动驾驶技术，"
    "最高时速可达一百二十公里，高峰时段的发车间隔将缩短到两分钟以内。沿线居民普遍对这一计划表示欢迎，但也有人担心施工"
    "期间的噪音和交通拥堵问题。交通专家指出，随着城市人口不断增长，扩建轨道交通是缓解地面交通压力的有效办法。市政府还"
    "计划在未来五年内新建多条公交专用道，并鼓励市民绿色出行。有关部门将在下个月公布详细的施工时间表，并就线路走向广泛征求公众意见。")
